"""Turning the HTML the course renderer writes (or Moodle stores) back into course Markdown.

The catalog keeps questions as rendered HTML; exchange formats and the YAML an import
writes need Markdown. This converter is the inverse of ``app.content.render`` for what
that renderer produces in quiz texts (paragraphs, lists, tables, emphasis, inline code,
links, highlighted code blocks, playgrounds), so that rendering its output again gives the
same HTML.
Other tags keep their text and are named in ``dropped``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from html import escape
from html.parser import HTMLParser

#: Elements that never have content.
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source"})
#: Elements whose content is a block of its own.
BLOCKS = frozenset({"p", "ul", "ol", "pre", "table", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
INLINE_MARKS = {"em": "*", "i": "*", "strong": "**", "b": "**"}
#: A rendered ``lesson:`` link, turned back into one.
LESSON_URL = re.compile(r"^/topics/[a-z0-9_]+/([a-z0-9-]+)(#[^\s]*)?$")
#: Characters that would start Markdown syntax inside running text.
SPECIAL = re.compile(r"([\\`*_\[\]])")
ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)\.)(?=\s|$)")
BACKTICKS = re.compile(r"`+")


@dataclass
class Node:
    """An element of parsed HTML: a tag, its attributes and its children (str for text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """Return the text inside, tags removed."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def classes(self) -> list[str]:
        """Return the element's classes."""
        return (self.attrs.get("class") or "").split()


class TreeParser(HTMLParser):
    """Build a ``Node`` tree, tolerating unclosed tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element (void elements close at once)."""
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Add an element written as ``<tag/>``."""
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open element of that name."""
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        """Keep text."""
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """Parse ``text`` into a tree of ``Node``."""
    parser = TreeParser()
    parser.feed(text)
    parser.close()
    return parser.root


class MarkdownWriter:
    """Write a ``Node`` tree as course Markdown."""

    def __init__(self) -> None:
        self.dropped: set[str] = set()

    def document(self, node: Node) -> str:
        """Return the Markdown of a whole text (blocks separated by blank lines)."""
        return "\n\n".join(self.blocks(node.children)).strip("\n")

    def blocks(self, children: list[Node | str]) -> list[str]:
        """Return the Markdown blocks of a run of block and inline children."""
        rv: list[str] = []
        run: list[Node | str] = []

        def flush() -> None:
            text = self.inline(run).strip()
            if text:
                rv.append(guard_line_start(text))
            run.clear()

        for child in children:
            if isinstance(child, Node) and (child.tag in BLOCKS or child.tag in ("li", "hr")):
                flush()
                block = self.block(child)
                if block:
                    rv.append(block)
            else:
                run.append(child)
        flush()
        return rv

    def block(self, node: Node) -> str:
        """Return the Markdown of one block element."""
        if node.tag == "p":
            return guard_line_start(self.inline(node.children).strip())
        if node.tag in ("ul", "ol"):
            return self.list(node)
        if node.tag == "div" and "playground" in node.classes() and "data-code" in node.attrs:
            return self.playground(node)
        if node.tag == "div" and "highlight" in node.classes():
            return self.code_block(node)
        if node.tag == "pre":
            return self.code_block(node)
        if node.tag == "table":
            return self.table(node)
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return "#" * int(node.tag[1]) + " " + self.inline(node.children).strip()
        if node.tag == "hr":
            return "---"
        if node.tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        self.dropped.add(node.tag)
        return "\n\n".join(self.blocks(node.children))

    def list(self, node: Node) -> str:
        """Return a list; items holding paragraphs are separated by blank lines, as Markdown makes them."""
        ordered = node.tag == "ol"
        start = int(node.attrs.get("start") or 1) if node.attrs.get("start", "1").isdigit() else 1
        items = [child for child in node.children if isinstance(child, Node) and child.tag == "li"]
        loose = any(isinstance(c, Node) and c.tag == "p" for item in items for c in item.children)
        rv = []
        for number, item in enumerate(items, start=start):
            marker = f"{number}. " if ordered else "- "
            parts = self.blocks(item.children) or [""]
            # A tight item's own text keeps its line breaks as written (Markdown does not
            # dedent it); nested blocks, and every part of a loose item, are indented.
            first = parts[0] if not loose else indent(parts[0], first_line=False)
            rest = [indent(part) for part in parts[1:]]
            rv.append(marker + ("\n\n" if loose else "\n").join([first, *rest]))
        return ("\n\n" if loose else "\n").join(rv)

    def code_block(self, node: Node) -> str:
        """Return a fenced code block with the language from ``language-*`` classes."""
        lang = ""
        for element in walk(node):
            for name in element.classes():
                if name.startswith("language-"):
                    lang = name.removeprefix("language-")
        code = node.text()
        if code.endswith("\n"):
            code = code[:-1]
        fence = "```"
        while fence in code:
            fence += "`"
        return f"{fence}{lang}\n{code}\n{fence}"

    def playground(self, node: Node) -> str:
        """Return a ```` ```flask-playground ```` block from a rendered one's title, presets and code.

        JSON is YAML, so the header is the presets as the page holds them.
        """
        title = next((element.text() for element in walk(node) if element.tag == "strong"), "")
        requests = json.loads(node.attrs.get("data-requests") or "[]")
        code = node.attrs["data-code"]
        fence = "```"
        while fence in code:
            fence += "`"
        header = [
            f"title: {json.dumps(title, ensure_ascii=False)}",
            f"requests: {json.dumps(requests, ensure_ascii=False)}",
        ]
        return "\n".join([f"{fence}flask-playground", *header, "---", code, fence])

    def table(self, node: Node) -> str:
        """Return a pipe table (the alignment from ``align`` attributes)."""
        rows: list[list[Node]] = []
        for row in walk(node):
            if row.tag == "tr":
                rows.append([c for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")])
        if not rows:
            return ""
        header, body = rows[0], rows[1:]
        rule = {"left": ":---", "right": "---:", "center": ":---:"}

        def cells(row: list[Node]) -> str:
            return "| " + " | ".join(self.inline(c.children).strip().replace("|", "\\|") for c in row) + " |"

        lines = [
            cells(header),
            "| " + " | ".join(rule.get(c.attrs.get("align", ""), "---") for c in header) + " |",
        ]
        lines += [cells(row) for row in body]
        return "\n".join(lines)

    def inline(self, children: list[Node | str]) -> str:
        """Return the Markdown of inline content."""
        rv = []
        for child in children:
            if isinstance(child, str):
                rv.append(escape_text(child))
                continue
            tag = child.tag
            if tag == "code":
                rv.append(code_span(child.text()))
            elif tag in INLINE_MARKS:
                mark = INLINE_MARKS[tag]
                rv.append(f"{mark}{self.inline(child.children)}{mark}")
            elif tag == "a" and child.attrs.get("href"):
                rv.append(f"[{self.inline(child.children)}]({link_target(child.attrs['href'])})")
            elif tag == "br":
                rv.append("  \n")
            elif tag in ("del", "s"):
                rv.append(f"~~{self.inline(child.children)}~~")
            else:
                if tag not in ("span", "a", "kbd", "u"):
                    self.dropped.add(tag)
                rv.append(self.inline(child.children))
        return "".join(rv)


def indent(text: str, first_line: bool = True) -> str:
    """Indent the lines of ``text`` by four spaces (not the first one unless asked)."""
    lines = text.split("\n")
    return "\n".join(
        ("    " + line) if line and (index or first_line) else line for index, line in enumerate(lines)
    )


def walk(node: Node):
    """Yield ``node`` and every element below it."""
    yield node
    for child in node.children:
        if isinstance(child, Node):
            yield from walk(child)


def escape_text(text: str) -> str:
    """Escape the characters of running text that Markdown would read as syntax."""
    text = SPECIAL.sub(r"\\\1", text)
    text = ENTITY_LIKE.sub("&amp;", text)
    return text.replace("<", "&lt;")


def guard_line_start(text: str) -> str:
    """Escape what would make a paragraph's lines a heading, list or quote."""
    return "\n".join(LINE_START.sub(guarded, line) for line in text.split("\n"))


def guarded(match: re.Match) -> str:
    """Return a line-start marker escaped: ``\\#``, ``\\-`` or ``1\\.``."""
    if match.group(2):
        return match.group(1) + "\\" + match.group(2)
    return match.group(1) + match.group(3) + "\\."


def code_span(code: str) -> str:
    """Return ``code`` as a code span with a fence longer than any run of backticks inside."""
    longest = max((len(run) for run in BACKTICKS.findall(code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def link_target(href: str) -> str:
    """Return the Markdown target of a link, a course lesson link where the URL is one."""
    match = LESSON_URL.match(href)
    if match:
        return f"lesson:{match.group(1)}{match.group(2) or ''}"
    return href.replace(" ", "%20").replace(")", "%29")


def html_to_markdown(html_text: str) -> tuple[str, set[str]]:
    """Return the Markdown for ``html_text`` and the names of the tags that had to be dropped."""
    writer = MarkdownWriter()
    return writer.document(parse_html(html_text)), writer.dropped


def plain_to_markdown(text: str) -> str:
    """Return plain text as Markdown that renders to the same text."""
    return guard_line_start(escape_text(text))


def markdown_text(html_text: str) -> str:
    """Return just the Markdown for ``html_text``."""
    return html_to_markdown(html_text)[0]


def html_escape(text: str) -> str:
    """Escape plain text for HTML."""
    return escape(text, quote=False)
