"""Diagrams: SVG files under ``lessons/<topic>/diagrams/``, checked and sanitized once.

A lesson shows one with an indented caption (its text alternative, in the lesson's language)::

    !!! diagram "request-lifecycle"
        What the picture shows, in words.

The SVG is inlined into the lesson's HTML when the catalog is built, never read on a request.
It is drawn with ``currentColor`` so it follows the light and dark themes. Its labels are
shared by both languages (code names, HTTP words), so they must not be Chinese prose; its
``<title>``/``<desc>`` come once per language (``lang="zh"`` for Chinese) and the page keeps
the reader's. Only drawing elements and presentation attributes survive: no script, no event
handler, no link, no reference outside the file, no ``style`` (the CSP forbids inline styles).
"""

from __future__ import annotations

import html
import re
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from app.content.model import LANGUAGES

NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "marker",
        "title",
        "desc",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
    }
)
ATTRIBUTES = frozenset(
    {
        "id",
        "class",
        "lang",
        "xmlns",
        "viewBox",
        "preserveAspectRatio",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "dx",
        "dy",
        "d",
        "points",
        "transform",
        "fill",
        "fill-opacity",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-linecap",
        "stroke-linejoin",
        "opacity",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "text-anchor",
        "dominant-baseline",
        "marker-start",
        "marker-mid",
        "marker-end",
        "markerWidth",
        "markerHeight",
        "markerUnits",
        "refX",
        "refY",
        "orient",
    }
)
#: Attributes that hold a paint; only theme-following values are allowed in them.
PAINTS = frozenset({"fill", "stroke"})
PAINT_VALUES = frozenset({"none", "currentcolor", "transparent", "inherit"})
LOCAL_URL = re.compile(r"^url\(#([A-Za-z][\w.-]*)\)$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@dataclass
class Node:
    """An element of a parsed SVG file, with the line it starts on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """Return the text inside this element."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


@dataclass(frozen=True)
class Diagram:
    """A checked diagram: its sanitized markup per language, ready to inline."""

    topic: str
    name: str
    path: str
    markup: dict[str, str]
    titles: dict[str, str]


@dataclass(frozen=True)
class DiagramUse:
    """A ``!!! diagram`` block met while rendering, and whether it could be shown."""

    name: str
    resolved: bool
    has_caption: bool


#: (topic, name) → the diagram, or None when there is no such file.
DiagramResolver = Callable[[str, str], Diagram | None]


def parse_svg(text: str) -> Node:
    """Parse SVG text into nodes; raise ``ValueError`` (message, line) when it is not XML."""
    if re.search(r"<!DOCTYPE|<!ENTITY", text):
        line = text[: re.search(r"<!DOCTYPE|<!ENTITY", text).start()].count("\n") + 1
        raise ValueError("a DOCTYPE or entity declaration is not allowed", line)
    parser = xml.parsers.expat.ParserCreate()
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def data(text: str) -> None:
        if stack:
            stack[-1].children.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValueError(
            f"not well-formed XML: {xml.parsers.expat.ErrorString(exc.code)}", exc.lineno
        ) from None
    return root[0]


def title_lang(node: Node) -> str:
    """Return the language of a ``<title>``/``<desc>`` (English without a ``lang``)."""
    return node.attrs.get("lang", node.attrs.get("xml:lang", "en"))


def check_svg(root: Node, report: Callable[[int | None, str], None]) -> None:
    """Report everything in the tree that a lesson may not inline."""
    if root.tag != "svg":
        report(root.line, f"the root element must be <svg>, not <{root.tag}>")
    elif "viewBox" not in root.attrs:
        report(root.line, "<svg> needs a viewBox so the diagram scales with the page")
    for kind in ("title", "desc"):
        for lang in LANGUAGES:
            found = [
                c for c in root.children if isinstance(c, Node) and c.tag == kind and title_lang(c) == lang
            ]
            attr = "" if lang == "en" else f' lang="{lang}"'
            if not found:
                report(root.line, f"no <{kind}> for {lang}: add <{kind}{attr}>…</{kind}> as a child of <svg>")
            elif len(found) > 1:
                report(found[1].line, f"more than one <{kind}> for {lang}")
            elif not found[0].text().strip():
                report(found[0].line, f"the {lang} <{kind}> is empty")
    walk_check(root, report)


def walk_check(node: Node, report: Callable[[int | None, str], None]) -> None:
    """Check one element and its children."""
    if node.tag not in ELEMENTS:
        report(node.line, f"element <{node.tag}> is not allowed in a diagram")
        return
    for name, value in node.attrs.items():
        lowered = name.lower()
        if lowered.startswith("on"):
            report(node.line, f"event handler attribute {name!r} is not allowed")
        elif lowered == "style":
            report(
                node.line,
                "style attribute is not allowed (the CSP forbids inline styles); "
                "use presentation attributes such as fill or stroke",
            )
        elif lowered.endswith("href") or lowered == "src":
            report(node.line, f"{name!r} is not allowed: a diagram may not refer to anything outside itself")
        elif "url(" in value and not LOCAL_URL.match(value.strip()):
            report(node.line, f"{name}={value!r} refers outside the diagram; only url(#id) is allowed")
        elif name in ("lang", "xml:lang") and node.tag not in ("title", "desc"):
            report(node.line, f"{name!r} belongs on <title> and <desc> only")
        elif name == "xml:lang":
            continue
        elif name not in ATTRIBUTES:
            report(node.line, f"attribute {name!r} is not allowed on <{node.tag}>")
        elif (
            name in PAINTS
            and value.strip().lower() not in PAINT_VALUES
            and not LOCAL_URL.match(value.strip())
        ):
            report(
                node.line,
                f"hard-coded colour {name}={value!r}: "
                "use currentColor or none so the diagram follows the theme",
            )
    if node.tag in ("text", "tspan"):
        own = "".join(c for c in node.children if isinstance(c, str))
        if CJK.search(own):
            report(
                node.line,
                "a label in Chinese: labels are shared by both languages; "
                "put prose in <title>/<desc> and the lesson's caption",
            )
    for child in node.children:
        if isinstance(child, Node):
            walk_check(child, report)


def serialize(node: Node, lang: str, prefix: str) -> str:
    """Return the sanitized markup of ``node`` for a page in ``lang``, its ids prefixed."""
    if node.tag not in ELEMENTS:
        return ""
    if node.tag in ("title", "desc") and title_lang(node) != lang:
        return ""
    attrs = []
    for name, value in node.attrs.items():
        if name not in ATTRIBUTES or name == "lang" or (name == "id" and node.tag in ("title", "desc")):
            continue
        value = value.strip()
        if "url(" in value:
            local = LOCAL_URL.match(value)
            if local is None:
                continue
            value = f"url(#{prefix}{local[1]})"
        elif name in PAINTS and value.lower() not in PAINT_VALUES:
            continue
        if name == "id":
            value = prefix + value
        attrs.append(f' {name}="{html.escape(value)}"')
    if node.tag in ("title", "desc"):
        attrs.append(f' id="{prefix}{node.tag}"')
    if node.tag == "svg":
        attrs = [a for a in attrs if not a.startswith((" width=", " height="))]
        attrs.append(f' role="img" aria-labelledby="{prefix}title" aria-describedby="{prefix}desc"')
    inner = "".join(
        html.escape(child, quote=False) if isinstance(child, str) else serialize(child, lang, prefix)
        for child in node.children
    )
    return f"<{node.tag}{''.join(attrs)}>{inner}</{node.tag}>"


def load_diagram(
    path: Path, rel: str, topic: str, report: Callable[[int | None, str], None]
) -> Diagram | None:
    """Read, check and sanitize one diagram file; None when it cannot be shown."""
    name = path.stem
    if not NAME.match(name):
        report(
            None, "diagram file name must be lowercase letters, digits and dashes, e.g. request-lifecycle.svg"
        )
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    try:
        root = parse_svg(text)
    except ValueError as exc:
        message, line = exc.args
        report(line, message)
        return None
    problems: list[tuple[int | None, str]] = []
    check_svg(root, lambda line, message: problems.append((line, message)))
    for line, message in problems:
        report(line, message)
    if problems:
        return None
    prefix = f"dg-{topic}-{name}-"
    markup = {lang: serialize(root, lang, prefix) for lang in LANGUAGES}
    titles = {
        lang: next(
            c.text().strip()
            for c in root.children
            if isinstance(c, Node) and c.tag == "title" and title_lang(c) == lang
        )
        for lang in LANGUAGES
    }
    return Diagram(topic, name, rel, markup, titles)
