"""The one place that writes progress rows; every public function owns its transaction.

Views call these functions and never commit. Grading itself is pure
(``app.content.grading``): this module judges an answer first, then writes the result.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.content.coercion import request_gettext as _
from app.content.grading import InvalidAnswer
from app.content.grading import Result
from app.content.grading import coerce_answer
from app.content.grading import grade
from app.content.model import Question
from app.content.model import Quiz
from app.extensions import db
from app.models import User
from app.models import utcnow
from app.progress import cards
from app.progress import clock
from app.progress.models import ATTEMPT_MODES
from app.progress.models import Drill
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.models import QuizSummary
from app.progress.models import ReviewCard
from app.progress.models import ReviewLog

T = TypeVar("T")


class ProgressError(ValueError):
    """A request the progress service refuses; its message is shown to the learner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownQuestion(ProgressError):
    """The question id is not part of the quiz or the attempt."""


class BadAnswer(ProgressError):
    """The answer has the wrong type or is too large for the question."""


class AttemptClosed(ProgressError):
    """The attempt is finished, or belongs to another learner or quiz."""


@dataclass(frozen=True)
class Submission:
    """What recording an answer produced: the stored row, its grade, the attempt."""

    attempt: QuizAttempt
    response: QuestionResponse
    result: Result
    #: False when the same question was already answered in this attempt.
    created: bool


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block wrote, or roll it all back if it raises.

    During a GET the session has been reading without a transaction (on PostgreSQL):
    ``writing()`` opens a real one, so the block's writes are atomic.
    """
    with db.session().writing():
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (SQLite hands back naive ones)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _insert_once(row: T, find: Callable[[], T | None]) -> T:
    """Insert ``row``; if a concurrent request inserted its twin first, return that one."""
    try:
        with transaction():
            db.session.add(row)
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing
    return row


# Learners ------------------------------------------------------------------------------


def find_user_learner(user_id: int) -> Learner | None:
    """Return the learner that belongs to the account ``user_id``, if any."""
    return db.session.scalar(sa.select(Learner).where(Learner.user_id == user_id))


def learner_for_user(user: User) -> Learner:
    """Return the account's learner, creating it on first use."""
    learner = find_user_learner(user.id)
    if learner is not None:
        return learner
    return _insert_once(Learner(user_id=user.id), lambda: find_user_learner(user.id))


def find_anonymous_learner(key: str) -> Learner | None:
    """Return the anonymous learner named by ``key``, if there is one."""
    return db.session.scalar(
        sa.select(Learner).where(Learner.anonymous_key == key, Learner.user_id.is_(None))
    )


def anonymous_learner(key: str) -> Learner:
    """Return the anonymous learner named by ``key``, creating it once however many requests race."""
    learner = find_anonymous_learner(key)
    if learner is not None:
        return learner
    return _insert_once(Learner(anonymous_key=key), lambda: find_anonymous_learner(key))


def new_anonymous_learner() -> Learner:
    """Create a learner that no account owns yet, under a fresh random key."""
    return anonymous_learner(secrets.token_hex(32))


def claim(anonymous_id: int | None, user: User) -> Learner:
    """Give ``user`` the progress of the anonymous learner ``anonymous_id``, merged.

    Lessons the account already has keep the earliest start and the earliest
    completion; attempts (and their answers) move over whole, so every score,
    including the best one, is kept. The anonymous learner is then deleted.
    """
    anonymous = db.session.get(Learner, anonymous_id) if anonymous_id is not None else None
    if anonymous is None or not anonymous.is_anonymous:
        return learner_for_user(user)
    mine = find_user_learner(user.id)
    with transaction():
        anonymous.anonymous_key = None
        if mine is None:
            anonymous.user_id = user.id
            return anonymous
        _merge_lessons(anonymous.id, mine.id)
        _merge_attempts(anonymous.id, mine.id)
        _merge_summaries(anonymous.id, mine.id)
        _merge_practice(anonymous.id, mine.id)
        db.session.delete(anonymous)
    return mine


def _merge_lessons(source_id: int, target_id: int) -> None:
    """Move lesson rows from one learner to another, folding rows for the same lesson."""
    theirs = {row.lesson_slug: row for row in _lesson_rows(target_id)}
    for row in _lesson_rows(source_id):
        kept = theirs.get(row.lesson_slug)
        if kept is None:
            row.learner_id = target_id
            continue
        kept.started_at = min(as_utc(kept.started_at), as_utc(row.started_at))
        done = [as_utc(moment) for moment in (kept.completed_at, row.completed_at) if moment is not None]
        kept.completed_at = min(done) if done else None
        db.session.delete(row)


