"""Rendering pasted Markdown for the instructor preview: same renderer, sanitized output."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3

from app.content.catalog import lesson_url
from app.content.lessons import Reporter
from app.content.lessons import check_code_blocks
from app.content.lessons import check_front_matter
from app.content.lessons import split_front_matter
from app.content.model import Catalog
from app.content.model import Problem
from app.content.render import Renderer
from app.content.yamlfile import LineDict
from app.content.yamlfile import YAMLProblem
from app.content.yamlfile import load_yaml
from app.topics import TOPIC_NAMES

#: Largest text the preview accepts, in bytes of UTF-8.
MAX_PREVIEW_BYTES = 100_000

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS | {"input", "label", "details", "summary"})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled", "name"},
    "label": {"for"},
    "div": {"data-tabs"},
    "details": {"open"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
INPUT_TYPES = frozenset({"checkbox", "radio"})


@dataclass(frozen=True)
class Preview:
    """A rendered preview: sanitized HTML, the title if front matter was pasted, problems."""

    html: str
    title: str | None
    problems: tuple[str, ...]


def keep_attribute(tag: str, name: str, value: str) -> str | None:
    """Drop attribute values that could script or restyle the page."""
    if tag == "input" and name == "type" and value not in INPUT_TYPES:
        return None
    if name in ("href", "src") and urlsplit(value.strip()).scheme.lower() not in URL_SCHEMES | {""}:
        return None
    return value


def sanitize(html: str) -> str:
    """Return ``html`` with scripts, event handlers and unsafe URLs removed, classes kept."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_attribute,
        url_schemes=set(URL_SCHEMES),
    )


def render_preview(text: str, catalog: Catalog | None = None, demos: dict[str, str] | None = None) -> Preview:
    """Render pasted Markdown (a whole lesson file or just a body) as a lesson would be.

    Links resolve against ``catalog`` and ``demos`` (endpoint → URL); problems are listed,
    with lines counted in the pasted text.
    """
    text = text.replace("\r\n", "\n")
    problems: list[Problem] = []
    report = Reporter("preview", problems)
    title = None
    body, body_line = text, 1
    parts = split_front_matter(text)
    if parts is not None:
        front, body, body_line = parts
        try:
            data = load_yaml(front, offset=1)
        except YAMLProblem as exc:
            report(exc.line, f"front matter: {exc.message}")
            data = None
        if isinstance(data, LineDict):
            check_front_matter(data, report, TOPIC_NAMES, 1)
            raw_title = data.get("title")
            title = raw_title.strip() if isinstance(raw_title, str) and raw_title.strip() else None
    lessons = catalog.lessons if catalog is not None else {}

    def resolve(scheme: str, target: str) -> str | None:
        if scheme == "lesson":
            slug, _, anchor = target.partition("#")
            lesson = lessons.get(slug)
            return lesson_url(lesson.topic, slug, anchor) if lesson else None
        return (demos or {}).get(target) or None

    rendered = Renderer(resolve).render(body)
    check_code_blocks(body, body_line, report)
    for link in rendered.links:
        if not link.resolved:
            what = "lesson" if link.scheme == "lesson" else "demo endpoint"
            report(None, f"link to unknown {what} {link.target.partition('#')[0]!r}")
    if rendered.h1_count:
        report(None, "write no # heading: the front matter's title is the page's <h1>")
    listing = tuple(
        f"line {problem.line}: {problem.message}" if problem.line else problem.message for problem in problems
    )
    return Preview(sanitize(rendered.html), title, listing)
