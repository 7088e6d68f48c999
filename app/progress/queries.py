"""Read a learner's progress rows in one go, for the pages that summarize them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.service import as_utc


@dataclass(frozen=True)
class LessonState:
    """A lesson the learner opened: when, and when they finished it."""

    slug: str
    started_at: datetime
    completed_at: datetime | None

    @property
    def is_completed(self) -> bool:
        """Return whether the lesson was marked as done."""
        return self.completed_at is not None


@dataclass(frozen=True)
class AttemptState:
    """A quiz attempt, without its answers."""

    id: int
    quiz_id: str
    mode: str
    question_ids: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    score: float | None


@dataclass(frozen=True)
class ResponseState:
    """One stored answer with the quiz it belongs to."""

    attempt_id: int
    quiz_id: str
    question_id: str
    correct: bool
    score: float
    answered_at: datetime


@dataclass(frozen=True)
class Snapshot:
    """Everything stored about one learner, read once per page."""

    lessons: dict[str, LessonState] = field(default_factory=dict)
    attempts: tuple[AttemptState, ...] = ()
    responses: tuple[ResponseState, ...] = ()


EMPTY = Snapshot()


def load_snapshot(learner_id: int | None) -> Snapshot:
    """Return the learner's lessons, attempts and answers (empty for ``None``)."""
    if learner_id is None:
        return EMPTY
    lessons = {
        row.lesson_slug: LessonState(row.lesson_slug, as_utc(row.started_at), _utc_or_none(row.completed_at))
        for row in db.session.scalars(
            sa.select(LessonProgress).where(LessonProgress.learner_id == learner_id)
        )
    }
    attempts = tuple(
        AttemptState(
            id=row.id,
            quiz_id=row.quiz_id,
            mode=row.mode,
            question_ids=tuple(row.question_ids or ()),
            started_at=as_utc(row.started_at),
            finished_at=_utc_or_none(row.finished_at),
            score=row.score,
        )
        for row in db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.learner_id == learner_id)
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    )
    rows = db.session.execute(
        sa.select(
            QuestionResponse.attempt_id,
            QuizAttempt.quiz_id,
            QuestionResponse.question_id,
            QuestionResponse.correct,
            QuestionResponse.score,
            QuestionResponse.answered_at,
        )
        .join(QuizAttempt, QuizAttempt.id == QuestionResponse.attempt_id)
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(QuestionResponse.answered_at, QuestionResponse.id)
    )
    responses = tuple(
        ResponseState(
            row.attempt_id, row.quiz_id, row.question_id, row.correct, row.score, as_utc(row.answered_at)
        )
        for row in rows
    )
    return Snapshot(lessons=lessons, attempts=attempts, responses=responses)


#: Built once: an attempt of the learner's, with its answers (the result page).
LOAD_ATTEMPT = (
    sa.select(QuizAttempt)
    .where(QuizAttempt.id == sa.bindparam("attempt_id"), QuizAttempt.learner_id == sa.bindparam("learner_id"))
    .options(joinedload(QuizAttempt.responses))
)
#: Built once: the attempt holding one of the learner's answers, with all of them (feedback page).
LOAD_RESPONSE_ATTEMPT = (
    sa.select(QuizAttempt)
    .join(QuestionResponse, QuestionResponse.attempt_id == QuizAttempt.id)
    .where(
        QuestionResponse.id == sa.bindparam("response_id"),
        QuizAttempt.learner_id == sa.bindparam("learner_id"),
    )
    .options(joinedload(QuizAttempt.responses))
)


def load_attempt(learner_id: int | None, attempt_id: int) -> QuizAttempt | None:
    """Return attempt ``attempt_id`` with its answers if it belongs to the learner: one statement."""
    if learner_id is None:
        return None
    params = {"attempt_id": attempt_id, "learner_id": learner_id}
    return db.session.scalars(LOAD_ATTEMPT, params).unique().one_or_none()


#: The learner's most recently finished attempt at a quiz with its answers (the result page
#: lists them): one statement, built once.
LATEST_FINISHED_ATTEMPT = (
    sa.select(QuizAttempt)
    .where(
        QuizAttempt.learner_id == sa.bindparam("learner_id"),
        QuizAttempt.quiz_id == sa.bindparam("quiz_id"),
        QuizAttempt.finished_at.is_not(None),
    )
    .order_by(QuizAttempt.finished_at.desc(), QuizAttempt.id.desc())
    .limit(1)
    .options(joinedload(QuizAttempt.responses))
)


