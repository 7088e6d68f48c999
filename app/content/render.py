"""The Markdown renderer shared by lessons, quiz texts and the instructor preview."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass

import markdown
import pygments
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pymdownx.slugs import slugify

from app.content.diagrams import DiagramResolver
from app.content.diagrams import DiagramUse
from app.content.model import Heading
from app.content.playground import FENCE as PLAYGROUND_FENCE
from app.content.playground import parse as parse_playground
from app.content.snippets import strip_markers
from app.content.versions import ChangeNote
from app.content.versions import VersionError
from app.content.versions import change_title
from app.content.versions import parse_change

#: (scheme, target) → URL, or None when the target does not exist.
LinkResolver = Callable[[str, str], str | None]

LINK_SCHEMES = ("lesson", "demo")
TOC_LEVELS = (2, 3)

CJK_CHAR = r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
# A soft line break between two CJK characters would show as a stray space.
CJK_SOFT_BREAK = re.compile(rf"({CJK_CHAR})[ \t]*\n[ \t]*(?={CJK_CHAR})")
ID_ATTRIBUTE = re.compile(r"""\sid="([^"]*)\"""")
WORD = re.compile(rf"{CJK_CHAR}|[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.UNICODE)
SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.S)
NO_TEXT_REWRITE = frozenset({"code", "pre", "kbd", "samp", "script", "style"})

#: Titles of admonitions and collapsible blocks written without one, per language.
DEFAULT_TITLES: dict[str, dict[str, str]] = {
    "en": {"interview": "Interview answer"},
    "zh": {
        "note": "注意",
        "tip": "提示",
        "warning": "警告",
        "danger": "危险",
        "info": "说明",
        "example": "示例",
        "interview": "面试回答",
        "correction": "更正",
    },
}

EXTENSIONS = [
    "toc",
    "tables",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.details",
    "pymdownx.tabbed",
    "pymdownx.tasklist",
    "pymdownx.betterem",
    "pymdownx.tilde",
]

EXTENSION_CONFIGS = {
    "toc": {
        "permalink": "#",
        "permalink_title": "",
        "slugify": slugify(case="lower"),
    },
    "pymdownx.highlight": {
        "use_pygments": True,
        "css_class": "highlight",
        "guess_lang": False,
        "pygments_lang_class": True,
    },
    # align="…" rather than style="text-align: …": the CSP forbids inline styles.
    "tables": {"use_align_attribute": True},
    "pymdownx.tabbed": {"alternate_style": True},
    "pymdownx.tilde": {"subscript": False},
}

#: What a playground says before its script has run (and all it says without JavaScript).
PLAYGROUND_TEXT = {
    "en": ("Flask playground", "An editable Flask app that runs in your browser. Press Run.", "Run"),
    "zh": ("Flask 练习场", "可编辑的 Flask 应用，在你的浏览器里运行。按“运行”。", "运行"),
}


@dataclass(frozen=True)
class Link:
    """A ``lesson:``/``demo:`` link met while rendering, and whether it resolved."""

    scheme: str
    target: str
    resolved: bool


@dataclass(frozen=True)
class ChangeUse:
    """A ``!!! changed`` box met while rendering: its versions, or why they cannot be read."""

    note: ChangeNote | None
    error: str | None = None


@dataclass(frozen=True)
class Rendered:
    """The result of rendering one Markdown document."""

    html: str
    toc: tuple[Heading, ...]
    ids: frozenset[str]
    links: tuple[Link, ...]
    h1_count: int = 0
    changes: tuple[ChangeUse, ...] = ()
    diagrams: tuple[DiagramUse, ...] = ()


class LinkProcessor(Treeprocessor):
    """Rewrite course links, record them, and drop soft breaks between CJK characters."""

    def __init__(self, md: markdown.Markdown, renderer: Renderer) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        """Walk the tree once, fixing links and CJK line breaks in place."""
        self.walk(root)

    def walk(self, element: etree.Element) -> None:
        """Process ``element`` and its children (code and preformatted text untouched)."""
        if element.tag == "h1":
            self.renderer.h1_count += 1
        if element.tag == "a":
            self.rewrite(element)
        elif element.tag in ("div", "details"):
            kind = block_kind(element)
            if kind == "changed":
                self.changed(element)
            elif kind == "diagram" and element.tag == "div":
                self.diagram(element)
            else:
                self.default_title(element)
        if element.tag in NO_TEXT_REWRITE:
            return
        if element.text:
            element.text = CJK_SOFT_BREAK.sub(r"\1", element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                child.tail = CJK_SOFT_BREAK.sub(r"\1", child.tail)

    def changed(self, element: etree.Element) -> None:
        """Read a changed box's versions into data attributes and title it in the text's language."""
        title = element[0] if len(element) else None
        if title is None or title.tag not in ("p", "summary"):
            return
        raw = title.text or ""
        has_markup = len(title) > 0
        # An untitled box gets its kind as its title: it names no version.
        written = "" if raw == "Changed" and not has_markup else raw
        match = re.search(r"[:：]", written)
        head = written[: match.start()] if match else ("" if has_markup else written)
        rest = written[match.end() :] if match else ""
        try:
            note = parse_change(head)
        except VersionError as exc:
            self.renderer.changes.append(ChangeUse(None, str(exc)))
            return
        rest = rest.lstrip()
        tail = "".join(title.itertext())[len(raw) :]
        note = ChangeNote(note.changes, (rest + tail).strip())
        self.renderer.changes.append(ChangeUse(note))
        heading = change_title(ChangeNote(note.changes, ""), self.renderer.lang)
        separator = "：" if self.renderer.lang == "zh" else ": "
        title.text = heading + (separator + rest if (rest or len(title)) else "")
        element.set("data-component", note.component)
        element.set("data-version", " ".join(note.versions))
        element.set("data-changes", " ".join(f"{c.component}@{c.version}" for c in note.changes))

    def diagram(self, element: etree.Element) -> None:
        """Turn a ``!!! diagram "name"`` block into a figure: the inlined SVG and its caption."""
        title = element[0] if len(element) else None
        if title is None or title.tag != "p" or title.get("class") != "admonition-title":
            return
        name = "" if (title.text == "Diagram" or len(title)) else (title.text or "").strip()
        body = list(element)[1:]
        found = self.renderer.find_diagram(name) if name else None
        self.renderer.diagrams.append(DiagramUse(name, found is not None, bool(body)))
        element.clear()
        element.tag = "figure"
        element.set("class", "diagram")
        if name:
            element.set("id", f"diagram-{name.rpartition('/')[2]}")
        canvas = etree.SubElement(element, "div", {"class": "diagram-canvas"})
        if found is not None:
            canvas.text = self.md.htmlStash.store(found.markup[self.renderer.lang])
        else:
            canvas.set("class", "diagram-canvas diagram-missing")
            canvas.text = f"[diagram {name}]"
        if body:
            caption = etree.SubElement(element, "figcaption")
            caption.extend(body)

    def default_title(self, element: etree.Element) -> None:
        """Give an untitled admonition or collapsible block a title in the text's language."""
        classes = (element.get("class") or "").split()
        if element.tag == "div":
            if "admonition" not in classes or len(element) == 0:
                return
            kinds = [name for name in classes if name != "admonition"]
            title = element[0]
            if title.tag != "p" or title.get("class") != "admonition-title":
                return
        else:
            kinds = classes
            if len(element) == 0 or element[0].tag != "summary":
                return
            title = element[0]
        titles = DEFAULT_TITLES.get(self.renderer.lang, {})
        kind = kinds[0] if kinds else ""
        if kind in titles and title.text == kind.capitalize() and len(title) == 0:
            title.text = titles[kind]

    def rewrite(self, element: etree.Element) -> None:
        """Point a ``lesson:``/``demo:`` link at its URL, or mark it broken."""
        href = element.get("href", "")
        scheme, colon, target = href.partition(":")
        if not colon or scheme not in LINK_SCHEMES:
            return
        url = self.renderer.resolve(scheme, target) if self.renderer.resolve else None
        self.renderer.links.append(Link(scheme, target, url is not None))
        if url is None:
            element.tag = "span"
            element.attrib.pop("href", None)
            element.set("class", "broken-link")
            element.set("title", f"{scheme}:{target} does not exist")
        else:
            element.set("href", url)


