"""A playground on a page of its own: ``/playground/<id>`` for every playground of the course.

Lesson snippets open here ("Open in the playground"), and a playground shown where the page
did not load the playground's script (a quiz answer's explanation fetched as JSON) links
here. The page is the catalog's pre-rendered block: no Markdown, no file, no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask import render_template
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.content import get_catalog
from app.content.model import Catalog
from app.content.model import PlaygroundEntry
from app.content.model import pick
from app.playground import bp

#: Longest playground id looked up (ids are ``slug.lang.kindN``).
MAX_ID = 200


@dataclass(frozen=True)
class Home:
    """Where a playground comes from: the page to go back to, and its title."""

    url: str
    title: str


def home_of(catalog: Catalog, entry: PlaygroundEntry) -> Home:
    """Return the lesson or the quiz that holds the playground."""
    lang = str(get_locale() or "en")
    if entry.lesson in catalog.lessons:
        lesson = catalog.lessons[entry.lesson]
        text, _fell_back = lesson.text(entry.lang)
        return Home(url_for("learn.lesson_page", topic=lesson.topic, slug=lesson.slug), text.title)
    question = catalog.questions.get(entry.question or "")
    quiz = catalog.quizzes.get(question.quiz_id) if question else None
    if quiz is not None:
        title = _("Quiz: %(title)s", title=pick(quiz.title, lang)[0])
        return Home(url_for("learn.quiz_page", topic=quiz.topic), title)
    return Home(url_for("main.index"), _("Course map"))


@bp.get("/<block_id>")
def playground_page(block_id: str):
    """Show one playground of the course, with the lesson or quiz it comes from."""
    catalog = get_catalog()
    entry = catalog.playgrounds.get(block_id[:MAX_ID])
    if entry is None:
        abort(404, _("There is no playground with that id."))
    return render_template("playground/page.html", entry=entry, home=home_of(catalog, entry))
