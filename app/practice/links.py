"""Where the course teaches a question: the lesson (and section) a leech should send the learner to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.content.catalog import lesson_url
from app.content.model import Catalog
from app.content.model import Question

#: The catalog the links were built for, and the links (rebuilt when the catalog changes).
_BUILT: tuple[Catalog, dict[str, LessonLink]] | None = None


@dataclass(frozen=True)
class LessonLink:
    """A lesson section that teaches a question."""

    slug: str
    topic: str
    anchor: str
    url: str


def slugify(text: str) -> str:
    """Return ``text`` the way heading ids are written: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def teaching_link(course: Catalog, question: Question) -> LessonLink | None:
    """Return the lesson section that teaches ``question`` (built once per catalog)."""
    global _BUILT
    if _BUILT is None or _BUILT[0] is not course:
        _BUILT = (course, build_links(course))
    return _BUILT[1].get(question.id)


def build_links(course: Catalog) -> dict[str, LessonLink]:
    """Map every question to its quiz's lesson, at the heading one of its tags names if any."""
    lessons_of: dict[str, list] = {}
    for slug in course.lesson_order:
        lesson = course.lessons[slug]
        if lesson.quiz:
            lessons_of.setdefault(lesson.quiz, []).append(lesson)
    rv: dict[str, LessonLink] = {}
    for quiz in course.quizzes.values():
        lessons = lessons_of.get(quiz.id, [])
        if not lessons:
            continue
        headings = [(lesson, heading.id) for lesson in lessons for heading in lesson.text("en")[0].toc]
        for question in quiz.questions:
            tags = [slugify(tag) for tag in question.tags if slugify(tag)]
            found = next(
                ((lesson, anchor) for tag in tags for lesson, anchor in headings if tag in anchor),
                (lessons[0], ""),
            )
            lesson, anchor = found
            rv[question.id] = LessonLink(
                lesson.slug, lesson.topic, anchor, lesson_url(lesson.topic, lesson.slug, anchor)
            )
    return rv
