// A small code editor: a textarea over a highlighted copy of its text, with line numbers.
// Python highlighting (Pygments' class names, so the site's colours apply), Tab/Shift-Tab
// indent and dedent, Enter keeps the indentation, the browser's own undo (edits go through
// execCommand("insertText")), and Esc then Tab leaves the editor.

const INDENT = "    ";
const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case".split(" "),
);
const BUILTINS = new Set(
  "print len range dict list set tuple str int float bool repr isinstance getattr setattr hasattr super object type open sorted enumerate zip min max sum any all abs".split(" "),
);
const TOKEN = /(#[^\n]*)|((?:[rbfuRBFU]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))|(@[\w.]+)|(\b\d[\d_]*(?:\.\d+)?\b)|([A-Za-z_]\w*)/g;

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function highlight(code) {
  let html = "";
  let last = 0;
  let previous = "";
  for (const match of code.matchAll(TOKEN)) {
    html += escapeHtml(code.slice(last, match.index));
    const [text, comment, string, decorator, number, name] = match;
    let cls = "";
    if (comment) cls = "c1";
    else if (string) cls = "s2";
    else if (decorator) cls = "nd";
    else if (number) cls = "mi";
    else if (name && KEYWORDS.has(name)) cls = "k";
    else if (name && BUILTINS.has(name)) cls = "nb";
    else if (name && (previous === "def" || previous === "class")) cls = previous === "def" ? "nf" : "nc";
    html += cls ? `<span class="${cls}">${escapeHtml(text)}</span>` : escapeHtml(text);
    if (name) previous = name;
    last = match.index + text.length;
  }
  return html + escapeHtml(code.slice(last));
}

function insert(textarea, text) {
  textarea.focus();
  // execCommand keeps the edit on the browser's undo stack; setRangeText is the fallback.
  if (!document.execCommand("insertText", false, text)) {
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input"));
  }
}

function selectLines(textarea) {
  const { value, selectionStart, selectionEnd } = textarea;
  const start = value.lastIndexOf("\n", selectionStart - 1) + 1;
  let end = value.indexOf("\n", selectionEnd - (selectionEnd > selectionStart && value[selectionEnd - 1] === "\n" ? 1 : 0));
  if (end === -1) end = value.length;
  return { start, end };
}

function indentLines(textarea, outdent) {
  const { start, end } = selectLines(textarea);
  const block = textarea.value.slice(start, end);
  const lines = block.split("\n");
  const changed = lines.map((line) => {
    if (!outdent) return INDENT + line;
    const spaces = line.match(/^ {0,4}/)[0].length;
    return line.slice(spaces);
  });
  textarea.setSelectionRange(start, end);
  insert(textarea, changed.join("\n"));
  textarea.setSelectionRange(start, start + changed.join("\n").length);
}

export class Editor {
  constructor(host, code, { label, onChange } = {}) {
    this.onChange = onChange || (() => {});
    this.escaped = false;
    this.root = document.createElement("div");
    this.root.className = "pg-editor";
    this.gutter = document.createElement("pre");
    this.gutter.className = "pg-gutter";
    this.gutter.setAttribute("aria-hidden", "true");
    const stack = document.createElement("div");
    stack.className = "pg-stack highlight";
    this.view = document.createElement("pre");
    this.view.className = "pg-view";
    this.view.setAttribute("aria-hidden", "true");
    this.textarea = document.createElement("textarea");
    this.textarea.className = "pg-input";
    this.textarea.spellcheck = false;
    this.textarea.autocapitalize = "off";
    this.textarea.setAttribute("autocomplete", "off");
    this.textarea.setAttribute("wrap", "off");
    this.textarea.setAttribute("data-playground-editor", "");
    if (label) this.textarea.setAttribute("aria-label", label);
    this.textarea.value = code;
    stack.append(this.view, this.textarea);
    this.root.append(this.gutter, stack);
    host.replaceChildren(this.root);
    this.textarea.addEventListener("input", () => this.refresh(true));
    this.textarea.addEventListener("scroll", () => this.syncScroll());
    this.textarea.addEventListener("keydown", (event) => this.onKey(event));
    this.refresh(false);
  }

  get value() {
    return this.textarea.value;
  }

  set value(code) {
    this.textarea.select();
    insert(this.textarea, code);
    this.textarea.setSelectionRange(0, 0);
    this.refresh(true);
  }

  refresh(changed) {
    const code = this.textarea.value;
    // A trailing newline needs a visible line in the copy, or the two drift apart.
    this.view.innerHTML = `${highlight(code)}\n`;
    const count = code.split("\n").length;
    this.gutter.textContent = Array.from({ length: count }, (_, i) => String(i + 1)).join("\n");
    this.textarea.rows = Math.max(6, Math.min(count + 1, 30));
    this.syncScroll();
    if (changed) this.onChange(code);
  }

  syncScroll() {
    this.view.scrollTop = this.textarea.scrollTop;
    this.view.scrollLeft = this.textarea.scrollLeft;
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  onKey(event) {
    if (event.key === "Escape") {
      this.escaped = true;
      return;
    }
    if (event.key === "Tab") {
      if (this.escaped || event.ctrlKey || event.altKey || event.metaKey) {
        this.escaped = false;
        return; // let focus move on
      }
      event.preventDefault();
      const { selectionStart, selectionEnd, value } = this.textarea;
      const multiLine = value.slice(selectionStart, selectionEnd).includes("\n");
      if (event.shiftKey || multiLine) indentLines(this.textarea, event.shiftKey);
      else insert(this.textarea, INDENT);
      return;
    }
    this.escaped = false;
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const { value, selectionStart } = this.textarea;
      const lineStart = value.lastIndexOf("\n", selectionStart - 1) + 1;
      const line = value.slice(lineStart, selectionStart);
      let indent = line.match(/^\s*/)[0];
      if (/:\s*$/.test(line)) indent += INDENT;
      insert(this.textarea, `\n${indent}`);
    }
  }
}
