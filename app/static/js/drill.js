// Drill page: the overall and per-question timers, and the quiz keys. The server keeps the
// real time; when the overall timer runs out this submits the "end" form (a late answer
// would not be counted anyway).

import { enhanceOrdering, flashcardKeys, isTyping, stampDuration } from "./quiz.js";

const timers = document.querySelector("[data-drill-timers]");
const root = document.querySelector("[data-drill-stage]");

function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

if (timers && root) {
  // Measure against the server's clock: the page says what time it was when it was built.
  const skew = Date.parse(timers.dataset.now) - Date.now();
  const deadline = Date.parse(timers.dataset.deadline);
  const shownAt = Date.parse(timers.dataset.shownAt);
  const overall = timers.querySelector("[data-overall-timer]");
  const perQuestion = timers.querySelector("[data-question-timer]");
  const end = document.querySelector("[data-drill-end]");
  let ended = false;
  const tick = () => {
    const now = Date.now() + skew;
    overall.textContent = clock((deadline - now) / 1000);
    perQuestion.textContent = clock((now - shownAt) / 1000);
    if (now >= deadline && !ended && end) {
      ended = true;
      end.requestSubmit();
    }
  };
  tick();
  setInterval(tick, 1000);

  enhanceOrdering(root);
  for (const form of root.querySelectorAll("[data-quiz-form]")) {
    form.addEventListener("submit", () => stampDuration(form));
  }
  root.querySelector("[data-written], [data-quiz-form] input:not([type=hidden]), [data-quiz-form] textarea, [data-ordering] [data-item], [data-flashcard] summary")?.focus();
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    flashcardKeys(root, event);
  });
}
