"""Topic, lesson, quiz and dashboard pages: generic pages that work for every topic.

Views read through ``app.progress.queries`` and write only through
``app.progress.service``, which owns the transactions.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.content.model import Quiz
from app.content.model import pick
from app.errors import wants_json
from app.inputs import parse_id
from app.learn import bp
from app.learn import pages
from app.learn.answers import raw_from_form
from app.learn.chart import score_chart
from app.learn.lookup import catalog
from app.learn.lookup import lesson_or_404
from app.learn.lookup import neighbours
from app.learn.lookup import quiz_or_404
from app.learn.lookup import topic_or_404
from app.learn.quizstate import QuizState
from app.main.routes import current_lang
from app.progress import service
from app.progress import stats
from app.progress import summary as standings
from app.progress.identity import current_learner_id
from app.progress.identity import ensure_learner
from app.progress.identity import learner_lessons
from app.progress.identity import learner_standing
from app.progress.queries import LessonState
from app.progress.queries import latest_finished_attempt
from app.progress.queries import load_attempt
from app.progress.queries import load_response
from app.progress.queries import question_scores
from app.progress.queries import recent_answers
from app.progress.service import as_utc
from app.topics import TOPIC_NAMES


@bp.get("/topics/<topic>/")
def topic_page(topic: str):
    """Show a topic: its lessons, live demos and quiz, with the learner's status.

    The page's fixed parts are rendered once per language (``pages.topic_page``);
    the learner's standing in the topic is filled in.
    """
    topic_obj = topic_or_404(topic)
    course = catalog()
    _, standing = learner_standing(*standings.topic_scope(course, topic))
    return render_template(
        "learn/topic.html",
        page=pages.topic_page(course, topic_obj, current_lang()),
        lesson_slugs=[lesson.slug for lesson in course.topic_lessons(topic)],
        states=standing.lessons,
        progress=standings.topic_progress(course, topic, standing),
    )


@bp.get("/topics/<topic>/<slug>")
def lesson_page(topic: str, slug: str):
    """Show a lesson and record that a learner who already exists started it.

    A visitor without a learner (a crawler, a first look) creates nothing: the learner
    row, its session and its cookie come with the first real action (Mark as done, an
    answer). The page reads the states of the lesson and of its prerequisites.
    """
    topic_obj = topic_or_404(topic)
    course = catalog()
    lesson = lesson_or_404(course, topic, slug)
    learner_id, states = learner_lessons({slug, *lesson.prerequisites})
    if learner_id is not None and slug not in states:
        row = service.start_lesson(learner_id, slug)
        states[slug] = LessonState(slug, as_utc(row.started_at), None)
    state = states.get(slug)
    return render_template(
        "learn/lesson.html",
        page=pages.lesson_page(course, topic_obj, lesson, current_lang()),
        lesson=lesson,
        completed=state is not None and state.is_completed,
        states=states,
    )


@bp.post("/topics/<topic>/<slug>/done")
def complete_lesson(topic: str, slug: str):
    """Mark a lesson as done."""
    topic_or_404(topic)
    course = catalog()
    lesson = lesson_or_404(course, topic, slug)
    service.complete_lesson(ensure_learner(), lesson.slug)
    if wants_json():
        return jsonify(slug=lesson.slug, completed=True)
    flash(_("Lesson marked as done."), "success")
    after = neighbours(course, slug)[1]
    if after is not None:
        return redirect(url_for(".lesson_page", topic=after.topic, slug=after.slug), code=303)
    return redirect(url_for(".lesson_page", topic=topic, slug=slug), code=303)


# Quiz ----------------------------------------------------------------------------------


@bp.get("/topics/<topic>/quiz")
def quiz_page(topic: str):
    """Show the next question of the open attempt, or the last result with retry buttons."""
    topic_obj = topic_or_404(topic)
    quiz = quiz_or_404(catalog(), topic)
    learner_id = current_learner_id()
    attempt = service.find_open_attempt(learner_id, quiz.id) if learner_id is not None else None
    if attempt is not None:
        state = QuizState(quiz, attempt)
        if state.next_question is None:
            # Every question the course still has is answered: close the attempt.
            service.finish_attempt(attempt)
        else:
            return render_quiz(topic_obj.name, state)
    finished = latest_finished_attempt(learner_id, quiz.id) if learner_id is not None else None
    if finished is not None:
        return render_result(topic_obj.name, QuizState(quiz, finished), summary=True)
    return render_quiz(topic_obj.name, QuizState(quiz))


@bp.post("/topics/<topic>/quiz/answer")
def answer(topic: str):
    """Grade and store one answer; JSON for scripts, a redirect to the feedback for forms."""
    topic_obj = topic_or_404(topic)
    quiz = quiz_or_404(catalog(), topic)
    question_id, raw, attempt_id = read_answer_request(quiz)
    try:
        # The script sends the time taken (``duration_ms``): a right and fast answer rates the card Easy.
        duration_ms = request.get_json(silent=True).get("duration_ms") if request.is_json else None
        submission = service.submit_answer(ensure_learner(), quiz, question_id, raw, attempt_id, duration_ms)
    except service.ProgressError as exc:
        if wants_json():
            abort(400, exc.message)
        state = QuizState(quiz, service.find_open_attempt(current_learner_id() or 0, quiz.id))
        question = state.question(question_id) if isinstance(question_id, str) else None
        if question is None:
            abort(400, exc.message)
        return render_quiz(topic_obj.name, state, question=question, error=exc.message), 400
    if not wants_json():
        return redirect(url_for(".feedback", topic=topic, response_id=submission.response.id), code=303)
    state = QuizState(quiz, submission.attempt)
    question = state.question(submission.response.question_id)
    following = state.next_question
    return jsonify(
        question_id=submission.response.question_id,
        attempt_id=submission.attempt.id,
        correct=submission.result.correct,
        score=submission.result.score,
        kind=submission.result.kind,
        repeated=not submission.created,
        finished=submission.attempt.is_finished,
        answered=len(state.answered),
        total=state.total,
        feedback_html=render_template(
            "learn/_feedback.html",
            topic=topic_obj.name,
            state=state,
            question=question,
            response=submission.response,
            result=submission.result,
        ),
        next_html=(
            render_template("learn/_question.html", topic=topic_obj.name, state=state, question=following)
            if following is not None
            else None
        ),
        result_url=url_for(".attempt_page", topic=topic, attempt_id=submission.attempt.id),
    )


def read_answer_request(quiz: Quiz) -> tuple[object, object, int | None]:
    """Return (question id, raw answer, attempt id) from a JSON body or a form post."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, _("Send a JSON object with question_id and answer."))
        question_id, raw, attempt_id = data.get("question_id"), data.get("answer"), data.get("attempt_id")
    else:
        question_id, attempt_id = request.form.get("question_id"), request.form.get("attempt_id") or None
        state = QuizState(quiz)
        question = state.question(question_id) if question_id else None
        raw = raw_from_form(question, request.form) if question is not None else request.form.get("answer")
    if attempt_id is not None:
        attempt_id = parse_id(attempt_id, _("attempt id"))
    return question_id, raw, attempt_id


