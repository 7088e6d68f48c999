// The header search box: results as you type, in an accessible listbox.
// Without this file the box is a plain GET form to /search.
//   "/" anywhere focuses the box; Esc closes the results (a second Esc leaves the box);
//   ArrowDown/ArrowUp move through the results; Enter opens the one chosen (or, with
//   none chosen, submits the form to the full results page).

const DEBOUNCE_MS = 150;
// The only elements a result may carry: matches and inline code. Anything else is kept as text.
const KEPT = new Set(["MARK", "CODE"]);

// Rebuild the server's highlighted HTML as fresh nodes: text nodes, <mark> and <code> only.
// The string is parsed in an inert document (nothing runs or loads there), and nothing of it
// is copied but text and those two tag names, so no attribute or other element can get in.
function highlighted(html) {
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  return copied(parsed.body);
}

function copied(source) {
  const out = document.createDocumentFragment();
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      out.append(node.data);
    } else if (node.nodeType === Node.ELEMENT_NODE && KEPT.has(node.tagName)) {
      const element = document.createElement(node.tagName.toLowerCase());
      element.append(copied(node));
      out.append(element);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      out.append(node.textContent);
    }
  }
  return out;
}

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

  // parts: [className, content], content a Node (or nothing, for an empty part); lang: the
  // language of the hit's text, so it is read aloud in the right voice.
  function option(id, url, parts, lang) {
    const li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    li.className = "site-search-option";
    for (const [className, content] of parts) {
      if (!content || !content.textContent) continue;
      const span = document.createElement("span");
      span.className = className;
      if (lang) span.lang = lang;
      span.append(content);
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
          ["site-search-title", highlighted(hit.title)],
          ["site-search-heading", highlighted(hit.heading)],
          ["site-search-snippet", highlighted(hit.snippet)],
        ], hit.lang),
      );
    });
    const all = `${form.action}?q=${encodeURIComponent(data.query)}`;
    if (data.results.length) {
      const label = document.createTextNode(form.dataset.searchAll || "");
      list.append(option("site-search-option-all", all, [["site-search-all", label]]));
    } else {
      const none = form.dataset.searchNone || "";
      const label = document.createTextNode(
        data.suggestions.length ? `${none}: ${data.suggestions.join(", ")}` : none,
      );
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

for (const form of document.querySelectorAll("[data-search]")) initSearch(form);
