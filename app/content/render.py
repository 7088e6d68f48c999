"""The Markdown renderer shared by lessons, quiz texts and the instructor preview."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pymdownx.slugs import slugify

from app.content.model import Heading
from app.content.snippets import strip_markers

#: (scheme, target) → URL, or None when the target does not exist.
LinkResolver = Callable[[str, str], str | None]

LINK_SCHEMES = ("lesson", "demo")
TOC_LEVELS = (2, 3)

CJK_CHAR = r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
# A soft line break between two CJK characters would show as a stray space.
CJK_SOFT_BREAK = re.compile(rf"({CJK_CHAR})[ \t]*\n[ \t]*(?={CJK_CHAR})")
ID_ATTRIBUTE = re.compile(r"""\sid="([^"]*)\"""")
WORD = re.compile(rf"{CJK_CHAR}|[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.UNICODE)
NO_TEXT_REWRITE = frozenset({"code", "pre", "kbd", "samp", "script", "style"})

#: Titles of admonitions and collapsible blocks written without one, per language.
DEFAULT_TITLES: dict[str, dict[str, str]] = {
    "en": {"interview": "Interview answer", "changed": "Changed"},
    "zh": {
        "note": "注意",
        "tip": "提示",
        "warning": "警告",
        "danger": "危险",
        "info": "说明",
        "example": "示例",
        "interview": "面试回答",
        "changed": "版本变化",
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


@dataclass(frozen=True)
class Link:
    """A ``lesson:``/``demo:`` link met while rendering, and whether it resolved."""

    scheme: str
    target: str
    resolved: bool


@dataclass(frozen=True)
class Rendered:
    """The result of rendering one Markdown document."""

    html: str
    toc: tuple[Heading, ...]
    ids: frozenset[str]
    links: tuple[Link, ...]
    h1_count: int = 0


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
            self.default_title(element)
        if element.tag in NO_TEXT_REWRITE:
            return
        if element.text:
            element.text = CJK_SOFT_BREAK.sub(r"\1", element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                child.tail = CJK_SOFT_BREAK.sub(r"\1", child.tail)

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


class CourseLinks(Extension):
    """Register ``LinkProcessor`` after inline parsing."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Add the tree processor."""
        md.treeprocessors.register(LinkProcessor(md, self.renderer), "course_links", 4)


class Renderer:
    """Render course Markdown to HTML; one instance per thread (Markdown keeps state).

    ``resolve`` maps ``lesson:slug#anchor`` and ``demo:endpoint`` links to URLs.
    """

    def __init__(self, resolve: LinkResolver | None = None) -> None:
        self.resolve = resolve
        self.links: list[Link] = []
        self.h1_count = 0
        self.lang = "en"
        self.md = markdown.Markdown(
            extensions=[*EXTENSIONS, CourseLinks(self)],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )

    def render(self, text: str, lang: str = "en") -> Rendered:
        """Render a Markdown document in ``lang`` (marker lines of Python blocks hidden)."""
        self.md.reset()
        self.links = []
        self.h1_count = 0
        self.lang = lang
        rv = self.md.convert(strip_markers(text))
        toc = tuple(flatten_toc(getattr(self.md, "toc_tokens", [])))
        ids = frozenset(html.unescape(value) for value in ID_ATTRIBUTE.findall(rv))
        return Rendered(rv, toc, ids, tuple(self.links), self.h1_count)

    def render_inline(self, text: str, lang: str = "en") -> Rendered:
        """Render a short text such as a choice, without its wrapping paragraph."""
        rendered = self.render(text, lang)
        inner = rendered.html.strip()
        if inner.startswith("<p>") and inner.endswith("</p>") and inner.count("<p>") == 1:
            inner = inner[3:-4]
        return Rendered(inner, rendered.toc, rendered.ids, rendered.links, rendered.h1_count)


def flatten_toc(tokens: Iterable[dict]) -> Iterable[Heading]:
    """Yield the headings of Markdown's nested TOC tokens that the contents list shows."""
    for token in tokens:
        if token["level"] in TOC_LEVELS:
            yield Heading(token["level"], token["id"], html.unescape(token["name"]))
        yield from flatten_toc(token.get("children", ()))


def count_words(html_text: str) -> int:
    """Return the number of words in rendered HTML, counting each CJK character as one."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", html_text))
    return len(WORD.findall(text))


def render_markdown(text: str, resolve: LinkResolver | None = None, lang: str = "en") -> Rendered:
    """Render one Markdown document with a fresh renderer (for previews and one-offs)."""
    return Renderer(resolve).render(text, lang)
