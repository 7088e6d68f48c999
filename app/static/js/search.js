// The header search box: results as you type, in an accessible listbox.
// Without this file the box is a plain GET form to /search.
//   "/" anywhere focuses the box; Esc closes the results (a second Esc leaves the box);
//   ArrowDown/ArrowUp move through the results; Enter opens the one chosen (or, with
//   none chosen, submits the form to the full results page).

const DEBOUNCE_MS = 150;

function typingIn(target) {
  if (!(target instanceof Element)) return false;
  return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null;
}

function initSearch(form) {
  const input = form.querySelector("[data-search-input]");
  const list = form.querySelector("[data-search-results]");
  if (!input || !list) return;
  const endpoint = form.dataset.searchEndpoint;
  const lang = document.documentElement.lang || "en";
  let timer = 0;
  let controller = null;
  let active = -1;
  let lastQuery = "";

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  const options = () => Array.from(list.querySelectorAll("[role=option]"));

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function open() {
    if (!list.children.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function choose(index) {
    const items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function option(id, url, parts) {
    const li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    li.className = "site-search-option";
    for (const [className, html] of parts) {
      if (!html) continue;
      const span = document.createElement("span");
      span.className = className;
      // The server escapes every text and adds only <mark> elements.
      span.innerHTML = html;
      li.append(span);
    }
    return li;
  }

  function render(data) {
    list.replaceChildren();
    active = -1;
    input.removeAttribute("aria-activedescendant");
    data.results.forEach((hit, i) => {
      list.append(
        option(`site-search-option-${i}`, hit.url, [
          ["site-search-title", hit.title],
          ["site-search-heading", hit.heading],
          ["site-search-snippet", hit.snippet],
        ]),
      );
    });
    const all = `${form.action}?q=${encodeURIComponent(data.query)}`;
    if (data.results.length) {
      list.append(option("site-search-option-all", all, [["site-search-all", escapeText(form.dataset.searchAll)]]));
    } else {
      const label = data.suggestions.length
        ? `${escapeText(form.dataset.searchNone)}: ${data.suggestions.map(escapeText).join(", ")}`
        : escapeText(form.dataset.searchNone);
      list.append(option("site-search-option-all", all, [["site-search-none", label]]));
    }
    open();
  }

  async function lookup(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    const url = `${endpoint}?q=${encodeURIComponent(query)}&lang=${encodeURIComponent(lang)}`;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      if (input.value.trim() === query) render(data);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query || query.length > 200) {
      lastQuery = "";
      list.replaceChildren();
      close();
      return;
    }
    if (query === lastQuery) return;
    timer = setTimeout(() => {
      lastQuery = query;
      lookup(query);
    }, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) open();
      if (!options().length) return;
      event.preventDefault();
      choose(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].dataset.url);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (!list.hidden) close();
      else input.blur();
    }
  });

  input.addEventListener("focus", open);
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const item = event.target instanceof Element ? event.target.closest("[role=option]") : null;
    if (item) window.location.assign(item.dataset.url);
  });
  form.addEventListener("focusout", (event) => {
    if (!form.contains(event.relatedTarget)) close();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingIn(event.target)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text || "";
  return span.innerHTML;
}

for (const form of document.querySelectorAll("[data-search]")) initSearch(form);
