"""The review page: due FSRS cards one at a time, answered again and rated from the keyboard."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.content.model import Catalog
from app.content.model import Question
from app.learn.answers import raw_from_form
from app.learn.lookup import catalog
from app.practice import bp
from app.progress import clock
from app.progress import reviews
from app.progress import service
from app.progress.identity import current_learner_id
from app.progress.identity import ensure_learner
from app.topics import TOPICS_BY_NAME

#: New cards a learner may start on the review page per day, unless configured.
DEFAULT_NEW_PER_DAY = 20


@dataclass(frozen=True)
class Position:
    """What the question partial shows above a question outside a quiz attempt."""

    number: int
    total: int
    answered: list = field(default_factory=list)
    attempt: None = None


def new_per_day() -> int:
    """Return the daily new-card limit (``REVIEW_NEW_CARDS_PER_DAY``)."""
    return int(current_app.config.get("REVIEW_NEW_CARDS_PER_DAY", DEFAULT_NEW_PER_DAY))


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of ``now``'s UTC day."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def topic_filter(course: Catalog) -> tuple[str | None, list[str] | None]:
    """Return the ``topic`` argument and its quiz ids (None: every topic); 404 for an unknown topic."""
    topic = request.args.get("topic") or request.form.get("topic") or None
    if topic is None:
        return None, None
    if topic not in TOPICS_BY_NAME:
        abort(404)
    return topic, [quiz.id for quiz in course.quizzes.values() if quiz.topic == topic]


def quiz_topics(course: Catalog) -> list[str]:
    """Return the names of the topics that have a quiz, in course order."""
    names = {quiz.topic for quiz in course.quizzes.values()}
    return [name for name in TOPICS_BY_NAME if name in names]


@bp.get("/review")
def review_page():
    """Show the next due card (two statements: the queue's counts, then the card)."""
    return render_review()


def render_review(question: Question | None = None, error: str | None = None):
    """Render the review page at the next due card, or at ``question`` with an error."""
    course = catalog()
    topic, quiz_ids = topic_filter(course)
    learner_id = current_learner_id()
    now = clock.now()
    start, end = day_bounds(now)
    overview = reviews.overview(learner_id, quiz_ids, now, start, end)
    new_left = max(0, new_per_day() - overview.introduced_today)
    due_now = overview.due_now(new_left)
    if question is None and learner_id is not None and due_now:
        for card in reviews.due_cards(learner_id, quiz_ids, now, allow_new=new_left > 0):
            question = course.questions.get(card.question_id)
            if question is not None:
                break
    rv = render_template(
        "practice/review.html",
        question=question,
        overview=overview,
        due_now=due_now,
        new_left=new_left,
        new_per_day=new_per_day(),
        now=now,
        topic=topic,
        topics=quiz_topics(course),
        state=Position(1, max(due_now, 1)),
        error=error,
        answer_url=url_for(".review_answer", topic=topic),
        order_seed=f"review-{now.date()}",
    )
    return (rv, 400) if error else rv


@bp.post("/review/answer")
def review_answer():
    """Grade the answer to a due card and reschedule it; show the verdict (flashcards: the next card)."""
    course = catalog()
    topic, _quiz_ids = topic_filter(course)
    question = course.questions.get(request.form.get("question_id", ""))
    if question is None:
        abort(400, _("This question is not part of the course."))
    try:
        done = service.review_answer(
            ensure_learner(), question, raw_from_form(question, request.form), request.form.get("duration_ms")
        )
    except service.ProgressError as exc:
        return render_review(question, _(exc.message))
    if question.type == "flashcard":
        flash(_("Rated. Press u to undo."), "success")
        return redirect(url_for(".review_page", topic=topic), code=303)
    return redirect(url_for(".review_feedback", log_id=done.log.id, topic=topic), code=303)


@bp.get("/review/feedback/<int:log_id>")
def review_feedback(log_id: int):
    """Show the verdict on a review answer beside the right one, and when the card is due next."""
    course = catalog()
    topic, _quiz_ids = topic_filter(course)
    found = reviews.load_log(current_learner_id(), log_id)
    if found is None:
        abort(404)
    log, question_id = found
    score = log.score or 0.0
    kind = "correct" if score >= 1 else "partial" if score > 0 else "incorrect"
    return render_template(
        "practice/review_feedback.html",
        log=log,
        question=course.questions.get(question_id),
        kind=kind,
        score=score,
        topic=topic,
    )


@bp.post("/review/undo")
def review_undo():
    """Take back the latest rating: the card is restored from the log as it was before."""
    course = catalog()
    topic, _quiz_ids = topic_filter(course)
    card = service.undo_last_review(ensure_learner())
    if card is None:
        flash(_("There is no rating to undo."), "info")
    else:
        flash(_("Last rating undone."), "success")
    return redirect(url_for(".review_page", topic=topic), code=303)


@bp.post("/review/leeches")
def review_leech():
    """Put a leech back into review, due now, once the learner has re-read its lesson."""
    question = catalog().questions.get(request.form.get("question_id", ""))
    if question is None:
        abort(400, _("This question is not part of the course."))
    if service.unsuspend(ensure_learner(), question) is None:
        abort(404)
    flash(_("The card is back in your review queue."), "success")
    return redirect(url_for(".review_page"), code=303)
