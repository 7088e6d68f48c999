// Review page: keys drive it (Enter submits, Space reveals, 1–4 rate, u undoes, n/Enter next).
// Without this file the page is plain forms and links.

import { enhanceOrdering, flashcardKeys, isTyping, nextKeys, stampDuration } from "./quiz.js";

const root = document.querySelector("main") || document.body;
const undo = document.querySelector("[data-undo-form]");

enhanceOrdering(root);

for (const form of root.querySelectorAll("[data-quiz-form]")) {
  form.addEventListener("submit", () => stampDuration(form));
}

const feedback = root.querySelector("[data-feedback]");
if (feedback) feedback.focus();
else root.querySelector("[data-quiz-form] input:not([type=hidden]), [data-quiz-form] textarea, [data-ordering] [data-item], [data-flashcard] summary")?.focus();

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event)) return;
  if (event.key === "u" && undo) {
    event.preventDefault();
    undo.requestSubmit();
    return;
  }
  if (nextKeys(root, event)) return;
  flashcardKeys(root, event);
});
