// Quiz page: answer without a full reload (fetch + JSON), order items by drag and drop or
// keyboard, and drive the quiz from the keyboard (n/Enter next, Space reveals, 1–4 rate).
// The page works without this file: every form is a plain POST, ordering uses the selects.

const stage = document.querySelector("[data-quiz-stage]");

// Ordering widget ----------------------------------------------------------------------------

function syncPositions(list) {
  // The form still posts pos-<id> selects: keep them equal to the order on screen.
  const items = [...list.querySelectorAll(":scope > [data-item]")];
  items.forEach((item, index) => {
    const select = item.querySelector("select");
    if (select) select.value = String(index + 1);
  });
  return items;
}

function announce(list, item) {
  const form = list.closest("form");
  const status = form && form.querySelector("[data-ordering-status]");
  const items = syncPositions(list);
  if (!status) return;
  const template = list.dataset.movedLabel || "{position}/{total}";
  status.textContent = template
    .replace("{position}", String(items.indexOf(item) + 1))
    .replace("{total}", String(items.length));
}

function move(list, item, step) {
  const sibling = step < 0 ? item.previousElementSibling : item.nextElementSibling;
  if (!sibling) return;
  if (step < 0) list.insertBefore(item, sibling);
  else list.insertBefore(sibling, item);
  announce(list, item);
}

function button(label, text, onClick) {
  const rv = document.createElement("button");
  rv.type = "button";
  rv.className = "button small ordering-move";
  rv.textContent = text;
  rv.setAttribute("aria-label", label);
  rv.addEventListener("click", onClick);
  return rv;
}

export function enhanceOrdering(root) {
  for (const list of root.querySelectorAll("[data-ordering]:not([data-enhanced])")) {
    list.dataset.enhanced = "true";
    const hint = list.closest("form")?.querySelector("[data-ordering-hint]");
    if (hint && hint.dataset.jsHint) hint.textContent = hint.dataset.jsHint;
    // Start from the order the selects say (a reload may have kept a changed order).
    const items = [...list.querySelectorAll(":scope > [data-item]")];
    items
      .map((item) => [Number(item.querySelector("select")?.value || 0), item])
      .sort((a, b) => a[0] - b[0])
      .forEach(([, item]) => list.appendChild(item));
    for (const item of items) {
      const text = item.querySelector(".ordering-text")?.textContent.trim() || "";
      item.draggable = true;
      item.tabIndex = 0;
      item.setAttribute("aria-label", text);
      const select = item.querySelector(".ordering-pos");
      if (select) select.hidden = true;
      const controls = document.createElement("span");
      controls.className = "ordering-controls";
      controls.append(
        button(`${list.dataset.upLabel || "Move up"}: ${text}`, "↑", () => { move(list, item, -1); item.focus(); }),
        button(`${list.dataset.downLabel || "Move down"}: ${text}`, "↓", () => { move(list, item, 1); item.focus(); }),
      );
      item.append(controls);
      item.addEventListener("keydown", (event) => {
        if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
        event.preventDefault();
        move(list, item, event.key === "ArrowUp" ? -1 : 1);
        item.focus();
      });
      item.addEventListener("dragstart", (event) => {
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.item);
      });
      item.addEventListener("dragend", () => {
        item.classList.remove("dragging");
        announce(list, item);
      });
    }
    list.addEventListener("dragover", (event) => {
      const dragging = list.querySelector(".dragging");
      if (!dragging) return;
      event.preventDefault();
      const after = [...list.querySelectorAll(":scope > [data-item]:not(.dragging)")].find((other) => {
        const box = other.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      if (after) list.insertBefore(dragging, after);
      else list.appendChild(dragging);
    });
    list.addEventListener("drop", (event) => event.preventDefault());
    syncPositions(list);
  }
}

// Time taken: sent with the answer (a fast right answer schedules the card further out) -----

let shownAt = performance.now();

export function stampDuration(form) {
  const field = form.querySelector("[data-duration]");
  if (field) field.value = String(Math.round(performance.now() - shownAt));
}

export function resetClock() {
  shownAt = performance.now();
}

// Keys shared by the quiz, the review page and the drill -------------------------------------

export function isTyping(event) {
  const tag = (event.target.tagName || "").toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
}

export function flashcardKeys(root, event) {
  // Space (or Enter) reveals a flashcard; 1–4 rate it once it is revealed.
  const card = root.querySelector("[data-flashcard]");
  if (!card) return false;
  if (!card.open && (event.key === " " || event.key === "Enter")) {
    event.preventDefault();
    card.open = true;
    card.querySelector("[data-rating-key]")?.focus();
    return true;
  }
  if (!card.open) return false;
  const rating = card.querySelector(`[data-rating-key="${event.key}"]`);
  if (rating && !rating.disabled) {
    event.preventDefault();
    rating.click();
    return true;
  }
  return false;
}

export function nextKeys(root, event) {
  // n or Enter on a verdict goes on to the next question (or the score).
  if (event.key !== "n" && event.key !== "Enter") return false;
  const feedback = root.querySelector("[data-feedback]");
  if (!feedback) return false;
  if (event.key === "Enter" && event.target.closest("a, button") && event.target !== feedback) return false;
  const next = feedback.querySelector("[data-next-question], [data-see-score]") || feedback.querySelector(".question-actions a");
  if (!next) return false;
  event.preventDefault();
  next.click();
  return true;
}

// The quiz page ------------------------------------------------------------------------------

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
  box.focus?.();
}

let nextHtml = null;

function focusFirst(selector) {
  const target = stage.querySelector(selector);
  if (target) target.focus({ preventScroll: false });
}

async function submitAnswer(form, submitter) {
  stampDuration(form);
  const body = {
    question_id: form.querySelector('input[name="question_id"]').value,
    answer: answerOf(form, submitter),
    duration_ms: Number(form.querySelector("[data-duration]")?.value || 0) || null,
  };
  const attempt = form.querySelector('input[name="attempt_id"]');
  if (attempt) body.attempt_id = Number(attempt.value);
  for (const control of form.querySelectorAll("button")) control.disabled = true;
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
    for (const control of form.querySelectorAll("button")) control.disabled = false;
    showError(form, form.dataset.networkError || "Network error: try again.");
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    for (const control of form.querySelectorAll("button")) control.disabled = false;
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
  enhanceOrdering(stage);
  resetClock();
  focusFirst("input, textarea, [data-ordering] [data-item], summary");
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event)) return;
  if (nextKeys(stage, event)) return;
  flashcardKeys(stage, event);
}

if (stage) {
  enhanceOrdering(stage);
  stage.addEventListener("submit", onSubmit);
  stage.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
}
