"""Find the topic, lesson or quiz a URL names (404 otherwise), and what links to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort
from flask import current_app
from flask import url_for
from werkzeug.routing import BuildError

from app.content import get_catalog
from app.content.model import Catalog
from app.content.model import Lesson
from app.content.model import Quiz
from app.demos import DEMOS
from app.demos import demos_for
from app.progress.stats import quiz_for_topic
from app.topics import TOPICS_BY_NAME
from app.topics import Topic


@dataclass(frozen=True)
class DemoLink:
    """A live demo a page links to."""

    endpoint: str
    label: str
    url: str
    summary: str = ""


def topic_or_404(name: str) -> Topic:
    """Return the topic called ``name``, or answer 404."""
    topic = TOPICS_BY_NAME.get(name)
    if topic is None:
        abort(404)
    return topic


def lesson_or_404(catalog: Catalog, topic: str, slug: str) -> Lesson:
    """Return lesson ``slug`` of ``topic``, or answer 404."""
    lesson = catalog.lessons.get(slug)
    if lesson is None or lesson.topic != topic:
        abort(404)
    return lesson


def quiz_or_404(catalog: Catalog, topic: str) -> Quiz:
    """Return the quiz of ``topic``, or answer 404 when it has none."""
    quiz = quiz_for_topic(catalog, topic)
    if quiz is None or not quiz.questions:
        abort(404)
    return quiz


def lesson_title(catalog: Catalog, slug: str, lang: str) -> str:
    """Return a lesson's title in ``lang``; the slug if the course no longer has it."""
    lesson = catalog.lessons.get(slug)
    return lesson.text(lang)[0].title if lesson else slug


def neighbours(catalog: Catalog, slug: str) -> tuple[Lesson | None, Lesson | None]:
    """Return the lessons before and after ``slug`` in course order."""
    order = catalog.lesson_order
    if slug not in order:
        return None, None
    index = order.index(slug)
    before = catalog.lessons.get(order[index - 1]) if index > 0 else None
    after = catalog.lessons.get(order[index + 1]) if index + 1 < len(order) else None
    return before, after


def demo_label(endpoint: str) -> str:
    """Return a readable name for a demo endpoint: ``routing.demo_url_for`` → ``url for``."""
    name = endpoint.rpartition(".")[2].removeprefix("demo_").replace("_", " ")
    return name or endpoint


def demo_links(endpoints: Iterable[str]) -> list[DemoLink]:
    """Return links to the demos that exist, titled in the reader's language."""
    links = []
    for endpoint in dict.fromkeys(endpoints):
        try:
            url = url_for(endpoint)
        except BuildError:
            current_app.logger.debug("Demo %s is not available", endpoint)
            continue
        info = DEMOS.get(endpoint)
        label = str(info.title) if info and info.title else demo_label(endpoint)
        summary = str(info.summary) if info and info.summary else ""
        links.append(DemoLink(endpoint, label, url, summary))
    return links


def topic_demo_endpoints(topic: str) -> list[str]:
    """Return the endpoints of every demo registered by the topic's blueprint."""
    return [info.endpoint for info in demos_for(topic)]


def catalog() -> Catalog:
    """Return the course catalog (parsed once, kept in ``app.extensions``)."""
    return get_catalog()
