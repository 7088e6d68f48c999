// Flask playgrounds on a lesson page: an editor, a request panel, and the results of running
// the learner's app in Pyodide (worker.js). The runtime loads only when a playground is
// scrolled into view or run; pages without a playground never load this file.
//
// Edits persist in this browser (localStorage, with the time of the edit). A signed-in
// learner can also save them to their account (POST /playground/saves/<id>); when the
// page starts, the account's copy is shown if it is newer than this browser's, and the
// status says which one is shown. The code never runs on the server.

import { Editor } from "./editor.js";
import { PythonWorker } from "./python-worker.js";
import { el, format } from "./dom.js";

const STRINGS = {
  en: {
    editor: "Flask app code (Esc then Tab leaves the editor)",
    run: "Run",
    stop: "Stop",
    reset: "Reset",
    send: "Send this request",
    presets: "Requests sent by Run",
    custom: "Your own request",
    method: "Method",
    path: "Path",
    headers: "Headers (one Name: value per line)",
    bodyKind: "Body",
    none: "none",
    form: "form (name=value per line)",
    json: "JSON",
    body: "Body text",
    loading: "Starting Python in your browser…",
    ready: (ms, version) => `Python ${version} is ready (started in ${(ms / 1000).toFixed(1)} s). Edit the code and press Run.`,
    running: "Running…",
    done: (n, ms) => `Ran ${n} request${n === 1 ? "" : "s"} in ${ms} ms.`,
    stopped: "Stopped: your code was still running, so the Python worker was ended and a fresh one started. Loops that never end are the usual cause.",
    timedOut: (s) => `Stopped after ${s} s: a run may take at most that long. The Python worker was restarted.`,
    missing: (command) => `The Python runtime for the playground is not installed on this server. Install it with: ${command}`,
    failed: (message) => `Python could not start in this browser: ${message}`,
    slow: (s) => `Python did not start within ${s} s. This browser may block WebAssembly (a Content-Security-Policy without 'wasm-unsafe-eval' does).`,
    status: "Status",
    headersTitle: "Response headers",
    bodyTitle: "Body",
    rendered: "Rendered",
    raw: "Raw",
    cookies: "Cookie jar after this request",
    output: "print output",
    error: "Error in your code",
    line: (n) => `line ${n}`,
    xray: "X-ray: what Flask did",
    noCookies: "(empty)",
    problems: "Not what the lesson expects:",
    restored: "Your edits from last time are restored. Reset brings back the lesson's code.",
  },
  zh: {
    editor: "Flask 应用代码（先按 Esc 再按 Tab 离开编辑器）",
    run: "运行",
    stop: "停止",
    reset: "重置",
    send: "发送这个请求",
    presets: "“运行”发送的请求",
    custom: "你自己的请求",
    method: "方法",
    path: "路径",
    headers: "请求头（每行一个 Name: value）",
    bodyKind: "请求体",
    none: "无",
    form: "表单（每行 name=value）",
    json: "JSON",
    body: "请求体文本",
    loading: "正在浏览器里启动 Python…",
    ready: (ms, version) => `Python ${version} 已就绪（启动用了 ${(ms / 1000).toFixed(1)} 秒）。修改代码后按“运行”。`,
    running: "运行中…",
    done: (n, ms) => `${n} 个请求用了 ${ms} 毫秒。`,
    stopped: "已停止：你的代码还在运行，所以结束了这个 Python worker 并启动了新的。通常是死循环造成的。",
    timedOut: (s) => `${s} 秒后停止：每次运行最多这么久。Python worker 已重启。`,
    missing: (command) => `这台服务器没有安装练习场的 Python 运行时。安装命令：${command}`,
    failed: (message) => `Python 无法在这个浏览器里启动：${message}`,
    slow: (s) => `Python 在 ${s} 秒内没有启动。这个浏览器可能禁止了 WebAssembly（没有 'wasm-unsafe-eval' 的 Content-Security-Policy 会这样）。`,
    status: "状态",
    headersTitle: "响应头",
    bodyTitle: "响应体",
    rendered: "渲染",
    raw: "原文",
    cookies: "这个请求之后的 cookie",
    output: "print 输出",
    error: "你的代码出错了",
    line: (n) => `第 ${n} 行`,
    xray: "X 光：Flask 做了什么",
    noCookies: "（空）",
    problems: "和课程预期不一致：",
    restored: "已恢复你上次的修改。“重置”可以恢复课程原来的代码。",
  },
};
const T = STRINGS[(document.documentElement.lang || "en").slice(0, 2)] || STRINGS.en;
//: How long one run may take before the worker is ended (the learner's code is stopped).
const RUN_TIMEOUT_S = 10;
//: How long Python may take to start before the page says it cannot.
const START_TIMEOUT_S = 90;

