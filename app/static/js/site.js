// Site-wide enhancements. The pages work without this file.

const THEME_KEY = "insideflask-theme";

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
}

function initThemeToggle() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "light" || saved === "dark") applyTheme(saved);
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const current = document.documentElement.dataset.theme;
      const systemDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
      const isDark = current === "dark" || (current === "auto" && systemDark);
      const next = isDark ? "light" : "dark";
      applyTheme(next);
      localStorage.setItem(THEME_KEY, next);
    });
  }
}

initThemeToggle();