def latest_finished_attempt(learner_id: int, quiz_id: str) -> QuizAttempt | None:
    """Return the learner's most recently finished attempt at a quiz, with its answers."""
    params = {"learner_id": learner_id, "quiz_id": quiz_id}
    return db.session.scalars(LATEST_FINISHED_ATTEMPT, params).unique().first()


def load_response(learner_id: int | None, response_id: int) -> QuestionResponse | None:
    """Return stored answer ``response_id`` if it belongs to the learner, with its attempt's answers.

    One statement: the attempt holding the answer, joined with all of its answers.
    """
    if learner_id is None:
        return None
    params = {"response_id": response_id, "learner_id": learner_id}
    attempt = db.session.scalars(LOAD_RESPONSE_ATTEMPT, params).unique().one_or_none()
    if attempt is None:
        return None
    response = next((response for response in attempt.responses if response.id == response_id), None)
    # Reading the back reference now (from the identity map, no SQL) keeps the attempt alive.
    return response if response is not None and response.attempt is attempt else None


def _utc_or_none(moment: datetime | None) -> datetime | None:
    """Return ``moment`` in UTC, keeping ``None``."""
    return as_utc(moment) if moment is not None else None


# The dashboard's bounded reads ------------------------------------------------------------

#: How many of the latest attempts the dashboard looks into for answer days and open attempts.
RECENT_ATTEMPTS = 100


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt not finished yet: how many questions were answered, and when the last one."""

    attempt_id: int
    quiz_id: str
    count: int
    last_answered_at: datetime


@dataclass(frozen=True)
class RecentAnswers:
    """The days with an answer and the open attempts, among the learner's latest attempts."""

    days: frozenset[date] = frozenset()
    open_attempts: tuple[OpenAttempt, ...] = ()


NO_ANSWERS = RecentAnswers()


def _answer_day(dialect: str):
    """Return the SQL expression of an answer's day in UTC, in ``dialect``."""
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", QuestionResponse.answered_at), sa.Date)
    return sa.func.date(QuestionResponse.answered_at)


@functools.cache
def _recent_answers_statement(dialect: str) -> sa.Select:
    """Build the answer-days statement once per process and dialect (its values are bound per call)."""
    latest = (
        sa.select(QuizAttempt.id, QuizAttempt.quiz_id, QuizAttempt.finished_at)
        .where(QuizAttempt.learner_id == sa.bindparam("learner_id"))
        .order_by(QuizAttempt.id.desc())
        .limit(sa.bindparam("attempts"))
        .subquery()
    )
    day = _answer_day(dialect).label("day")
    return (
        sa.select(
            latest.c.id,
            latest.c.quiz_id,
            latest.c.finished_at.is_(None).label("open"),
            day,
            sa.func.count(),
            sa.func.max(QuestionResponse.answered_at),
        )
        .join(QuestionResponse, QuestionResponse.attempt_id == latest.c.id)
        .group_by(latest.c.id, latest.c.quiz_id, latest.c.finished_at, day)
    )


def recent_answers(learner_id: int | None, attempts: int = RECENT_ATTEMPTS) -> RecentAnswers:
    """Return the answer days and open attempts among the latest ``attempts``: one statement.

    The attempts are the newest by id (the learner's index), and their answers are read
    grouped by attempt and day, so the rows are bounded by ``attempts`` and the size of
    a quiz whatever the length of the history.
    """
    if learner_id is None:
        return NO_ANSWERS
    statement = _recent_answers_statement(db.session.get_bind().dialect.name)
    rows = db.session.execute(statement, {"learner_id": learner_id, "attempts": attempts})
    days: set[date] = set()
    unfinished: dict[int, OpenAttempt] = {}
    for attempt_id, quiz_id, is_open, answered_on, count, last in rows:
        days.add(answered_on if isinstance(answered_on, date) else date.fromisoformat(answered_on))
        if is_open:
            last = as_utc(last)
            seen = unfinished.get(attempt_id)
            if seen is not None:
                count += seen.count
                last = max(last, seen.last_answered_at)
            unfinished[attempt_id] = OpenAttempt(attempt_id, quiz_id, count, last)
    return RecentAnswers(frozenset(days), tuple(unfinished.values()))


#: Built once: every question the learner answered, with its latest score.
QUESTION_SCORES = sa.select(
    QuestionSummary.question_id, QuestionSummary.quiz_id, QuestionSummary.last_score
).where(QuestionSummary.learner_id == sa.bindparam("learner_id"))


def question_scores(learner_id: int | None) -> list[tuple[str, str, float]]:
    """Return (question id, quiz id, latest score) of every question answered: one statement."""
    if learner_id is None:
        return []
    return [tuple(row) for row in db.session.execute(QUESTION_SCORES, {"learner_id": learner_id})]
