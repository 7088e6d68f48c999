// Lesson page: the reading-progress bar, the current heading in the table of contents,
// and a closed table of contents on narrow screens. The page works without this file.

const bar = document.querySelector("[data-reading-progress]");
const body = document.querySelector("[data-lesson-body]");

function updateProgress() {
  const rect = body.getBoundingClientRect();
  const total = rect.height - window.innerHeight;
  const read = total > 0 ? Math.min(1, Math.max(0, -rect.top / total)) : 1;
  bar.value = Math.round(read * 100);
}

if (bar && body) {
  bar.hidden = false;
  updateProgress();
  window.addEventListener("scroll", updateProgress, { passive: true });
  window.addEventListener("resize", updateProgress);
}

const toc = document.querySelector(".toc");
if (toc && window.matchMedia("(max-width: 900px)").matches) toc.open = false;

const links = new Map();
for (const link of document.querySelectorAll(".toc a[href^='#']")) {
  links.set(decodeURIComponent(link.getAttribute("href").slice(1)), link);
}
if (links.size && "IntersectionObserver" in window) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      for (const link of links.values()) link.removeAttribute("aria-current");
      const link = links.get(entry.target.id);
      if (link) link.setAttribute("aria-current", "true");
    }
  }, { rootMargin: "0px 0px -70% 0px" });
  for (const id of links.keys()) {
    const heading = document.getElementById(id);
    if (heading) observer.observe(heading);
  }
}

// "My Flask": mark each changed box that names a Flask version as applying to the
// learner's version or not (a change newer than their version is not in it).
function versionKey(version) {
  return version.split(".").map((part) => Number.parseInt(part, 10) || 0);
}

function newer(a, b) {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d) return d > 0;
  }
  return false;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

function markVersions() {
  const setting = document.querySelector("[data-version-marks]");
  const marks = setting ? JSON.parse(setting.dataset.versionMarks) : null;
  const yours = document.documentElement.dataset.flaskVersion || "";
  for (const box of document.querySelectorAll("[data-lesson-body] [data-changes]")) {
    box.querySelector(":scope > .version-mark")?.remove();
    box.classList.remove("version-newer", "version-applies");
    const flask = box.dataset.changes
      .split(" ")
      .filter((item) => item.startsWith("flask@"))
      .map((item) => item.slice("flask@".length));
    if (!marks || !yours || !flask.length) continue;
    // A box naming several Flask versions applies once the earliest of them is in.
    const earliest = flask.reduce((a, b) => (newer(a, b) ? b : a));
    const isNewer = newer(earliest, yours);
    box.classList.add(isNewer ? "version-newer" : "version-applies");
    const mark = document.createElement("p");
    mark.className = "version-mark";
    mark.textContent = fill(isNewer ? marks.newer : marks.applies, { version: `Flask ${earliest}`, yours });
    const title = box.querySelector(":scope > .admonition-title, :scope > summary");
    if (title) title.after(mark);
    else box.prepend(mark);
  }
}

markVersions();
document.addEventListener("flask-version-change", markVersions);
