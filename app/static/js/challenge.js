// A code challenge on the quiz page: edit the starter code, run the tests in Python in this
// browser (the playground's worker), and send the report through the quiz form.
//
// The page works without this file: it shows the task and tests and offers an honest skip.
// The report is self-reported: the server checks its shape, never runs the code.

import { Editor } from "./playground/editor.js";
import { PythonWorker } from "./playground/python-worker.js";
import { el, format } from "./playground/dom.js";

//: How long one run of the tests may take before the worker is ended.
const RUN_TIMEOUT_S = 10;
//: How long Python may take to start before the page says it cannot.
const START_TIMEOUT_S = 90;



class Challenge {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(root.dataset.challenge);
    this.T = this.config.strings;
    this.form = root.closest("form");
    this.answer = this.form.querySelector("[data-challenge-answer]");
    this.status = root.querySelector("[data-challenge-status]");
    this.results = root.querySelector("[data-challenge-results]");
    this.key = `challenge:${this.config.questionId}`;
    this.report = null; // {passed, total, code} of the last run
    this.submitting = false;
    this.sources = null; // the test sources, fetched at the first run
    this.runner = null;
    this.python = new PythonWorker({
      workerURL: this.config.worker,
      indexURL: this.config.index,
      lockFileURL: this.config.lock,
      runtimeURL: this.config.runtime,
      startTimeoutMs: START_TIMEOUT_S * 1000,
    });
    this.python.onStatus = (state, detail) => this.onStatus(state, detail);
    const saved = this.load();
    this.editor = new Editor(root.querySelector("[data-challenge-source]"), saved ?? this.config.starter, {
      label: this.T.editor,
      onChange: (code) => this.save(code),
    });
    if (saved !== null) this.say(this.T.restored, "");
    this.bind();
    if (!this.config.installed) {
      this.python.missing = true;
      this.runButton.disabled = true;
      this.say(format(this.T.missing, { command: this.config.installCommand }), "missing");
      root.dataset.runtime = "missing";
      return;
    }
    // Start Python once the challenge is on screen; the first run waits for it.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        this.python.start();
      }
    });
    observer.observe(root);
  }

  bind() {
    const toolbar = this.root.querySelector("[data-challenge-toolbar]");
    toolbar.hidden = false;
    this.runButton = toolbar.querySelector("[data-challenge-run]");
    this.stopButton = toolbar.querySelector("[data-challenge-stop]");
    this.runButton.addEventListener("click", () => this.run());
    this.stopButton.addEventListener("click", () => this.python.stop());
    toolbar.querySelector("[data-challenge-reset]").addEventListener("click", () => {
      this.editor.value = this.config.starter;
      this.save(this.config.starter);
    });
    this.root.querySelector("[data-challenge-skip]").addEventListener("click", () => {
      // An honest zero: the report of no test passed, with the code as it stands.
      this.fill({ passed: [], total: this.config.total, code: this.editor.value });
      this.submitting = true;
    });
    // Before the quiz form is sent (quiz.js listens further up), make sure the report
    // describes the code in the editor: run the tests first if it changed since.
    this.form.addEventListener("submit", (event) => {
      if (this.submitting) {
        this.submitting = false;
        return;
      }
      if (this.report && this.report.code === this.editor.value) return;
      event.preventDefault();
      event.stopPropagation();
      if (this.python.missing) return;
      this.run().then((ok) => {
        if (!ok) return;
        this.submitting = true;
        this.form.requestSubmit();
      });
    });
  }

  load() {
    try {
      const data = JSON.parse(localStorage.getItem(this.key) || "null");
      return data && data.starter === this.config.starter ? data.code : null;
    } catch {
      return null;
    }
  }

  save(code) {
    try {
      if (code === this.config.starter) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify({ starter: this.config.starter, code }));
    } catch {
      // Storage full or disabled: edits simply do not persist.
    }
  }

  say(text, state) {
    this.status.textContent = text;
    this.status.dataset.state = state || "";
  }

  onStatus(state, detail) {
    if (state === "loading") this.say(this.T.loading, "loading");
    else if (state === "ready" && this.status.dataset.state !== "stopped") this.say(this.T.ready, "ready");
    else if (state === "failed") this.say(format(this.T.failed, { message: detail }), "error");
    else if (state === "slow") this.say(format(this.T.failed, { message: `no start within ${START_TIMEOUT_S} s` }), "error");
  }

  async fetchSources() {
    if (this.sources) return;
    const [runner, tests] = await Promise.all([
      fetch(this.config.runner, { credentials: "same-origin" }),
      fetch(this.config.tests, { credentials: "same-origin", headers: { Accept: "application/json" } }),
    ]);
    if (!runner.ok) throw new Error(`${this.config.runner}: ${runner.status}`);
    if (!tests.ok) throw new Error(`${this.config.tests}: ${tests.status}`);
    this.runner = await runner.text();
    this.sources = await tests.json();
  }

  fill(report) {
    this.report = report;
    this.answer.value = JSON.stringify(report);
  }

  // Run every test; resolve true when a report was made (passing or not).
  async run() {
    if (this.python.missing) return false;
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.say(this.python.ready ? this.T.running : this.T.loading, "running");
    const code = this.editor.value;
    try {
      try {
        await this.fetchSources();
      } catch (error) {
        this.say(format(this.T.fetchFailed, { message: error.message }), "error");
        return false;
      }
      const payload = JSON.stringify({ code, tests: this.sources.tests, hidden_tests: this.sources.hidden_tests });
      const answer = await this.python.call({ challenge_runner: this.runner }, this.config.entry, payload, RUN_TIMEOUT_S * 1000);
      const { outcomes, output } = JSON.parse(answer.result);
      this.show(outcomes, output);
      const passed = outcomes.filter((outcome) => outcome.passed).map((outcome) => outcome.name);
      this.fill({ passed, total: this.config.total, code });
      const summary = format(this.T.summary, { passed: passed.length, total: outcomes.length });
      if (passed.length === outcomes.length) this.say(`${summary} ${this.T.allPass}`, "passed");
      else this.say(summary, "failed");
      return true;
    } catch (error) {
      if (error.reason === "stopped") this.say(this.T.stopped, "stopped");
      else if (error.reason === "timeout") this.say(format(this.T.timedOut, { seconds: RUN_TIMEOUT_S }), "stopped");
      else this.say(format(this.T.failed, { message: error.message || String(error) }), "error");
      return false;
    } finally {
      this.runButton.disabled = this.python.missing;
      this.stopButton.disabled = true;
    }
  }

  show(outcomes, output) {
    const items = outcomes.map((outcome) =>
      el(
        "li",
        { "data-passed": String(outcome.passed), "data-test": outcome.name },
        el("strong", { text: outcome.passed ? `✓ ${this.T.pass}` : `✗ ${this.T.fail}` }),
        " ",
        el("code", { text: outcome.name }),
        outcome.hidden ? el("span", { class: "muted", text: ` (${this.T.hidden})` }) : null,
        outcome.message ? el("span", { class: "challenge-message", text: outcome.message }) : null,
      ),
    );
    if (output) items.push(el("li", { class: "challenge-output" }, el("strong", { text: this.T.output }), el("pre", { text: output })));
    this.results.replaceChildren(...items);
  }
}

for (const root of document.querySelectorAll("[data-challenge]")) new Challenge(root);
