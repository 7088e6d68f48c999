// Live instructor preview: post the Markdown as JSON while the instructor types and show
// the sanitized HTML the server returns. Without JavaScript the form post does the same.

import { addCopyButtons } from "./copy-code.js";

const DELAY_MS = 350;

function init() {
  const form = document.querySelector("form[data-preview-url]");
  if (!form) return;
  const input = form.querySelector("[data-preview-input]");
  const output = document.querySelector("[data-preview-output]");
  const problems = document.querySelector("[data-preview-problems]");
  const title = document.querySelector("[data-preview-title]");
  const pane = output.closest(".preview-pane");
  const token = form.querySelector("input[name=csrf_token]").value;
  let timer = null;
  let controller = null;

  function showProblems(list) {
    problems.replaceChildren(
      ...list.map((text) => {
        const item = document.createElement("li");
        item.textContent = text;
        return item;
      }),
    );
    problems.hidden = list.length === 0;
  }

  async function render() {
    if (controller) controller.abort();
    controller = new AbortController();
    pane.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
        body: JSON.stringify({ markdown: input.value }),
        signal: controller.signal,
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        showProblems([data.message || `HTTP ${response.status}`]);
        return;
      }
      // The server sanitized this HTML with nh3: no scripts, no event handlers.
      output.innerHTML = data.html;
      title.textContent = data.title || "";
      title.hidden = !data.title;
      showProblems(data.problems);
      addCopyButtons(output);
    } catch (error) {
      if (error.name !== "AbortError") showProblems([String(error)]);
    } finally {
      pane.removeAttribute("aria-busy");
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(render, DELAY_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    render();
  });
}

init();