def block_kind(element: etree.Element) -> str:
    """Return the kind of an admonition ``div`` or collapsible ``details`` (``""`` for others)."""
    classes = (element.get("class") or "").split()
    if element.tag == "div":
        if "admonition" not in classes:
            return ""
        classes = [name for name in classes if name != "admonition"]
    return classes[0] if classes else ""


class CourseLinks(Extension):
    """Register ``LinkProcessor`` after inline parsing."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Add the tree processor."""
        md.treeprocessors.register(LinkProcessor(md, self.renderer), "course_links", 4)


def format_playground(
    source: str, language: str, css_class: str, options: dict, md: markdown.Markdown, **kwargs
) -> str:
    """Render a ```` ```flask-playground ```` block: the code, its presets, a Run button.

    The page's script (static/js/playground/) turns it into an editor and runs it; without
    it the code still reads as a highlighted listing.
    """
    block = parse_playground(source)
    lang = getattr(md, "course_lang", "en")
    heading, hint, run = PLAYGROUND_TEXT.get(lang, PLAYGROUND_TEXT["en"])
    listing = highlight_python(block.code)
    requests = html.escape(json.dumps(list(block.requests), ensure_ascii=False), quote=True)
    title = html.escape(block.title or heading)
    broken = ' data-playground-broken="true"' if block.problems else ""
    code = html.escape(block.code, quote=True)
    return (
        f'<div class="playground" data-playground data-requests="{requests}" data-code="{code}"{broken}>'
        f'<p class="playground-title"><strong>{title}</strong></p>'
        f'<p class="playground-status muted" data-playground-status>{html.escape(hint)}</p>'
        f'<div class="playground-source" data-playground-source>{listing}</div>'
        f'<button type="button" class="button" data-playground-run>{html.escape(run)}</button>'
        "</div>"
    )