function meta(name) {
  const tag = document.querySelector(`meta[name="${name}"]`);
  return tag ? tag.content : "";
}

//: What the page says about saving to the account, from the server in the reader's language.
const A = JSON.parse(meta("playground-strings") || "{}");
//: Where a signed-in learner's saves are ("" for an anonymous visitor).
const SAVES = meta("playground-saves");


function when(moment) {
  return new Date(moment).toLocaleString(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
}


const python = new PythonWorker({
  workerURL: meta("playground-worker"),
  indexURL: meta("playground-index"),
  lockFileURL: meta("playground-lock"),
  runtimeURL: meta("playground-runtime"),
  startTimeoutMs: START_TIMEOUT_S * 1000,
});
const playgrounds = [];

function broadcast(text, state) {
  for (const playground of playgrounds) playground.say(text, state);
}

python.onStatus = (state, detail) => {
  if (state === "loading") broadcast(T.loading, "loading");
  else if (state === "ready") broadcast(T.ready(detail.ms, detail.python), "ready");
  else if (state === "failed") broadcast(T.failed(detail), "error");
  else if (state === "slow") broadcast(T.slow(START_TIMEOUT_S), "error");
};

function parseLines(text, separator) {
  const rv = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(separator);
    if (at > 0) rv[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return rv;
}

class Playground {
  constructor(root, index) {
    this.root = root;
    this.id = root.dataset.playgroundId || "";
    this.requests = JSON.parse(root.dataset.requests || "[]");
    const source = root.querySelector("[data-playground-source]");
    this.original = root.dataset.code;
    this.key = this.id ? `playground:${this.id}` : `playground:${location.pathname}:${index}`;
    this.legacyKey = `playground:${location.pathname}:${index}`;
    this.status = root.querySelector("[data-playground-status]");
    this.local = this.load();
    const edited = this.local && this.local.code !== this.original;
    this.editor = new Editor(source, edited ? this.local.code : this.original, {
      label: T.editor,
      onChange: (code) => this.remember(code),
    });
    this.buildControls();
    if (edited) this.say(T.restored, "");
  }

  // This browser's copy: {original, code, savedAt} (savedAt in ms), if it is of this code.
  load() {
    for (const key of [this.key, this.legacyKey]) {
      try {
        const data = JSON.parse(localStorage.getItem(key) || "null");
        if (data && data.original === this.original) return { savedAt: 0, ...data };
      } catch {
        // Unreadable or disabled storage: nothing to restore.
      }
    }
    return null;
  }

  // Keep every edit (and a Reset) with its time, so the newer of this browser's copy and
  // the account's can be shown next time.
  remember(code) {
    this.local = { original: this.original, code, savedAt: Date.now() };
    try {
      localStorage.setItem(this.key, JSON.stringify(this.local));
      if (this.legacyKey !== this.key) localStorage.removeItem(this.legacyKey);
    } catch {
      // Storage full or disabled: edits simply do not persist.
    }
  }

  // Show the account's copy when it is newer than this browser's, and say which one is shown.
  offer(saved) {
    const savedAt = Date.parse(saved.saved_at);
    if (!this.local || savedAt > this.local.savedAt) {
      if (saved.code !== this.editor.value) this.editor.value = saved.code;
      this.say(format(A.fromAccount, { time: when(savedAt) }), "");
    } else if (this.local.code !== saved.code) {
      this.say(format(A.fromBrowser, { time: when(savedAt) }), "");
    }
  }

  async saveToAccount() {
    this.saveButton.disabled = true;
    this.say(A.saving, "");
    try {
      const response = await fetch(`${SAVES}/${encodeURIComponent(this.id)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": meta("playground-csrf") },
        body: JSON.stringify({ code: this.editor.value }),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.message || `${response.status} ${response.statusText}`);
      this.say(format(A.saved, { time: when(data.saved_at) }), "saved");
    } catch (error) {
      this.say(format(A.saveFailed, { message: error.message }), "error");
    } finally {
      this.saveButton.disabled = false;
    }
  }

  say(text, state) {
    // After a Stop, the restart's messages add to what happened instead of hiding it.
    if (this.status.dataset.state === "stopped" && state === "loading") return;
    if (this.status.dataset.state === "stopped" && state === "ready") text = `${this.status.textContent} ${text}`;
    this.status.textContent = text;
    this.status.dataset.state = state || "";
  }

  buildControls() {
    const oldRun = this.root.querySelector("[data-playground-run]");
    this.runButton = el("button", { type: "button", class: "button", "data-playground-run": "", text: T.run });
    this.stopButton = el("button", { type: "button", class: "button secondary", "data-playground-stop": "", text: T.stop });
    this.stopButton.disabled = true;
    const reset = el("button", { type: "button", class: "button secondary", "data-playground-reset": "", text: T.reset });
    const bar = el("div", { class: "pg-toolbar" }, this.runButton, this.stopButton, reset);
    if (SAVES && this.id) {
      this.saveButton = el("button", { type: "button", class: "button secondary", "data-playground-save": "", text: A.save });
      this.saveButton.addEventListener("click", () => this.saveToAccount());
      bar.append(this.saveButton);
    }
    oldRun.replaceWith(bar);
    if (!SAVES && this.id && meta("playground-login")) {
      const login = el("a", { href: meta("playground-login"), text: A.logIn });
      bar.after(el("p", { class: "pg-account muted", "data-playground-login": "" }, `${A.browserOnly} `, login));
    }
    this.runButton.addEventListener("click", () => this.run(this.requests));
    this.stopButton.addEventListener("click", () => this.stop());
    reset.addEventListener("click", () => {
      // The editor's change handler remembers the original as this browser's newest copy.
      this.editor.value = this.original;
      if (SAVES && this.id) this.say(A.resetKept, "");
    });
    if (this.requests.length) {
      const list = el("ol", { class: "pg-presets" });
      for (const spec of this.requests) {
        list.append(el("li", {}, el("code", { text: `${spec.method || "GET"} ${spec.path}` }), spec.label ? ` — ${spec.label}` : ""));
      }
      bar.after(el("div", { class: "pg-presets-box" }, el("p", { class: "muted", text: T.presets }), list));
    }
    const form = this.customForm();
    this.results = el("div", { class: "pg-results", "data-playground-results": "", "aria-live": "polite" });
    this.root.append(form, this.results);
  }

  customForm() {
    const method = el("select", { "data-playground-method": "" });
    for (const name of ["GET", "POST", "PUT", "PATCH", "DELETE"]) method.append(el("option", { text: name }));
    const path = el("input", { type: "text", value: "/", "data-playground-path": "", spellcheck: "false" });
    const headers = el("textarea", { rows: "2", "data-playground-headers": "", spellcheck: "false" });
    const kind = el("select", { "data-playground-body-kind": "" });
    for (const [value, label] of [["none", T.none], ["form", T.form], ["json", T.json]]) {
      kind.append(el("option", { value, text: label }));
    }
    const body = el("textarea", { rows: "2", "data-playground-body": "", spellcheck: "false" });
    const send = el("button", { type: "button", class: "button secondary", "data-playground-send": "", text: T.send });
    send.addEventListener("click", () => {
      const spec = { method: method.value, path: path.value || "/", headers: parseLines(headers.value, ":") };
      if (kind.value === "form") spec.form = parseLines(body.value, "=");
      if (kind.value === "json") {
        try {
          spec.json = JSON.parse(body.value || "null");
        } catch (error) {
          this.say(`JSON: ${error.message}`, "error");
          return;
        }
      }
      this.run([spec]);
    });
    const label = (text, control) => el("label", {}, el("span", { text }), control);
    return el(
      "details",
      { class: "pg-custom" },
      el("summary", { text: T.custom }),
      el("div", { class: "pg-custom-grid" }, label(T.method, method), label(T.path, path), label(T.headers, headers), label(T.bodyKind, kind), label(T.body, body)),
      send,
    );
  }

  async run(requests) {
    if (python.missing) return;
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.say(python.ready ? T.running : T.loading, "running");
    try {
      const answer = await python.run(this.editor.value, requests, RUN_TIMEOUT_S * 1000);
      this.show(answer.result, answer.ms);
    } catch (error) {
      if (error.reason === "stopped") this.say(T.stopped, "stopped");
      else if (error.reason === "timeout") this.say(T.timedOut(RUN_TIMEOUT_S), "stopped");
      else if (error.reason === "missing") this.say(T.missing(meta("playground-install-command")), "error");
      else this.say(String(error.message || error), "error");
    } finally {
      this.runButton.disabled = python.missing;
      this.stopButton.disabled = true;
    }
  }

  stop() {
    python.stop();
  }

  show(result, ms) {
    const blocks = [];
    if (result.output) blocks.push(el("div", { class: "pg-output" }, el("h4", { text: T.output }), el("pre", { text: result.output })));
    if (result.error) blocks.push(this.errorBlock(result.error));
    for (const response of result.responses) blocks.push(this.responseBlock(response));
    if (result.problems && result.problems.length && !result.error) {
      blocks.push(el("div", { class: "pg-problems" }, el("p", { text: T.problems }), el("ul", {}, ...result.problems.map((p) => el("li", { text: p })))));
    }
    this.results.replaceChildren(...blocks);
    this.say(T.done(result.responses.length, ms), result.error ? "error" : "done");
  }

  errorBlock(error) {
    const title = error.line ? `${T.error} (${T.line(error.line)})` : T.error;
    if (error.line) this.markLine(error.line);
    return el("div", { class: "pg-error", "data-playground-error": "" }, el("h4", { text: title }), el("pre", { text: error.text || error.message }));
  }

  markLine(line) {
    const { textarea } = this.editor;
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, text) => n + text.length + 1, 0);
    textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  responseBlock(response) {
    const summary = el(
      "summary",
      {},
      el("code", { text: `${response.request.method} ${response.request.path}` }),
      " → ",
      el("strong", { class: `pg-status pg-status-${String(response.status || 0)[0]}`, "data-playground-status-code": "", text: response.status_text || "—" }),
      el("span", { class: "muted", text: ` ${response.ms} ms` }),
    );
    const parts = [summary];
    if (response.error) parts.push(this.errorBlock(response.error));
    if (response.output) parts.push(el("div", { class: "pg-output" }, el("h4", { text: T.output }), el("pre", { text: response.output })));
    parts.push(this.bodyBlock(response));
    const headers = el("dl", { class: "pg-headers" });
    for (const [name, value] of response.headers) headers.append(el("dt", { text: name }), el("dd", { text: value }));
    parts.push(el("details", {}, el("summary", { text: T.headersTitle }), headers));
    const cookies = Object.entries(response.cookies);
    parts.push(
      el("p", { class: "pg-cookies" }, el("strong", { text: `${T.cookies}: ` }), cookies.length ? el("code", { text: cookies.map(([k, v]) => `${k}=${v}`).join("; ") }) : T.noCookies),
    );
    if (response.xray) parts.push(this.xrayBlock(response.xray));
    return el("details", { class: "pg-response card", open: "", "data-playground-response": "" }, ...parts);
  }

  bodyBlock(response) {
    const raw = el("pre", { class: "pg-raw", text: response.body });
    const box = el("div", { class: "pg-body" }, el("h4", { text: T.bodyTitle }));
    if (response.mimetype !== "text/html" || !response.body) {
      box.append(raw);
      return box;
    }
    // No allow-scripts: the learner's HTML is shown, never run.
    const frame = el("iframe", { sandbox: "", class: "pg-frame", title: T.rendered });
    frame.srcdoc = response.body;
    raw.hidden = true;
    const toggle = el("button", { type: "button", class: "link-button", text: T.raw });
    toggle.addEventListener("click", () => {
      raw.hidden = !raw.hidden;
      frame.hidden = !frame.hidden;
      toggle.textContent = raw.hidden ? T.raw : T.rendered;
    });
    box.append(toggle, frame, raw);
    return box;
  }

  xrayBlock(trace) {
    const facts = el("dl", { class: "xray-facts" });
    const fact = (name, value) => facts.append(el("dt", { text: name }), el("dd", {}, el("code", { text: value })));
    fact("rule", trace.rule || "—");
    fact("endpoint", trace.endpoint || "—");
    if (trace.blueprint) fact("blueprint", trace.blueprint);
    fact("g", JSON.stringify(trace.g || {}));
    fact("session", JSON.stringify(trace.session || {}));
    const list = el("ol", { class: "xray-events", "data-playground-xray": "" });
    for (const event of trace.events) {
      const item = el("li", { class: `xray-${event.kind}` }, el("span", { class: "xray-kind", text: event.kind }), " ", el("code", { text: event.name }));
      if (event.detail) item.append(" ", el("span", { class: "muted", text: event.detail }));
      item.append(" ", el("span", { class: "xray-ms", text: `${event.ms} ms` }));
      list.append(item);
    }
    return el("details", { class: "xray pg-xray" }, el("summary", { text: T.xray }), facts, list);
  }
}

// Ask the account for its copies of this page's playgrounds (one request for them all).
async function loadSaved() {
  const ids = playgrounds.map((playground) => playground.id).filter(Boolean);
  if (!SAVES || !ids.length) return;
  const query = new URLSearchParams(ids.map((id) => ["id", id]));
  try {
    const response = await fetch(`${SAVES}?${query}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || `${response.status} ${response.statusText}`);
    for (const playground of playgrounds) {
      const saved = data.saves && data.saves[playground.id];
      if (saved) playground.offer(saved);
    }
  } catch (error) {
    for (const playground of playgrounds) if (playground.id) playground.say(format(A.loadFailed, { message: error.message }), "error");
  }
}

function start() {
  const roots = document.querySelectorAll("[data-playground]");
  roots.forEach((root, index) => playgrounds.push(new Playground(root, index)));
  loadSaved();
  if (meta("playground-installed") !== "yes") {
    python.missing = true;
    for (const playground of playgrounds) {
      playground.say(T.missing(meta("playground-install-command")), "missing");
      playground.runButton.disabled = true;
      playground.root.dataset.runtime = "missing";
    }
    return;
  }
  // Start Python once the first playground comes into view (or is run, see run()).
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      python.start();
    }
  });
  for (const root of roots) observer.observe(root);
}

start();
