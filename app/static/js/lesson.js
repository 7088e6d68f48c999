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
