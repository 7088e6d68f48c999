// Live demos submit in place: a form (or a "try" link) of the controls fetches the demo's JSON
// with the result and the X-ray rendered as HTML, swaps them into the page, moves focus to the
// result and keeps the address shareable. Without this script the same forms reload the page
// at #result. Forms that run their own script (the WebSocket demos) carry data-demo-self.

const root = document.querySelector("[data-demo]");
const PARTIAL = { Accept: "application/json", "X-Demo-Partial": "1" };

function strings() {
  try {
    return JSON.parse(root.dataset.demoStrings || "{}");
  } catch {
    return {};
  }
}

function sameDemo(url) {
  return url.origin === window.location.origin && url.pathname === window.location.pathname;
}

function resultRegion() {
  return root.querySelector("[data-demo-result]");
}

function announce(text) {
  const status = root.querySelector("[data-demo-status]");
  if (status) status.textContent = text;
}

function showError(status, body) {
  const t = strings();
  const message = (body && (body.message || body.error)) || "";
  const box = document.createElement("p");
  box.className = "flash flash-error";
  box.dataset.demoError = String(status);
  box.textContent = (t.failed || "{status}: {message}").replace("{status}", String(status)).replace("{message}", message);
  root.querySelector("[data-demo-result-body]").replaceChildren(box);
  announce(box.textContent);
}

function swapIn(body) {
  const html = body.html || {};
  const controls = root.querySelector("[data-demo-controls-body]");
  // Controls some script of their own is attached to (a live WebSocket) stay as they are.
  if (controls && typeof html.controls === "string" && !controls.querySelector("[data-demo-self]")) {
    controls.innerHTML = html.controls;
  }
  if (typeof html.result === "string") root.querySelector("[data-demo-result-body]").innerHTML = html.result;
  const xray = root.querySelector("[data-demo-xray]");
  if (xray && typeof html.xray === "string") xray.innerHTML = html.xray;
  announce(strings().updated || "");
}

function focusResult() {
  const region = resultRegion();
  region.focus({ preventScroll: true });
  const box = region.getBoundingClientRect();
  if (box.top < 0 || box.top > window.innerHeight * 0.6) region.scrollIntoView({ block: "start" });
}

function finish() {
  root.dataset.demoUpdates = String(Number(root.dataset.demoUpdates || 0) + 1);
  document.dispatchEvent(new CustomEvent("demo:updated"));
}

async function load(url, init) {
  root.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { ...init, headers: PARTIAL, credentials: "same-origin" });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    // A demo may answer a refused input with its full result and a 4xx (the sandbox's
    // SecurityError): whatever carries the page parts is shown; anything else is an error.
    if (!body || !body.html) {
      showError(response.status, body);
    } else {
      swapIn(body);
      // After a redirect (POST, then GET) the final address is the one to share.
      const shown = new URL(response.redirected ? response.url : url, window.location.href);
      if (sameDemo(shown)) history.replaceState(null, "", `${shown.pathname}${shown.search}#result`);
    }
    focusResult();
    finish();
    return true;
  } catch {
    return false; // network failure: let the browser send it the ordinary way
  } finally {
    root.removeAttribute("aria-busy");
  }
}

function formRequest(form, submitter) {
  const data = new FormData(form, submitter);
  const action = new URL(form.getAttribute("action") || "", window.location.href);
  action.hash = "";
  if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
    return [action, { method: "POST", body: new URLSearchParams(data) }];
  }
  action.search = new URLSearchParams(data).toString();
  return [action, { method: "GET" }];
}

function inControls(element) {
  return element.closest(".demo-controls, [data-demo-result]") && !element.closest("[data-demo-self]");
}

if (root) {
  root.addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !inControls(form)) return;
    if (form.hasAttribute("data-demo-self")) return;
    const [url, init] = formRequest(form, event.submitter);
    if (!sameDemo(url)) return;
    event.preventDefault();
    if (!(await load(url, init))) {
      announce(strings().offline || "");
      form.submit();
    }
  });
  root.addEventListener("click", async (event) => {
    const link = event.target.closest("a[href]");
    if (!link || !inControls(link) || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const url = new URL(link.href);
    if (!sameDemo(url) || !url.search) return;
    event.preventDefault();
    url.hash = "";
    if (!(await load(url, { method: "GET" }))) window.location.assign(link.href);
  });
}
