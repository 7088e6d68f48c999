// WebSocket demos: the echo socket and the chat room. Everything a server sends is shown with
// textContent, so a message is always text, never HTML. Every word shown comes from the page
// (data-strings, in the page's language); {name} placeholders are filled in here.

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

function readStrings(element) {
  try {
    return JSON.parse(element.dataset.strings || "{}");
  } catch {
    return {};
  }
}

function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

// The log is looked up by its selector each time: an in-place update of the result
// (js/demo-form.js) replaces the element.
function logLine(selector, kind, label, text) {
  const list = document.querySelector(selector);
  const item = document.createElement("li");
  item.className = `socket-${kind}`;
  item.dataset.kind = kind;
  const badge = document.createElement("span");
  badge.className = "socket-kind";
  badge.textContent = label;
  const body = document.createElement("span");
  body.textContent = text;
  item.append(badge, " ", body);
  list.append(item);
  while (list.children.length > 200) list.firstElementChild.remove();
  item.scrollIntoView({ block: "nearest" });
  return item;
}

// The close frame the browser received, as the log shows it; a close without one is 1006.
function closeLine(selector, t, event) {
  const reason = event.reason ? fill(t.reason, { reason: event.reason }) : "";
  const text = event.wasClean
    ? fill(t.close_frame, { code: event.code }) + reason
    : fill(t.close_abnormal, { code: event.code });
  const item = logLine(selector, "closed", t.kind_closed, text);
  item.dataset.closeCode = String(event.code);
  item.dataset.clean = String(event.wasClean);
}

function initEcho(root) {
  const t = readStrings(root);
  const form = root.querySelector("[data-echo-form]");
  const input = form.querySelector("input[name=text]");
  const state = form.querySelector("[data-echo-state]");
  const log = "[data-echo-log]";
  let socket = null;
  form.hidden = false;

  function open() {
    return new Promise((resolve) => {
      if (socket && socket.readyState === WebSocket.OPEN) return resolve(socket);
      socket = new WebSocket(socketUrl(root.dataset.socketPath));
      state.textContent = t.connecting;
      socket.addEventListener("open", () => {
        state.textContent = t.open;
        logLine(log, "open", t.kind_open, fill(t.handshake_done, { url: socket.url }));
        resolve(socket);
      });
      socket.addEventListener("message", (event) => {
        const data = JSON.parse(event.data);
        if (data.type === "echo") {
          logLine(log, "received", t.kind_received, fill(t.echoed, { text: data.text, n: data.length }));
        } else logLine(log, "error", t.kind_error, data.error);
      });
      socket.addEventListener("close", (event) => {
        state.textContent = fill(t.closed, { code: event.code });
        state.dataset.closeCode = String(event.code);
        closeLine(log, t, event);
      });
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text) return;
    const ws = await open();
    ws.send(text);
    logLine(log, "sent", t.kind_sent, text);
  });
  root.querySelector("[data-echo-close]").addEventListener("click", () => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      state.textContent = t.closing;
      logLine(log, "sent", t.kind_sent, fill(t.close_sent, { code: 1000 }));
      socket.close(1000, "closed by the page");
    }
  });
}

function initChat(form) {
  const t = readStrings(form);
  const state = form.querySelector("[data-chat-state]");
  const log = "[data-chat-log]";
  const nameInput = form.querySelector("input[name=name]");
  const textInput = form.querySelector("input[name=text]");
  const socket = new WebSocket(socketUrl(form.dataset.socketPath));
  state.textContent = t.connecting;

  // The client speaks first: the server subscribes to the room when it hears "join".
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "join" })));
  socket.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    if (data.type === "joined") {
      const mode = data.mode === "redis" ? t.mode_redis : t.mode_local;
      state.textContent = fill(t.joined, { room: data.room, mode, pid: data.pid });
      form.dataset.joined = "true";
    } else if (data.type === "message") {
      logLine(log, "message", t.kind_message, fill(t.message, { name: data.name, text: data.text, pid: data.pid }));
    } else {
      logLine(log, "error", t.kind_error, data.error);
    }
  });
  socket.addEventListener("close", (event) => {
    state.textContent = fill(t.closed, { code: event.code });
    state.dataset.closeCode = String(event.code);
    closeLine(log, t, event);
    delete form.dataset.joined;
  });
  form.addEventListener("submit", (event) => {
    if (socket.readyState !== WebSocket.OPEN) return; // falls back to the plain form post
    event.preventDefault();
    socket.send(JSON.stringify({ name: nameInput.value, text: textInput.value }));
    textInput.value = "";
    textInput.focus();
  });
}

const echo = document.querySelector("[data-echo]");
if (echo) initEcho(echo);
const chat = document.querySelector("[data-chat-form]");
if (chat) initChat(chat);