def highlight_python(code: str) -> str:
    """Return ``code`` highlighted by Pygments the way the other listings are."""
    formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
    return pygments.highlight(code, PythonLexer(), formatter)


EXTENSION_CONFIGS["pymdownx.superfences"] = {
    "custom_fences": [{"name": PLAYGROUND_FENCE, "class": "playground", "format": format_playground}]
}


class Renderer:
    """Render course Markdown to HTML; one instance per thread (Markdown keeps state).

    ``resolve`` maps ``lesson:slug#anchor`` and ``demo:endpoint`` links to URLs.
    """

    def __init__(self, resolve: LinkResolver | None = None, diagrams: DiagramResolver | None = None) -> None:
        self.resolve = resolve
        self.diagram_resolver = diagrams
        self.links: list[Link] = []
        self.changes: list[ChangeUse] = []
        self.diagrams: list[DiagramUse] = []
        self.h1_count = 0
        self.lang = "en"
        self.topic = ""
        self.md = markdown.Markdown(
            extensions=[*EXTENSIONS, CourseLinks(self)],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )

    def find_diagram(self, name: str):
        """Return the diagram ``name`` of the current topic (or ``topic/name``), or None."""
        if self.diagram_resolver is None:
            return None
        topic, _, own = name.rpartition("/")
        return self.diagram_resolver(topic or self.topic, own)

    def render(self, text: str, lang: str = "en", topic: str = "") -> Rendered:
        """Render a Markdown document in ``lang`` (marker lines of Python blocks hidden).

        ``topic`` is where ``!!! diagram "name"`` looks for ``diagrams/name.svg``.
        """
        self.md.reset()
        self.links = []
        self.changes = []
        self.diagrams = []
        self.h1_count = 0
        self.lang = lang
        self.topic = topic
        self.md.course_lang = lang  # type: ignore[attr-defined]  # read by format_playground
        rv = self.md.convert(strip_markers(text))
        toc = tuple(flatten_toc(getattr(self.md, "toc_tokens", [])))
        ids = frozenset(html.unescape(value) for value in ID_ATTRIBUTE.findall(rv))
        return Rendered(
            rv, toc, ids, tuple(self.links), self.h1_count, tuple(self.changes), tuple(self.diagrams)
        )

    def render_inline(self, text: str, lang: str = "en") -> Rendered:
        """Render a short text such as a choice, without its wrapping paragraph."""
        rendered = self.render(text, lang)
        inner = rendered.html.strip()
        if inner.startswith("<p>") and inner.endswith("</p>") and inner.count("<p>") == 1:
            inner = inner[3:-4]
        return dataclasses.replace(rendered, html=inner)


def flatten_toc(tokens: Iterable[dict]) -> Iterable[Heading]:
    """Yield the headings of Markdown's nested TOC tokens that the contents list shows."""
    for token in tokens:
        if token["level"] in TOC_LEVELS:
            yield Heading(token["level"], token["id"], html.unescape(token["name"]))
        yield from flatten_toc(token.get("children", ()))


def count_words(html_text: str) -> int:
    """Return the number of words in rendered HTML, counting each CJK character as one."""
    # A diagram's labels and its title/desc repeat its caption: count only the caption.
    html_text = SVG_ELEMENT.sub(" ", html_text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", html_text))
    return len(WORD.findall(text))


def render_markdown(text: str, resolve: LinkResolver | None = None, lang: str = "en") -> Rendered:
    """Render one Markdown document with a fresh renderer (for previews and one-offs)."""
    return Renderer(resolve).render(text, lang)
