"""The Markdown renderer shared by lessons, quiz texts and the instructor preview."""

from __future__ import annotations

import dataclasses
import hashlib
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
from pymdownx.superfences import highlight_validator

from app.content.diagrams import DiagramResolver
from app.content.diagrams import DiagramUse
from app.content.model import Heading
from app.content.playground import FENCE as PLAYGROUND_FENCE
from app.content.playground import PAGE_PREFIX
from app.content.playground import parse as parse_playground
from app.content.snippets import PYTHON_LANGUAGES
from app.content.snippets import PlaygroundSnippet
from app.content.snippets import normalized
from app.content.snippets import playground_snippets
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
#: Pygments' spans that change nothing on screen: plain names (``n``) and punctuation (``p``)
#: take the listing's own colour in both themes (static/css/pygments.css), and whitespace
#: (``w``) shows no colour. They were 642 of the 1,182 spans of the routing lesson, 15 KB of
#: its 68 KB; the text is kept, only the wrapper goes.
PLAIN_TOKEN = re.compile(r'<span class="[npw]">([^<]*)</span>')
SNIPPET_ACTIONS = re.compile(r'<p class="snippet-actions">.*?</p>', re.S)
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
    "en": {
        "heading": "Flask playground",
        "hint": "An editable Flask app that runs in your browser.",
        "run": "Run",
        "open": "Open in the playground",
        "snippet": "A snippet of the lesson, as an app to run",
    },
    "zh": {
        "heading": "Flask 练习场",
        "hint": "可编辑的 Flask 应用，在你的浏览器里运行。",
        "run": "运行",
        "open": "在练习场中打开",
        "snippet": "课程中的代码片段，作为可运行的应用",
    },
}


@dataclass(frozen=True)
class PlaygroundUse:
    """A playground met while rendering: a ``flask-playground`` block, or a snippet it opens.

    ``html`` is the playground as its own page (``/playground/<id>``) shows it.
    """

    id: str
    title: str
    code: str
    requests: tuple[dict, ...]
    html: str
    snippet: bool = False


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
    playgrounds: tuple[PlaygroundUse, ...] = ()


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
    it the code still reads as a highlighted listing, with a link to the playground's page.
    """
    renderer: Renderer = md.course_renderer  # type: ignore[attr-defined]
    block = parse_playground(source)
    texts = PLAYGROUND_TEXT.get(renderer.lang, PLAYGROUND_TEXT["en"])
    title = block.title or texts["heading"]
    block_id = renderer.next_playground_id("p")
    block_id = block_id or content_id(title, block.requests, block.code, renderer.lang)
    rv = playground_html(block.code, block.requests, title, renderer.lang, block_id, bool(block.problems))
    if block_id and not block.problems:
        renderer.playgrounds.append(PlaygroundUse(block_id, title, block.code, block.requests, rv))
    return rv


def playground_html(
    code: str, requests: Iterable[dict], title: str, lang: str, block_id: str = "", broken: bool = False
) -> str:
    """Return a playground's HTML: the code as a listing, its presets and id in data attributes.

    With an id the learner's edits can be saved under it, and without JavaScript (or in a
    page fragment that did not load the script) the button is a link to its own page.
    """
    texts = PLAYGROUND_TEXT.get(lang, PLAYGROUND_TEXT["en"])
    presets = html.escape(json.dumps(list(requests), ensure_ascii=False), quote=True)
    attributes = f' data-playground-id="{html.escape(block_id)}"' if block_id else ""
    attributes += ' data-playground-broken="true"' if broken else ""
    if block_id:
        href = html.escape(playground_url(block_id))
        button = f'<a class="button" href="{href}" data-playground-run>{html.escape(texts["open"])}</a>'
    else:
        label = html.escape(texts["run"])
        button = f'<button type="button" class="button" data-playground-run>{label}</button>'
    return (
        f'<div class="playground" data-playground{attributes} data-requests="{presets}" '
        f'data-code="{html.escape(code, quote=True)}">'
        f'<p class="playground-title"><strong>{html.escape(title)}</strong></p>'
        f'<p class="playground-status muted" data-playground-status>{html.escape(texts["hint"])}</p>'
        f'<div class="playground-source" data-playground-source>{highlight_python(code)}</div>'
        f"{button}</div>"
    )


def content_id(title: str, requests: Iterable[dict], code: str, lang: str) -> str:
    """Return the id of a playground in a text without an owner (a quiz text): its content's hash.

    It depends only on what the rendered block shows, so rendering Markdown converted back
    from that HTML (a question-bank export) gives the same id; an edit gives a new one.
    """
    shown = json.dumps([title, list(requests), code], ensure_ascii=False, sort_keys=True)
    return f"pg-{hashlib.sha256(shown.encode()).hexdigest()[:16]}.{lang}.p"


def playground_url(block_id: str) -> str:
    """Return the language-neutral URL of a playground's own page."""
    return PAGE_PREFIX + block_id


