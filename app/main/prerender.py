"""Parts of pages that are the same for every reader of a language, rendered once.

A page is mostly text that depends only on the course and the language: the site
header's topic menu and search box, a lesson's table of contents and body, a topic's
lesson list. Rendering those on every request cost dozens of ``gettext`` and
``url_for`` calls per page. Here they are rendered on first use, per language (and per
catalog where the course is involved), kept for the life of the process, and the page
fills in only the learner's bits through named slots.

What to notice: the cache key always holds the language, because ``gettext`` answered
in the locale of the request that rendered the part; and the catalog is compared by
identity, so a development reload of the content renders the parts again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import TypeVar
from urllib.parse import urlencode

from flask import current_app
from flask import get_template_attribute
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape

from app.content.model import Catalog
from app.progress.stats import quiz_for_topic
from app.topics import TOPICS

EXTENSION = "prerendered"
#: Where the learner's status badge goes in a card.
SLOT = "<!-- slot: badge -->"
#: A named place in a pre-rendered part: ``<!-- slot:status -->``.
SLOT_MARK = re.compile(r"<!-- slot:([a-z0-9_.:-]+) -->")

T = TypeVar("T")


def once(key: tuple, build: Callable[[], T], catalog: Catalog | None = None) -> T:
    """Return ``build()``, computed once per process for ``key`` (and for ``catalog``).

    While templates reload on change (``flask run --debug``), nothing is kept, so an
    edited template shows at once.
    """
    app = current_app._get_current_object()
    if app.jinja_env.auto_reload:
        return build()
    cache = app.extensions.setdefault(EXTENSION, {})
    entry = cache.get(key)
    if entry is not None and entry[0] is catalog:
        return entry[1]
    value = build()
    cache[key] = (catalog, value)
    return value


@dataclass(frozen=True)
class Slotted:
    """Pre-rendered HTML cut at its ``<!-- slot:name -->`` marks, ready to be filled."""

    parts: tuple[Markup, ...]
    names: tuple[str, ...]

    @classmethod
    def cut(cls, html: Markup) -> Slotted:
        """Cut rendered (already escaped) template output at its slot marks."""
        pieces = SLOT_MARK.split(html)
        # The pieces are cut from Markup that the template engine escaped: still safe.
        return cls(tuple(Markup(part) for part in pieces[::2]), tuple(pieces[1::2]))  # noqa: S704

    def fill(self, values: Mapping[str, Any]) -> Markup:
        """Return the whole HTML with each slot replaced by its value (escaped unless Markup).

        A slot without a value is left empty.
        """
        out = [self.parts[0]]
        for name, part in zip(self.names, self.parts[1:], strict=True):
            value = values.get(name)
            if value is not None:
                out.append(Markup.escape(value))
            out.append(part)
        return Markup("").join(out)


def macro(template: str, name: str, *args: Any) -> Markup:
    """Render macro ``name`` of ``template`` with ``args`` (in the current request's locale)."""
    return get_template_attribute(template, name)(*args)


def chrome(name: str, lang: str, *variant: Any) -> Markup:
    """Return the site chrome's part ``name`` (a macro of ``_chrome.html``) for ``lang``.

    ``variant`` is for the few parts that come in a handful of versions (the selected
    Flask version of the "My Flask" setting); it is part of the key.
    """
    return once(("chrome", name, lang, *variant), lambda: macro("_chrome.html", name, *variant))


#: What Werkzeug leaves unescaped in a query value when it builds a URL (``werkzeug.urls._urlencode``).
QUERY_SAFE = "!$'()*,/:;?@"


def url_with_next(endpoint: str, next_path: str | None) -> str:
    """Return ``url_for(endpoint, next=next_path)``, the endpoint's own URL built once per process.

    For the login and sign-up links every page shows: Werkzeug's URL building is ~15 µs a
    link, and only the ``next`` value differs between requests.
    """
    base = once(("url", endpoint, request.script_root), lambda: url_for(endpoint))
    if next_path is None:
        return base
    return f"{base}?{urlencode({'next': next_path}, safe=QUERY_SAFE)}"


def static_url(filename: str) -> str:
    """Return ``url_for("static", filename=filename)`` (fingerprinted), built once per process."""
    return once(("static-url", filename, request.script_root), lambda: url_for("static", filename=filename))


def progress_bar(fraction: float, label: str) -> Markup:
    """Return a ``<progress>`` bar for ``fraction`` (0–1) named ``label`` (escaped unless Markup).

    No inline style, so the CSP stays strict. A function rather than a macro: the course
    map draws sixteen, and a macro call costs a template context of its own.
    """
    percent = round(fraction * 100)
    return Markup(  # noqa: S704 -- a number and an escaped label
        f'<progress class="bar" max="100" value="{percent}" aria-label="{escape(label)}">'
        f"{percent}%</progress>"
    )


@dataclass(frozen=True)
class MapCard:
    """The fixed parts of one topic's card on the course map."""

    #: The step number and the topic's link.
    head: Markup
    #: The summary line and the lesson/question/minute counts.
    body: Markup
    #: The accessible name of the card's progress bar.
    bar_label: Markup


@dataclass(frozen=True)
class CourseMap:
    """Every card of the course map and the three status badges, in one language."""

    cards: dict[str, MapCard]
    badges: dict[str, Markup]

    def items(self, progress: Mapping[str, Any]) -> Markup:
        """Return every topic's ``<li>`` card, filled with the learner's status and fraction.

        ``progress`` maps a topic name to its ``status`` and ``fraction``; the rest of each
        card was rendered once per language.
        """
        parts = []
        for topic in TOPICS:
            item, card = progress[topic.name], self.cards[topic.name]
            parts.append(
                f'<li class="card map-card status-{escape(item.status)}">\n'
                f'      <div class="map-card-head">{card.head}{self.badges.get(item.status, "")}{card.body}\n'
                f"      {progress_bar(item.fraction, card.bar_label)}\n"
                "    </li>"
            )
        return Markup("\n    ".join(parts))  # noqa: S704 -- pre-rendered Markup and escaped values


def course_map(catalog: Catalog, lang: str) -> CourseMap:
    """Return the course map's fixed parts for ``catalog`` in ``lang`` (rendered on first use).

    Call it while a request in ``lang`` is being served: the texts are translated
    with that request's locale.
    """
    return once(("course-map", lang), lambda: _build_course_map(catalog, lang), catalog)


def _build_course_map(catalog: Catalog, lang: str) -> CourseMap:
    card = get_template_attribute("main/_map_card.html", "card")
    bar_label = get_template_attribute("main/_map_card.html", "bar_label")
    badge = get_template_attribute("learn/_macros.html", "status_badge")
    cards = {}
    for index, topic in enumerate(TOPICS, start=1):
        lessons = catalog.topic_lessons(topic.name)
        quiz = quiz_for_topic(catalog, topic.name)
        quiz_questions = len(quiz.questions) if quiz else 0
        # Macros return Markup, and Markup's split and strip keep it Markup (escaped once).
        head, body = card(index, topic, lessons, quiz_questions, lang).split(SLOT)
        cards[topic.name] = MapCard(head, body, bar_label(topic, lang).strip())
    badges = {status: badge(status).strip() for status in ("done", "in-progress")}
    return CourseMap(cards, badges)