def _merge_attempts(source_id: int, target_id: int) -> None:
    """Move attempts from one learner to another, renumbering each quiz's attempts by start time."""
    rows = list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.learner_id.in_((source_id, target_id)))
            .order_by(QuizAttempt.quiz_id, QuizAttempt.started_at, QuizAttempt.id)
        )
    )
    numbers: dict[str, int] = {}
    for row in rows:
        numbers[row.quiz_id] = numbers.get(row.quiz_id, 0) + 1
        # Negative first: no row may take a number another still holds in the same flush.
        row.number = -numbers[row.quiz_id]
        row.learner_id = target_id
    db.session.flush()
    for row in rows:
        row.number = -row.number
    db.session.flush()


def _merge_summaries(source_id: int, target_id: int) -> None:
    """Fold one learner's question and quiz summaries into another's."""
    questions = {row.question_id: row for row in _rows(QuestionSummary, target_id)}
    for row in _rows(QuestionSummary, source_id):
        kept = questions.get(row.question_id)
        if kept is None:
            row.learner_id = target_id
            continue
        kept.mastered = kept.mastered or row.mastered
        if as_utc(row.last_answered_at) > as_utc(kept.last_answered_at):
            kept.last_score, kept.last_answered_at = row.last_score, row.last_answered_at
        db.session.delete(row)
    quizzes = {row.quiz_id: row for row in _rows(QuizSummary, target_id)}
    for row in _rows(QuizSummary, source_id):
        kept = quizzes.get(row.quiz_id)
        if kept is None:
            row.learner_id = target_id
            continue
        scores = [score for score in (kept.best_score, row.best_score) if score is not None]
        kept.best_score = max(scores) if scores else None
        kept.finished_attempts += row.finished_attempts
        db.session.delete(row)
    db.session.flush()


def _merge_practice(source_id: int, target_id: int) -> None:
    """Move cards, review logs and drills over; of two cards for one question keep the later one."""
    kept = {row.question_id: row for row in _rows(ReviewCard, target_id)}
    for row in _rows(ReviewCard, source_id):
        twin = kept.get(row.question_id)
        mine_newer = twin is not None and (
            twin.last_review is not None
            and (row.last_review is None or as_utc(twin.last_review) >= as_utc(row.last_review))
        )
        if twin is not None and mine_newer:
            db.session.delete(row)
            continue
        if twin is not None:
            db.session.delete(twin)
            db.session.flush()
        row.learner_id = target_id
    db.session.flush()
    db.session.execute(
        sa.update(ReviewLog).where(ReviewLog.learner_id == source_id).values(learner_id=target_id)
    )
    db.session.execute(sa.update(Drill).where(Drill.learner_id == source_id).values(learner_id=target_id))


def _rows(model: type[T], learner_id: int) -> list[T]:
    """Return every row of a per-learner summary table for one learner."""
    return list(db.session.scalars(sa.select(model).where(model.learner_id == learner_id)))


def _lesson_rows(learner_id: int) -> list[LessonProgress]:
    """Return every lesson row of a learner."""
    return list(db.session.scalars(sa.select(LessonProgress).where(LessonProgress.learner_id == learner_id)))


# Lessons -------------------------------------------------------------------------------


def find_lesson_progress(learner_id: int, slug: str) -> LessonProgress | None:
    """Return the learner's row for lesson ``slug``, if they opened it."""
    return db.session.scalar(
        sa.select(LessonProgress).where(
            LessonProgress.learner_id == learner_id, LessonProgress.lesson_slug == slug
        )
    )


def start_lesson(learner_id: int, slug: str) -> LessonProgress:
    """Record that learner ``learner_id`` opened lesson ``slug`` (only the first time counts)."""
    row = find_lesson_progress(learner_id, slug)
    if row is not None:
        return row
    row = LessonProgress(learner_id=learner_id, lesson_slug=slug)
    return _insert_once(row, lambda: find_lesson_progress(learner_id, slug))


