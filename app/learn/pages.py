"""The fixed parts of the topic and lesson pages, rendered once per catalog and language.

A lesson page is its rendered Markdown plus a frame of links, titles and labels that
are the same for every reader of a language; only the status badge, the ticks on the
prerequisites and the "Mark as done" form belong to one learner. The fixed HTML is
rendered here on first use (``app.main.prerender.once``) with ``<!-- slot:… -->``
marks where the learner's bits go, and the view fills them in.

What to notice: the demo links and the neighbouring lessons' titles are worked out
once, not per request; and the playground's ``<head>`` tags stay per request, because
they also widen that response's Content-Security-Policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.content.model import Catalog
from app.content.model import Lesson
from app.learn.lookup import demo_links
from app.learn.lookup import neighbours
from app.learn.lookup import topic_demo_endpoints
from app.main.prerender import Slotted
from app.main.prerender import macro
from app.main.prerender import once
from app.playground import hosts_playground
from app.progress.stats import quiz_for_topic
from app.topics import Topic

PARTS = "learn/_fixed.html"


@dataclass(frozen=True)
class LessonPage:
    """A lesson page in one language, without the learner's bits."""

    title: str
    #: Whether the lesson holds a playground (its ``<head>`` tags are added per request).
    has_playground: bool
    #: The page's content; slots ``status``, ``done`` and ``prereq:<slug>``.
    body: Slotted


@dataclass(frozen=True)
class TopicPage:
    """A topic page in one language, without the learner's bits."""

    title: str
    #: The page's content; slots ``standing``, ``lesson:<slug>`` and ``quiz``.
    body: Slotted


def lesson_page(course: Catalog, topic: Topic, lesson: Lesson, lang: str) -> LessonPage:
    """Return ``lesson``'s fixed page in ``lang`` (rendered on first use)."""
    return once(("lesson", lesson.slug, lang), lambda: _build_lesson(course, topic, lesson, lang), course)


def topic_page(course: Catalog, topic: Topic, lang: str) -> TopicPage:
    """Return ``topic``'s fixed page in ``lang`` (rendered on first use)."""
    return once(("topic", topic.name, lang), lambda: _build_topic(course, topic, lang), course)


def _build_lesson(course: Catalog, topic: Topic, lesson: Lesson, lang: str) -> LessonPage:
    text, fell_back = lesson.text(lang)
    before, after = neighbours(course, lesson.slug)
    quiz = course.quizzes.get(lesson.quiz) if lesson.quiz else None
    prerequisites = [course.lessons[s] for s in lesson.prerequisites if s in course.lessons]
    html = macro(
        PARTS,
        "lesson",
        topic,
        lesson,
        text,
        fell_back,
        prerequisites,
        before,
        after,
        demo_links(lesson.demos),
        quiz,
        lang,
    )
    return LessonPage(text.title, hosts_playground(text.html), Slotted.cut(html))


def _build_topic(course: Catalog, topic: Topic, lang: str) -> TopicPage:
    lessons = course.topic_lessons(topic.name)
    endpoints = [endpoint for lesson in lessons for endpoint in lesson.demos]
    endpoints += topic_demo_endpoints(topic.name)
    html = macro(
        PARTS,
        "topic",
        topic,
        lessons,
        demo_links(endpoints),
        quiz_for_topic(course, topic.name),
        lang,
    )
    return TopicPage(topic.title(lang), Slotted.cut(html))
