"""One quiz question on its own page: ``GET /topics/<topic>/questions/<question_id>``.

Search sends a question hit here. The page shows the question as the quiz does, but
read-only (no form, nothing recorded), the right answer and the explanation folded in a
``<details>``, and links to the lesson section that teaches it and to the quiz. Everything
comes from the catalog: the page reads nothing from the database. A code challenge shows its
visible tests only; its hidden tests are never on this page.
"""

from __future__ import annotations

from flask import abort
from flask import render_template

from app.content.model import Catalog
from app.content.model import Question
from app.learn import bp
from app.learn.lookup import catalog
from app.learn.lookup import quiz_or_404
from app.learn.lookup import topic_or_404
from app.main.routes import current_lang
from app.practice.links import LessonLink
from app.practice.links import teaching_link


def question_or_404(course: Catalog, topic: str, question_id: str) -> Question:
    """Return question ``question_id`` of the quiz of ``topic``, or answer 404.

    A question of another topic's quiz is a 404 too: each question has one address.
    """
    quiz = quiz_or_404(course, topic)
    question = course.questions.get(question_id)
    if question is None or question.quiz_id != quiz.id:
        abort(404)
    return question


def section_title(course: Catalog, link: LessonLink, lang: str) -> str:
    """Return the title of the heading ``link`` points at, in ``lang`` ("" for the lesson's top)."""
    lesson = course.lessons.get(link.slug)
    if lesson is None or not link.anchor:
        return ""
    text, _ = lesson.text(lang)
    return next((heading.title for heading in text.toc if heading.id == link.anchor), "")


@bp.get("/topics/<topic>/questions/<question_id>")
def question_page(topic: str, question_id: str):
    """Show one question read-only, its answer behind "Show the answer", and where it is taught."""
    topic_obj = topic_or_404(topic)
    course = catalog()
    question = question_or_404(course, topic, question_id)
    link = teaching_link(course, question)
    return render_template(
        "learn/question.html",
        topic=topic,
        topic_obj=topic_obj,
        question=question,
        link=link,
        section=section_title(course, link, current_lang()) if link else "",
    )
