// Site-wide enhancements. The pages work without this file.
//
// The theme and the learner's Flask version live in cookies, read by the server into
// <html data-theme> and <html data-flask-version>, so the first paint is already right.

const YEAR = 60 * 60 * 24 * 365;
const OLD_THEME_KEY = "insideflask-theme";

function setCookie(name, value) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  if (value) {
    document.cookie = `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${YEAR}; SameSite=Lax${secure}`;
  } else {
    document.cookie = `${name}=; Path=/; Max-Age=0; SameSite=Lax${secure}`;
  }
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
}

function initThemeToggle() {
  // A theme chosen before the cookie existed moves into the cookie once.
  const old = localStorage.getItem(OLD_THEME_KEY);
  if (old === "light" || old === "dark") {
    if (document.documentElement.dataset.theme === "auto") {
      applyTheme(old);
      setCookie("theme", old);
    }
    localStorage.removeItem(OLD_THEME_KEY);
  }
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const current = document.documentElement.dataset.theme;
      const systemDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
      const isDark = current === "dark" || (current === "auto" && systemDark);
      const next = isDark ? "light" : "dark";
      applyTheme(next);
      setCookie("theme", next);
    });
  }
}

// Menus built on <details>: Escape closes the open one (focus back on its button), and
// a click or focus outside it closes it too.
function initMenus() {
  const menus = Array.from(document.querySelectorAll("[data-topic-menu], [data-site-menu]"));
  const isPopup = (menu) => getComputedStyle(menu.querySelector("summary")).display !== "none";
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus) {
      if (menu.open && isPopup(menu)) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    }
  });
  const closeOutside = (event) => {
    for (const menu of menus) {
      if (menu.open && isPopup(menu) && !menu.contains(event.target)) menu.open = false;
    }
  };
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
  // Opening one menu closes the other.
  for (const menu of menus) {
    menu.addEventListener("toggle", () => {
      if (!menu.open) return;
      for (const other of menus) if (other !== menu && isPopup(other)) other.open = false;
    });
  }
}

// "My Flask": the version a learner uses, read by lesson.js to mark the changed boxes.
function initVersionSetting() {
  for (const label of document.querySelectorAll("[data-version-setting]")) {
    label.hidden = false;
    const select = label.querySelector("[data-version-select]");
    select.addEventListener("change", () => {
      const value = select.value;
      setCookie("flask_version", value);
      if (value) document.documentElement.dataset.flaskVersion = value;
      else delete document.documentElement.dataset.flaskVersion;
      document.dispatchEvent(new CustomEvent("flask-version-change", { detail: value }));
    });
  }
}

// A box that scrolls sideways (long code, a wide table, a diagram on a phone) must be
// reachable from the keyboard to be scrolled: give it a tab stop while it overflows.
const SCROLLERS = "pre, .diagram-canvas, table, .demo-result, .result-json, .routes-table, .socket-log";
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

function initScrollers() {
  for (const box of document.querySelectorAll(SCROLLERS)) {
    const overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    const scrolls = /(auto|scroll)/.test(getComputedStyle(box).overflowX + getComputedStyle(box).overflowY);
    if (box.dataset.scrollStop === "on" && !(overflows && scrolls)) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollStop;
    } else if (overflows && scrolls && !box.hasAttribute("tabindex") && !box.querySelector(FOCUSABLE)) {
      box.tabIndex = 0;
      box.dataset.scrollStop = "on";
    }
  }
}

initThemeToggle();
initMenus();
initVersionSetting();
initScrollers();
let resizing;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(initScrollers, 200);
});