@bp.get("/topics/<topic>/quiz/feedback/<id:response_id>")
def feedback(topic: str, response_id: int):
    """Show the verdict on one answer, the right answer beside it, and the explanation."""
    topic_obj = topic_or_404(topic)
    quiz = quiz_or_404(catalog(), topic)
    response = load_response(current_learner_id(), response_id)
    if response is None or response.attempt.quiz_id != quiz.id:
        abort(404)
    state = QuizState(quiz, response.attempt)
    question = state.question(response.question_id)
    return render_template(
        "learn/feedback.html",
        topic=topic_obj.name,
        state=state,
        question=question,
        response=response,
        result=None,
    )


@bp.post("/topics/<topic>/quiz/start")
def start_quiz(topic: str):
    """Start over: the whole quiz, the questions missed in an earlier attempt, or the weak ones.

    Mode ``weak`` (the dashboard's "Practise the ones I missed") leaves the choice to the
    progress service: the questions whose latest answer was wrong or partly right.
    """
    topic_or_404(topic)
    quiz = quiz_or_404(catalog(), topic)
    mode = request.form.get("mode", "all")
    learner = ensure_learner()
    question_ids = None
    if mode == "missed":
        if not request.form.get("attempt_id"):
            abort(400, _("Say which attempt's missed questions to retry."))
        earlier = load_attempt(learner.id, parse_id(request.form["attempt_id"], _("attempt id")))
        if earlier is None or earlier.quiz_id != quiz.id:
            abort(404)
        question_ids = QuizState(quiz, earlier).missed_ids()
    try:
        service.start_attempt(learner, quiz, mode, question_ids)
    except service.ProgressError as exc:
        abort(400, exc.message)
    return redirect(url_for(".quiz_page", topic=topic), code=303)


