// Request X-ray: replace the server-rendered trace (which stops at the view) with the
// finished one, fetched once the request's teardown has run. The words come from the page
// (data-xray-strings), in its language.

function readStrings(panel) {
  try {
    return JSON.parse(panel.dataset.xrayStrings || "{}");
  } catch {
    return {};
  }
}

function cell(text, className, code = false) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (code) {
    const inner = document.createElement("code");
    inner.textContent = text;
    td.append(inner);
  } else td.textContent = text;
  return td;
}

function eventRow(event, strings) {
  const tr = document.createElement("tr");
  tr.className = `xray-${event.kind}`;
  const kind = document.createElement("span");
  kind.className = "xray-kind";
  kind.textContent = (strings.kinds || {})[event.kind] || event.kind;
  const kindCell = document.createElement("td");
  kindCell.append(kind);
  tr.append(kindCell, cell(event.name, "", true), cell(event.detail || "", "muted", event.kind === "hook" || event.kind === "sandbox"), cell(String(event.ms), "xray-ms"));
  return tr;
}

async function fetchTrace(url, attempts = 5) {
  for (let i = 0; i < attempts; i += 1) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (response.ok) return response.json();
    await new Promise((resolve) => setTimeout(resolve, 150 * (i + 1)));
  }
  return null;
}

async function finishXray(panel) {
  const strings = readStrings(panel);
  const trace = await fetchTrace(panel.dataset.xrayUrl);
  const status = panel.querySelector("[data-xray-status]");
  if (!trace) {
    if (status) status.textContent = strings.failed || "";
    return;
  }
  const body = panel.querySelector("[data-xray-events]");
  body.replaceChildren(...trace.events.map((event) => eventRow(event, strings)));
  if (status) status.textContent = (strings.finished || "").replace("{n}", String(trace.events.length));
  panel.dataset.xrayFinished = "true";
}

function finishAll() {
  for (const panel of document.querySelectorAll("[data-xray-url]:not([data-xray-finished])")) {
    finishXray(panel);
  }
}

finishAll();
// js/demo-form.js swaps a new panel in after an in-place update, then says so.
document.addEventListener("demo:updated", finishAll);
