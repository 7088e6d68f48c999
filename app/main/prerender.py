"""Parts of the course pages that are the same for every reader of a language, rendered once.

The course map shows sixteen topic cards whose titles, links, summaries and counts
depend only on the catalog and the language; rendering them on every request cost
dozens of ``gettext`` and ``url_for`` calls. They are rendered here on first use,
per catalog and language, and kept until the catalog changes; the page then fills in
only the learner's bits (status, badge, progress value).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask import get_template_attribute
from markupsafe import Markup

from app.content.model import Catalog
from app.progress.stats import quiz_for_topic
from app.topics import TOPICS

EXTENSION = "prerendered"
#: Where the learner's status badge goes in a card.
SLOT = "<!-- slot: badge -->"


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


def course_map(catalog: Catalog, lang: str) -> CourseMap:
    """Return the course map's fixed parts for ``catalog`` in ``lang`` (rendered on first use).

    Call it while a request in ``lang`` is being served: the texts are translated
    with that request's locale.
    """
    cache = current_app.extensions.setdefault(EXTENSION, {})
    entry = cache.get(("course-map", lang))
    if entry is not None and entry[0] is catalog:
        return entry[1]
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
    result = CourseMap(cards, badges)
    cache[("course-map", lang)] = (catalog, result)
    return result
