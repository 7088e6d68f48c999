// One Python worker for the page: started lazily, restarted when a run must be stopped.
//
// run(code, requests, timeoutMs) resolves with {ms, result}; call(modules, entry, payload,
// timeoutMs) with {ms, result} (text). Both reject with an Error whose `reason` is
// "stopped" (stop() was called), "timeout", "missing", "failed" or "error".

function failure(reason, message) {
  const error = new Error(message || reason);
  error.reason = reason;
  return error;
}

export class PythonWorker {
  constructor({ workerURL, indexURL, lockFileURL, runtimeURL, startTimeoutMs }) {
    // Pyodide resolves the wheels against these: they must be absolute.
    const absolute = (url) => new URL(url, location.href).href;
    this.options = { indexURL: absolute(indexURL), lockFileURL: absolute(lockFileURL), runtimeURL: absolute(runtimeURL) };
    this.startTimeoutMs = startTimeoutMs;
    this.workerURL = workerURL;
    this.worker = null;
    this.ready = false;
    this.missing = false;
    this.pending = new Map();
    this.nextId = 1;
    this.onStatus = () => {};
    this.readyPromise = null;
  }

  start() {
    if (this.readyPromise) return this.readyPromise;
    this.onStatus("loading");
    this.worker = new Worker(this.workerURL, { type: "module" });
    this.worker.postMessage({ type: "init", ...this.options });
    this.readyPromise = new Promise((resolve, reject) => {
      // Without 'wasm-unsafe-eval' Pyodide waits forever: give up and say why.
      const timer = setTimeout(() => {
        this.onStatus("slow");
        this.reset();
        reject(failure("failed", "start timeout"));
      }, this.startTimeoutMs);
      this.worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") {
          clearTimeout(timer);
          this.ready = true;
          this.onStatus("ready", message);
          resolve(message);
        } else if (message.type === "failed") {
          clearTimeout(timer);
          this.onStatus("failed", message.message);
          this.reset();
          reject(failure("failed", message.message));
        } else {
          this.settle(message);
        }
      };
      this.worker.onerror = (event) => {
        clearTimeout(timer);
        event.preventDefault();
        this.onStatus("failed", event.message || "the worker script failed");
        this.reset();
        reject(failure("failed", event.message));
      };
    });
    this.readyPromise.catch(() => {});
    return this.readyPromise;
  }

  reset() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.ready = false;
    this.readyPromise = null;
  }

  settle(message) {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.type === "error") entry.reject(failure("error", message.message));
    else entry.resolve({ ms: message.ms, result: message.result });
  }

  async send(message, timeoutMs) {
    if (this.missing) throw failure("missing");
    await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.abort("timeout"), timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...message, id });
    });
  }

  run(code, requests, timeoutMs) {
    return this.send({ type: "run", code, requests, xray: true }, timeoutMs);
  }

  call(modules, entry, payload, timeoutMs) {
    return this.send({ type: "call", modules, entry, payload }, timeoutMs);
  }

  // End whatever is running: the only way to stop Python in a worker without
  // SharedArrayBuffer. A fresh worker starts at once (from the browser's cache).
  abort(reason) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.reset();
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(failure(reason));
    }
    this.start();
  }

  stop() {
    if (this.pending.size) this.abort("stopped");
  }
}
