// The playground's Web Worker: Pyodide, Flask, and the learner's app, off the page's thread.
//
// Messages in (from page.js, or any page that hosts Python):
//   {type: "init", indexURL, lockFileURL, runtimeURL}
//       -> {type: "ready", ms, python} | {type: "failed", message}
//   {type: "run", id, code, requests: [{method, path, headers, form | json | body, expect}], xray}
//       -> {type: "result", id, ms, result}   (result: see app/playground/runtime.py run())
//   {type: "call", id, modules: {name: source}, entry: "module.function", payload: "<text>"}
//       -> {type: "called", id, ms, result: "<text>"}
//      Writes each module into the worker's Python, (re)imports it and calls
//      function(payload); a coding challenge sends its runner module, the learner's code and
//      the test source as JSON, and gets its per-test outcomes back as JSON text.
//   Any failure of a run or call -> {type: "error", id, message}
// A runaway loop is stopped by the page: it terminates this worker and starts another.

let pyodide = null;
let runtime = null;

function post(message) {
  self.postMessage(message);
}

async function init({ indexURL, lockFileURL, runtimeURL }) {
  const started = performance.now();
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  pyodide = await loadPyodide({ indexURL, lockFileURL });
  const problems = [];
  await pyodide.loadPackage(["flask"], { messageCallback: () => {}, errorCallback: (text) => problems.push(text) });
  // A wheel whose hash does not match is only logged by Pyodide: check the import here.
  try {
    pyodide.runPython("import flask");
  } catch (error) {
    throw new Error(`Flask did not load: ${problems.join(" ") || error.message}`);
  }
  const response = await fetch(runtimeURL);
  if (!response.ok) throw new Error(`the playground runtime answered ${response.status}`);
  pyodide.FS.writeFile("/home/pyodide/playground_runtime.py", await response.text());
  runtime = pyodide.pyimport("playground_runtime");
  post({ type: "ready", ms: Math.round(performance.now() - started), python: pyodide.runPython("import sys; sys.version.split()[0]") });
}

function run({ id, code, requests, xray }) {
  const started = performance.now();
  const payload = JSON.stringify({ code, requests: requests || [], xray: xray !== false });
  const result = JSON.parse(runtime.run_json(payload));
  post({ type: "result", id, ms: Math.round(performance.now() - started), result });
}

function call({ id, modules, entry, payload }) {
  const started = performance.now();
  const importlib = pyodide.pyimport("importlib");
  for (const [name, source] of Object.entries(modules || {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad module name ${name}`);
    pyodide.FS.writeFile(`/home/pyodide/${name}.py`, source);
  }
  importlib.invalidate_caches();
  const [moduleName, functionName] = [entry.slice(0, entry.lastIndexOf(".")), entry.slice(entry.lastIndexOf(".") + 1)];
  let module = pyodide.pyimport(moduleName);
  if (moduleName in (modules || {})) module = importlib.reload(module);
  const result = module[functionName](payload);
  post({ type: "called", id, ms: Math.round(performance.now() - started), result: String(result) });
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      await init(message);
    } catch (error) {
      post({ type: "failed", message: String(error && error.message ? error.message : error) });
    }
    return;
  }
  try {
    if (!runtime) throw new Error("the Python runtime is not ready");
    if (message.type === "run") run(message);
    else if (message.type === "call") call(message);
    else throw new Error(`unknown message ${message.type}`);
  } catch (error) {
    post({ type: "error", id: message.id, message: String(error && error.message ? error.message : error) });
  }
};
