// WebSocket demos: the echo socket and the chat room. Everything a server sends is shown with
// textContent, so a message is always text, never HTML.

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

function logLine(list, kind, text) {
  const item = document.createElement("li");
  item.className = `socket-${kind}`;
  const label = document.createElement("span");
  label.className = "socket-kind";
  label.textContent = kind;
  const body = document.createElement("span");
  body.textContent = text;
  item.append(label, " ", body);
  list.append(item);
  while (list.children.length > 200) list.firstElementChild.remove();
  item.scrollIntoView({ block: "nearest" });
}

function initEcho(root) {
  const form = root.querySelector("[data-echo-form]");
  const input = form.querySelector("input[name=text]");
  const state = form.querySelector("[data-echo-state]");
  const log = document.querySelector("[data-echo-log]");
  let socket = null;
  form.hidden = false;

  function open() {
    return new Promise((resolve) => {
      if (socket && socket.readyState === WebSocket.OPEN) return resolve(socket);
      socket = new WebSocket(socketUrl(root.dataset.socketPath));
      state.textContent = "connecting…";
      socket.addEventListener("open", () => {
        state.textContent = "open";
        logLine(log, "open", `101 Switching Protocols · ${socket.url}`);
        resolve(socket);
      });
      socket.addEventListener("message", (event) => {
        const data = JSON.parse(event.data);
        if (data.type === "echo") logLine(log, "received", `${data.text} (${data.length} characters)`);
        else logLine(log, "error", data.error);
      });
      socket.addEventListener("close", (event) => {
        state.textContent = `closed (${event.code})`;
        logLine(log, "closed", `code ${event.code}${event.reason ? ` · ${event.reason}` : ""}`);
      });
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text) return;
    const ws = await open();
    ws.send(text);
    logLine(log, "sent", text);
  });
  root.querySelector("[data-echo-close]").addEventListener("click", () => {
    if (socket) socket.close(1000, "closed by the page");
  });
}

function initChat(form) {
  const state = form.querySelector("[data-chat-state]");
  const log = document.querySelector("[data-chat-log]");
  const nameInput = form.querySelector("input[name=name]");
  const textInput = form.querySelector("input[name=text]");
  const socket = new WebSocket(socketUrl(form.dataset.socketPath));
  state.textContent = "connecting…";

  // The client speaks first: the server subscribes to the room when it hears "join".
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "join" })));
  socket.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    if (data.type === "joined") {
      state.textContent = `open · room ${data.room} · ${data.mode} fan-out · served by process ${data.pid}`;
      form.dataset.joined = "true";
    } else if (data.type === "message") {
      logLine(log, "message", `${data.name}: ${data.text}  (via process ${data.pid})`);
    } else {
      logLine(log, "error", data.error);
    }
  });
  socket.addEventListener("close", (event) => {
    state.textContent = `closed (${event.code})`;
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