@bp.get("/topics/<topic>/quiz/attempts/<id:attempt_id>")
def attempt_page(topic: str, attempt_id: int):
    """Show an attempt's score and every answer beside the right one."""
    topic_obj = topic_or_404(topic)
    quiz = quiz_or_404(catalog(), topic)
    attempt = load_attempt(current_learner_id(), attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(404)
    return render_result(topic_obj.name, QuizState(quiz, attempt), summary=False)


def render_quiz(topic: str, state: QuizState, question=None, error: str | None = None):
    """Render the quiz page at ``question`` (the next one by default)."""
    return render_template(
        "learn/quiz.html",
        topic=topic,
        state=state,
        question=question or state.next_question,
        error=error,
    )


def render_result(topic: str, state: QuizState, summary: bool):
    """Render an attempt's result; ``summary`` when it is the quiz page's landing view."""
    course = catalog()
    _, standing = learner_standing(*standings.topic_scope(course, topic))
    return render_template(
        "learn/result.html",
        topic=topic,
        state=state,
        summary=summary,
        best=standing.best.get(state.quiz.id),
        progress=standings.topic_progress(course, topic, standing),
    )


# Dashboard -----------------------------------------------------------------------------


@bp.get("/dashboard")
def dashboard():
    """Show the learner's completion, score history, weak spots, streak and activity.

    Every read is bounded by the size of the course or by a limit, never by the number
    of answers: the learner and their standing (2 statements), the last scores (1), the
    answer counts per question (1) and the recent days and open attempts (1).
    """
    course = catalog()
    lang = current_lang()
    learner_id, standing = learner_standing()
    progress = standings.course_progress(course, TOPIC_NAMES, standing)
    history = standings.score_history(learner_id)
    chart = score_chart(
        [
            (attempt.finished_at, attempt.score, quiz_title(course, attempt.quiz_id, lang))
            for attempt in history
        ],
        lang,
    )
    recent = recent_answers(learner_id)
    return render_template(
        "learn/dashboard.html",
        progress=progress,
        overall=stats.overall_fraction(progress),
        chart=chart,
        history=history,
        weakest=stats.weak_topics(course, question_scores(learner_id)),
        min_answers=stats.WEAK_TOPIC_MIN_ANSWERS,
        streak=stats.day_streak(
            stats.days_active(standing.lessons.values(), recent), datetime.now(UTC).date()
        ),
        activity=stats.latest_activity(standing.lessons.values(), history, recent),
        continue_slug=stats.continue_lesson(course, standing),
        has_progress=standing.has_progress,
    )


def quiz_title(course, quiz_id: str, lang: str) -> str:
    """Return a quiz's title in ``lang``; its id if the course no longer has it."""
    quiz = course.quizzes.get(quiz_id)
    return pick(quiz.title, lang)[0] if quiz else quiz_id