def complete_lesson(learner: Learner, slug: str) -> LessonProgress:
    """Record that the learner marked lesson ``slug`` as done (the first time counts)."""
    row = start_lesson(learner.id, slug)
    if row.completed_at is None:
        # Only a row still unfinished is updated, so of racing requests the first one wins.
        with transaction():
            db.session.execute(
                sa.update(LessonProgress)
                .where(LessonProgress.id == row.id, LessonProgress.completed_at.is_(None))
                .values(completed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        db.session.refresh(row)
    return row


# Quizzes -------------------------------------------------------------------------------


#: The learner's latest attempt at a quiz with its answers: one statement, built once (building
#: a select costs more than running it on SQLite). Every caller reads the answers next (the
#: question to ask, the answer already given, whether the attempt is complete).
LATEST_ATTEMPT = (
    sa.select(QuizAttempt)
    .where(
        QuizAttempt.learner_id == sa.bindparam("learner_id"),
        QuizAttempt.quiz_id == sa.bindparam("quiz_id"),
    )
    .order_by(QuizAttempt.number.desc())
    .limit(1)
    .options(joinedload(QuizAttempt.responses))
)


def latest_attempt(learner_id: int, quiz_id: str) -> QuizAttempt | None:
    """Return the learner's latest attempt at the quiz (highest number, finished or not) and its answers."""
    return db.session.scalars(LATEST_ATTEMPT, {"learner_id": learner_id, "quiz_id": quiz_id}).unique().first()


def find_open_attempt(learner_id: int, quiz_id: str) -> QuizAttempt | None:
    """Return the learner's latest attempt at the quiz if it is still unfinished."""
    latest = latest_attempt(learner_id, quiz_id)
    if latest is None or latest.is_finished:
        return None
    return latest


def _find_attempt_number(learner_id: int, quiz_id: str, number: int) -> QuizAttempt | None:
    """Return the learner's attempt ``number`` at the quiz."""
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.learner_id == learner_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.number == number,
        )
    )


def _next_attempt(
    learner: Learner, quiz: Quiz, mode: str, question_ids: list[str], latest: QuizAttempt | None
) -> QuizAttempt:
    """Insert the attempt after ``latest``; a request racing for the same number gets that row.

    The number must come from the very read that decided a new attempt was needed: a
    second read could see a twin committed meanwhile and number past it.
    """
    number = latest.number + 1 if latest is not None else 1
    attempt = QuizAttempt(
        learner_id=learner.id, quiz_id=quiz.id, number=number, mode=mode, question_ids=question_ids
    )
    return _insert_once(attempt, lambda: _find_attempt_number(learner.id, quiz.id, number))


#: What ``start_attempt`` may be asked for: an attempt's modes, and ``weak``, the questions
#: whose latest answer was wrong or partly right (stored as a ``missed`` attempt).
START_MODES = (*ATTEMPT_MODES, "weak")


def start_attempt(
    learner: Learner, quiz: Quiz, mode: str = "all", question_ids: list[str] | None = None
) -> QuizAttempt:
    """Begin a new attempt at ``quiz``: every question, or only ``question_ids`` (missed ones).

    Mode ``weak`` picks the questions itself, now: those of the quiz whose latest answer
    scored under full marks, as the dashboard's weakest topics count them.
    An unfinished earlier attempt is left as it is: its answers still count towards
    mastery, but it is no longer the open one.
    """
    if mode not in START_MODES:
        raise ProgressError(
            _(
                "Unknown quiz mode %(mode)s; use one of %(modes)s.",
                mode=repr(mode[:16]),
                modes=", ".join(START_MODES),
            )
        )
    if mode == "weak":
        question_ids = missed_by_latest_score(learner.id, quiz)
        if not question_ids:
            raise ProgressError(_("Nothing to practise: none of your latest answers in this quiz is wrong."))
        mode = "missed"
    known = [question.id for question in quiz.questions]
    if question_ids is None:
        chosen = known
    else:
        wanted = set(question_ids)
        chosen = [question_id for question_id in known if question_id in wanted]
    if not chosen:
        raise ProgressError(_("There are no questions to ask in this attempt."))
    return _next_attempt(learner, quiz, mode, chosen, latest_attempt(learner.id, quiz.id))


