// Add a "Copy" button to every highlighted code block. Without JavaScript the code is
// still there to select; the button only appears when the clipboard can be used.

const LABELS = {
  en: { copy: "Copy", copied: "Copied", failed: "Press Ctrl+C" },
  zh: { copy: "复制", copied: "已复制", failed: "请按 Ctrl+C" },
};

function labels() {
  const lang = (document.documentElement.lang || "en").slice(0, 2);
  return LABELS[lang] || LABELS.en;
}

async function copy(button, code) {
  const text = labels();
  try {
    await navigator.clipboard.writeText(code.innerText.replace(/\n$/, ""));
    button.textContent = text.copied;
    button.classList.add("copied");
  } catch {
    button.textContent = text.failed;
  }
  setTimeout(() => {
    button.textContent = text.copy;
    button.classList.remove("copied");
  }, 1600);
}

export function addCopyButtons(root = document) {
  if (!navigator.clipboard) return;
  for (const block of root.querySelectorAll(".highlight")) {
    const code = block.querySelector("pre code, pre");
    if (!code || block.querySelector(":scope > .copy-code")) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = labels().copy;
    button.setAttribute("aria-label", `${labels().copy} code`);
    button.addEventListener("click", () => copy(button, code));
    block.append(button);
  }
}

addCopyButtons();
