"""The interview drill: a timed run of questions, kept and judged on the server."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.learn.answers import raw_from_form
from app.learn.lookup import catalog
from app.practice import bp
from app.practice.review import Position
from app.practice.review import quiz_topics
from app.progress import clock
from app.progress import drills
from app.progress import reviews
from app.progress import service
from app.progress.cards import as_utc
from app.progress.identity import current_learner_id
from app.progress.identity import ensure_learner
from app.progress.models import Drill


def int_field(name: str, default: int, low: int, high: int) -> int:
    """Return a whole-number form field within ``low``..``high`` (400 otherwise)."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or not low <= int(raw) <= high:
        abort(
            400,
            _("%(field)s must be a whole number from %(low)d to %(high)d.", field=name, low=low, high=high),
        )
    return int(raw)


@bp.get("/drill")
def drill_page():
    """Show the drill form (topics, length, time), the running drill to resume, and past drills."""
    learner_id = current_learner_id()
    history = reviews.recent_drills(learner_id, limit=10)
    running = next((drill for drill in history if not drill.is_finished), None)
    return render_template(
        "practice/drill.html",
        topics=quiz_topics(catalog()),
        history=history,
        running=running,
        default_length=drills.DEFAULT_LENGTH,
        default_minutes=drills.DEFAULT_MINUTES,
        max_length=drills.MAX_LENGTH,
        max_minutes=drills.MAX_MINUTES,
    )


@bp.post("/drill")
def drill_start():
    """Start a drill (a running one is ended and kept with its score)."""
    course = catalog()
    known = set(quiz_topics(course))
    topics = [topic for topic in request.form.getlist("topic") if topic in known]
    if not topics:
        abort(400, _("Choose at least one topic."))
    length = int_field("length", drills.DEFAULT_LENGTH, 1, drills.MAX_LENGTH)
    minutes = int_field("minutes", drills.DEFAULT_MINUTES, 1, drills.MAX_MINUTES)
    try:
        drill = drills.start_drill(ensure_learner(), course, topics, length, minutes)
    except service.ProgressError as exc:
        abort(400, _(exc.message))
    return redirect(url_for(".drill_run", drill_id=drill.id), code=303)


def drill_or_404(drill_id: int) -> Drill:
    """Return the current learner's drill ``drill_id``, or answer 404."""
    drill = reviews.load_drill(current_learner_id(), drill_id)
    if drill is None:
        abort(404)
    return drill


@bp.get("/drill/<int:drill_id>")
def drill_run(drill_id: int):
    """Show the drill's current question with its timers; an ended drill shows its result."""
    drill = drills.expire_if_late(drill_or_404(drill_id))
    if drill.is_finished:
        return redirect(url_for(".drill_result", drill_id=drill.id), code=303)
    return render_run(drill)


def render_run(drill: Drill, error: str | None = None):
    """Render the running drill at its current question."""
    course = catalog()
    question_id = drills.current_question_id(drill)
    question = course.questions.get(question_id or "")
    if question is None:
        abort(404)
    rv = render_template(
        "practice/drill_run.html",
        drill=drill,
        question=question,
        state=Position(len(drill.answers) + 1, len(drill.question_ids), list(drill.answers)),
        now=clock.now(),
        deadline=as_utc(drill.deadline),
        shown_at=as_utc(drill.shown_at),
        answer_url=url_for(".drill_answer", drill_id=drill.id),
        order_seed=f"drill-{drill.id}",
        write_first=True,
        error=error,
    )
    return (rv, 400) if error else rv


@bp.post("/drill/<int:drill_id>/answer")
def drill_answer(drill_id: int):
    """Store the answer to the current question if it came in time; a late one ends the drill."""
    drill = drill_or_404(drill_id)
    question = catalog().questions.get(request.form.get("question_id", ""))
    if question is None:
        abort(400, _("This question is not part of the course."))
    try:
        drills.answer(
            ensure_learner(),
            drill,
            question,
            raw_from_form(question, request.form),
            request.form.get("written", "")[:2000],
        )
    except drills.DrillOver:
        flash(_("Time is up: the drill has ended and the late answer was not counted."), "warning")
        return redirect(url_for(".drill_result", drill_id=drill.id), code=303)
    except service.AttemptClosed:
        return redirect(url_for(".drill_result", drill_id=drill.id), code=303)
    except service.ProgressError as exc:
        return render_run(drill, _(exc.message))
    if drill.is_finished:
        return redirect(url_for(".drill_result", drill_id=drill.id), code=303)
    return redirect(url_for(".drill_run", drill_id=drill.id), code=303)


@bp.post("/drill/<int:drill_id>/end")
def drill_end(drill_id: int):
    """End the drill now (or when its timer ran out) and show the result."""
    drills.give_up(ensure_learner(), drill_or_404(drill_id))
    return redirect(url_for(".drill_result", drill_id=drill_id), code=303)


@bp.get("/drill/<int:drill_id>/result")
def drill_result(drill_id: int):
    """Show the drill's score per topic, time per question and every answer beside the right one."""
    drill = drills.expire_if_late(drill_or_404(drill_id))
    if not drill.is_finished:
        return redirect(url_for(".drill_run", drill_id=drill.id), code=303)
    course = catalog()
    rows = []
    per_topic: dict[str, list[float]] = {}
    for question_id in drill.question_ids:
        question = course.questions.get(question_id)
        entry = drill.answers.get(question_id)
        topic = (
            course.quizzes[question.quiz_id].topic if question and question.quiz_id in course.quizzes else "?"
        )
        per_topic.setdefault(topic, []).append(float(entry["score"]) if entry else 0.0)
        rows.append((question, entry))
    scores = {topic: sum(values) / len(values) for topic, values in per_topic.items()}
    return render_template(
        "practice/drill_result.html",
        drill=drill,
        rows=rows,
        scores=scores,
        missed=len(drills.missed_ids(drill)),
    )


@bp.post("/drill/<int:drill_id>/review-missed")
def drill_review_missed(drill_id: int):
    """Make the cards of the drill's missed questions due now."""
    drill = drill_or_404(drill_id)
    count = drills.review_missed(ensure_learner(), drill, catalog())
    flash(_("%(count)d questions added to your review queue, due now.", count=count), "success")
    return redirect(url_for(".review_page"), code=303)