def missed_by_latest_score(learner_id: int, quiz: Quiz) -> list[str]:
    """Return the quiz's questions whose latest answer scored under 1, in quiz order: one statement.

    Read from the learner's per-question summaries, so bounded by the quiz's size.
    """
    known = [question.id for question in quiz.questions]
    missed = set(
        db.session.scalars(
            sa.select(QuestionSummary.question_id).where(
                QuestionSummary.learner_id == learner_id,
                QuestionSummary.question_id.in_(known),
                QuestionSummary.last_score < 1.0,
            )
        )
    )
    return [question_id for question_id in known if question_id in missed]


def find_question(quiz: Quiz, question_id: object) -> Question:
    """Return the question ``question_id`` of ``quiz``, or raise ``UnknownQuestion``."""
    if isinstance(question_id, str):
        for question in quiz.questions:
            if question.id == question_id:
                return question
    shown = str(question_id)[:80]
    raise UnknownQuestion(_("Question %(id)s is not part of this quiz.", id=repr(shown)))


def judge(question: Question, raw: object) -> tuple[Any, Result]:
    """Normalize and grade an answer without writing anything; raise ``BadAnswer``."""
    try:
        answer = coerce_answer(question, raw)
    except InvalidAnswer as exc:
        raise BadAnswer(str(getattr(exc, "message", None) or exc)) from exc
    return jsonable(answer), grade(question, answer)


