// Quiz page: answer without a full reload (fetch + JSON), and rate flashcards with keys 1–4.
// The page works without this file: every form is a plain POST.

const stage = document.querySelector("[data-quiz-stage]");

function csrfToken(form) {
  const field = form.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

function answerOf(form, submitter) {
  const data = new FormData(form, submitter);
  const type = form.dataset.type;
  if (type === "multiple_choice") return data.getAll("answer");
  if (type === "ordering") {
    const positions = {};
    for (const [key, value] of data.entries()) {
      if (key.startsWith("pos-")) positions[key.slice(4)] = value;
    }
    return positions;
  }
  return data.get("answer");
}

function showError(form, message) {
  const box = form.querySelector("[data-quiz-error]");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
}

let nextHtml = null;

function focusFirst(selector) {
  const target = stage.querySelector(selector);
  if (target) target.focus({ preventScroll: false });
}

async function submitAnswer(form, submitter) {
  const body = {
    question_id: form.querySelector('input[name="question_id"]').value,
    answer: answerOf(form, submitter),
  };
  const attempt = form.querySelector('input[name="attempt_id"]');
  if (attempt) body.attempt_id = Number(attempt.value);
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(form),
      },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    showError(form, form.dataset.networkError || "Network error: try again.");
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    showError(form, data.message || `Error ${response.status}`);
    return;
  }
  nextHtml = data.next_html;
  stage.innerHTML = data.feedback_html;
  focusFirst("[data-feedback]");
  stage.scrollIntoView({ block: "start", behavior: "smooth" });
}

function onSubmit(event) {
  const form = event.target.closest("[data-quiz-form]");
  if (!form) return;
  event.preventDefault();
  submitAnswer(form, event.submitter);
}

function onClick(event) {
  const next = event.target.closest("[data-next-question]");
  if (!next || !nextHtml) return;
  event.preventDefault();
  stage.innerHTML = nextHtml;
  nextHtml = null;
  focusFirst("input, textarea, select, summary");
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select") return;
  // Rating keys count only once the answer is revealed.
  const card = stage.querySelector("[data-flashcard]");
  if (!card || !card.open) return;
  const button = card.querySelector(`[data-rating-key="${event.key}"]`);
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
}

if (stage) {
  stage.addEventListener("submit", onSubmit);
  stage.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
}
