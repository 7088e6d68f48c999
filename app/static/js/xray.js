// Request X-ray: replace the server-rendered trace (which stops at the view) with the
// finished one, fetched once the request's teardown has run.

function eventItem(event) {
  const li = document.createElement("li");
  li.className = `xray-${event.kind}`;
  const kind = document.createElement("span");
  kind.className = "xray-kind";
  kind.textContent = event.kind;
  const name = document.createElement("code");
  name.textContent = event.name;
  li.append(kind, " ", name);
  if (event.detail) {
    const detail = document.createElement("span");
    detail.className = "muted";
    detail.textContent = event.detail;
    li.append(" ", detail);
  }
  const ms = document.createElement("span");
  ms.className = "xray-ms";
  ms.textContent = `${event.ms} ms`;
  li.append(" ", ms);
  return li;
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
  const trace = await fetchTrace(panel.dataset.xrayUrl);
  const status = panel.querySelector("[data-xray-status]");
  if (!trace) {
    if (status) status.textContent = status.dataset.failed || "The finished trace is not available.";
    return;
  }
  const list = panel.querySelector("[data-xray-events]");
  list.replaceChildren(...trace.events.map(eventItem));
  if (status) status.textContent = `${trace.events.length} events, from the first hook to the last context pop.`;
  panel.dataset.xrayFinished = "true";
}

for (const panel of document.querySelectorAll("[data-xray-url]")) {
  finishXray(panel);
}

// Pages that update a demo without reloading call this with the JSON body they got.
export function showTrace(body) {
  const panel = document.querySelector("[data-xray-url]");
  if (!panel || !body.xray_url) return;
  panel.dataset.xrayUrl = body.xray_url;
  finishXray(panel);
}