def jsonable(value: Any) -> Any:
    """Return ``value`` with tuples and sets as lists, ready for a JSON column."""
    if isinstance(value, (tuple, list)):
        return [jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(item) for item in value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return value


def submit_answer(
    learner: Learner,
    quiz: Quiz,
    question_id: object,
    raw: object,
    attempt_id: int | None = None,
    duration_ms: object = None,
) -> Submission:
    """Grade an answer and store it in the learner's open attempt (started if needed).

    Answering a question twice in one attempt returns the first answer: the feedback
    shown the first time already gave the right answer away. The answer also rates the
    learner's review card for the question (``duration_ms``, the time taken, tells a
    fast right answer from a slow one), in the same transaction.
    """
    question = find_question(quiz, question_id)
    answer, result = judge(question, raw)
    attempt = _attempt_for_answer(learner, quiz, attempt_id)
    if question.id not in attempt.question_ids:
        raise UnknownQuestion(_("Question %(id)s is not part of this attempt.", id=repr(question.id)))
    # The attempt's answers are loaded already (with it, or by this read): no statement of its own.
    earlier = next((given for given in attempt.responses if given.question_id == question.id), None)
    if earlier is not None:
        return Submission(attempt, earlier, _stored_result(earlier, result), created=False)
    response = QuestionResponse(
        attempt=attempt,
        question_id=question.id,
        answer=answer,
        correct=bool(result.correct),
        score=float(result.score),
    )
    try:
        with transaction():
            db.session.add(response)
            db.session.flush()
            _summarize_answer(attempt, response)
            _finish_if_complete(attempt)
            rating = cards.rating_for(question, answer, result, cards.clean_duration(duration_ms))
            cards.rate(learner.id, question, rating, clock.now(), "quiz", cards.clean_duration(duration_ms))
    except IntegrityError:
        earlier = _find_response(attempt.id, question.id)
        if earlier is None:
            raise
        return Submission(earlier.attempt, earlier, _stored_result(earlier, result), created=False)
    return Submission(attempt, response, result, created=True)


def _attempt_for_answer(learner: Learner, quiz: Quiz, attempt_id: int | None) -> QuizAttempt:
    """Return the attempt an answer goes to: the one named, the open one, or a new one."""
    if attempt_id is None:
        latest = latest_attempt(learner.id, quiz.id)
        if latest is not None and not latest.is_finished:
            return latest
        return _next_attempt(learner, quiz, "all", [question.id for question in quiz.questions], latest)
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.learner_id != learner.id or attempt.quiz_id != quiz.id:
        raise AttemptClosed(_("This quiz attempt does not exist; reload the quiz and answer again."))
    if attempt.is_finished:
        raise AttemptClosed(_("This quiz attempt is already finished; start a new one to answer again."))
    return attempt


def _find_response(attempt_id: int, question_id: str) -> QuestionResponse | None:
    """Return the answer already stored for a question of an attempt."""
    return db.session.scalar(
        sa.select(QuestionResponse).where(
            QuestionResponse.attempt_id == attempt_id, QuestionResponse.question_id == question_id
        )
    )


def _stored_result(response: QuestionResponse, fresh: Result) -> Result:
    """Return the grade of a stored answer, worded like a fresh grading of it."""
    return replace(fresh, correct=response.correct, score=response.score)


def _finish_if_complete(attempt: QuizAttempt) -> None:
    """Close the attempt once every question has an answer.

    The answers are read again inside the transaction, after this one's flush, rather than
    taken from the list read with the attempt: an answer to another question that a
    parallel request committed in between counts too.
    """
    db.session.expire(attempt, ["responses"])
    answered = {response.question_id for response in attempt.responses}
    if all(question_id in answered for question_id in attempt.question_ids):
        _close(attempt)


def _close(attempt: QuizAttempt) -> None:
    """Set the finish time and the score: the mean over the questions asked (unanswered count 0)."""
    scores = {response.question_id: response.score for response in attempt.responses}
    attempt.finished_at = utcnow()
    attempt.score = sum(scores.get(question_id, 0.0) for question_id in attempt.question_ids) / max(
        1, len(attempt.question_ids)
    )
    _summarize_finish(attempt)


# Summaries: the few rows pages read instead of the history --------------------------------


def _upsert(model: type, values: dict[str, Any], keys: tuple[str, ...], changes) -> None:
    """Insert a summary row, or update the existing one with ``changes(excluded)`` (one statement)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes(statement.excluded)))


def _summarize_answer(attempt: QuizAttempt, response: QuestionResponse) -> None:
    """Fold a new answer into the learner's summary of that question."""
    _upsert(
        QuestionSummary,
        {
            "learner_id": attempt.learner_id,
            "question_id": response.question_id,
            "quiz_id": attempt.quiz_id,
            "mastered": response.correct,
            "last_score": response.score,
            "last_answered_at": response.answered_at,
        },
        ("learner_id", "question_id"),
        lambda new: {
            "mastered": sa.or_(QuestionSummary.mastered, new.mastered),
            "last_score": new.last_score,
            "last_answered_at": new.last_answered_at,
        },
    )


def _summarize_finish(attempt: QuizAttempt) -> None:
    """Fold a finished attempt into the learner's summary of that quiz (best whole-quiz score)."""
    best = attempt.score if attempt.mode == "all" else None
    _upsert(
        QuizSummary,
        {
            "learner_id": attempt.learner_id,
            "quiz_id": attempt.quiz_id,
            "best_score": best,
            "finished_attempts": 1,
        },
        ("learner_id", "quiz_id"),
        lambda new: {
            "best_score": sa.case(
                (QuizSummary.best_score.is_(None), new.best_score),
                (new.best_score > QuizSummary.best_score, new.best_score),
                else_=QuizSummary.best_score,
            ),
            "finished_attempts": QuizSummary.finished_attempts + 1,
        },
    )


def finish_attempt(attempt: QuizAttempt) -> QuizAttempt:
    """Close an attempt that can no longer be completed (its last questions left the course)."""
    if not attempt.is_finished:
        with transaction():
            _close(attempt)
    return attempt


# Review: FSRS cards answered again on the review page ----------------------------------


@dataclass(frozen=True)
class Review:
    """What rating a card on the review page produced."""

    card: ReviewCard
    log: ReviewLog
    result: Result


def review_answer(learner: Learner, question: Question, raw: object, duration_ms: object = None) -> Review:
    """Grade an answer given on the review page and reschedule the learner's card for it.

    The card must exist and not be suspended: only answered questions are reviewed.
    """
    card = cards.find_card(learner.id, question.id)
    if card is None or card.suspended:
        raise UnknownQuestion("This card is not in your review queue.")
    answer, result = judge(question, raw)
    duration = cards.clean_duration(duration_ms)
    rating = cards.rating_for(question, answer, result, duration)
    with transaction():
        card, log = cards.rate(
            learner.id, question, rating, clock.now(), "review", duration, answer, float(result.score)
        )
    return Review(card, log, result)


def undo_last_review(learner: Learner) -> ReviewCard | None:
    """Take back the learner's latest rating on the review page; return the card, now as before."""
    log = cards.last_review_log(learner.id)
    if log is None:
        return None
    with transaction():
        card = cards.undo(log)
    return card


def unsuspend(learner: Learner, question: Question) -> ReviewCard | None:
    """Bring a leech back into review, due now (the learner re-read the lesson)."""
    card = cards.find_card(learner.id, question.id)
    if card is None:
        return None
    with transaction():
        card.lapses = 0
        cards.make_due(learner.id, question, clock.now())
    return card