def format_python(
    source: str, language: str, css_class: str, options: dict, md: markdown.Markdown, **kwargs
) -> str:
    """Highlight a Python block as every fence is; add "Open in the playground" to a runnable one."""
    rv = md.preprocessors["fenced_code_block"].highlight(  # type: ignore[attr-defined]
        src=source, language=language, options=options, md=md, **kwargs
    )
    renderer: Renderer = md.course_renderer  # type: ignore[attr-defined]
    snippet = renderer.snippets.get(normalized(source))
    if snippet is None:
        return rv
    texts = PLAYGROUND_TEXT.get(renderer.lang, PLAYGROUND_TEXT["en"])
    block_id = renderer.owner + f"s{snippet.number}"
    page = playground_html(snippet.code, snippet.requests, texts["snippet"], renderer.lang, block_id)
    renderer.playgrounds.append(
        PlaygroundUse(block_id, texts["snippet"], snippet.code, snippet.requests, page, snippet=True)
    )
    href = html.escape(playground_url(block_id))
    return (
        f'{rv}<p class="snippet-actions"><a class="button small-button" href="{href}" '
        f"data-open-playground>{html.escape(texts['open'])}</a></p>"
    )


def drop_plain_tokens(html_text: str) -> str:
    """Return highlighted HTML without the spans of ``PLAIN_TOKEN``."""
    return PLAIN_TOKEN.sub(r"\1", html_text)


def highlight_python(code: str) -> str:
    """Return ``code`` highlighted by Pygments the way the other listings are."""
    formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
    return drop_plain_tokens(pygments.highlight(code, PythonLexer(), formatter))


EXTENSION_CONFIGS["pymdownx.superfences"] = {
    "custom_fences": [
        {"name": PLAYGROUND_FENCE, "class": "playground", "format": format_playground},
        *(
            {"name": name, "class": "highlight", "format": format_python, "validator": highlight_validator}
            for name in sorted(PYTHON_LANGUAGES)
        ),
    ]
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
        #: Prefix of the ids of this text's playgrounds (``slug.lang.``); none without it.
        self.owner = ""
        self.playgrounds: list[PlaygroundUse] = []
        self.playground_count = 0
        self.snippets: dict[str, PlaygroundSnippet] = {}
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

    def render(
        self, text: str, lang: str = "en", topic: str = "", owner: str = "", snippets: bool = False
    ) -> Rendered:
        """Render a Markdown document in ``lang`` (marker lines of Python blocks hidden).

        ``topic`` is where ``!!! diagram "name"`` looks for ``diagrams/name.svg``. With an
        ``owner`` (``slug.lang.``) playgrounds get ids under it (else ids from their content),
        and with ``snippets`` the Python blocks the playground can run get an "Open in the
        playground" link.
        """
        self.md.reset()
        self.links = []
        self.changes = []
        self.diagrams = []
        self.h1_count = 0
        self.lang = lang
        self.topic = topic
        self.owner = owner
        self.playgrounds = []
        self.playground_count = 0
        found = playground_snippets(text) if owner and snippets else []
        self.snippets = {snippet.shown: snippet for snippet in found}
        self.md.course_renderer = self  # type: ignore[attr-defined]  # read by the fence formatters
        rv = drop_plain_tokens(self.md.convert(strip_markers(text)))
        toc = tuple(flatten_toc(getattr(self.md, "toc_tokens", [])))
        ids = frozenset(html.unescape(value) for value in ID_ATTRIBUTE.findall(rv))
        return Rendered(
            rv,
            toc,
            ids,
            tuple(self.links),
            self.h1_count,
            tuple(self.changes),
            tuple(self.diagrams),
            tuple(self.playgrounds),
        )

    def next_playground_id(self, kind: str) -> str:
        """Return the id of the text's next playground block (``""`` for a text without an owner)."""
        if not self.owner:
            return ""
        self.playground_count += 1
        return f"{self.owner}{kind}{self.playground_count}"

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
    html_text = SNIPPET_ACTIONS.sub(" ", html_text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", html_text))
    return len(WORD.findall(text))


def render_markdown(text: str, resolve: LinkResolver | None = None, lang: str = "en") -> Rendered:
    """Render one Markdown document with a fresh renderer (for previews and one-offs)."""
    return Renderer(resolve).render(text, lang)
