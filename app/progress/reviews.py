"""Reads for the review queue, the drill history and the dashboard's practice panel.

Each function is one statement whose cost is bounded by the course (one card per
question) or by a time window, never by the length of the learner's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from app.extensions import db
from app.progress.cards import as_utc
from app.progress.models import Drill
from app.progress.models import ReviewCard
from app.progress.models import ReviewLog


@dataclass(frozen=True)
class Overview:
    """Where the learner's review queue stands now."""

    due_learned: int
    due_new: int
    introduced_today: int
    due_later_today: int
    next_due: datetime | None
    leeches: int

    def due_now(self, new_allowed: int) -> int:
        """Return how many cards can be reviewed now, given how many new ones may still start today."""
        return self.due_learned + min(self.due_new, max(0, new_allowed))


def _count(condition) -> sa.ColumnElement[int]:
    """Return ``sum(case when condition then 1 else 0)``, portable across SQLite and PostgreSQL."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _scope(statement, topic: bool):
    """Restrict a card query to the ``learner_id`` parameter and, with ``topic``, to ``quiz_ids``."""
    statement = statement.where(ReviewCard.learner_id == sa.bindparam("learner_id"))
    if topic:
        statement = statement.where(ReviewCard.quiz_id.in_(sa.bindparam("quiz_ids", expanding=True)))
    return statement


@cache
def _overview_statement(topic: bool) -> sa.Select:
    """Build the queue-counts statement once per process (its values are bound per request)."""
    now, start, end = sa.bindparam("now"), sa.bindparam("day_start"), sa.bindparam("day_end")
    active = ReviewCard.suspended.is_(False)
    return _scope(
        sa.select(
            _count(active & (ReviewCard.due <= now) & ReviewCard.introduced_at.is_not(None)),
            _count(active & (ReviewCard.due <= now) & ReviewCard.introduced_at.is_(None)),
            _count(ReviewCard.introduced_at >= start),
            _count(active & (ReviewCard.due > now) & (ReviewCard.due < end)),
            sa.func.min(sa.case((active & (ReviewCard.due > now), ReviewCard.due))),
            _count(ReviewCard.suspended),
        ),
        topic,
    )


@cache
def _due_statement(topic: bool, allow_new: bool) -> sa.Select:
    """Build the next-due-cards statement once per process."""
    statement = _scope(
        sa.select(ReviewCard).where(ReviewCard.suspended.is_(False), ReviewCard.due <= sa.bindparam("now")),
        topic,
    )
    if not allow_new:
        statement = statement.where(ReviewCard.introduced_at.is_not(None))
    return statement.order_by(ReviewCard.due, ReviewCard.id).limit(sa.bindparam("limit"))


def _params(learner_id: int, quiz_ids: Sequence[str] | None, **values) -> dict:
    """Return the bound values of a card statement."""
    rv = {"learner_id": learner_id, **values}
    if quiz_ids is not None:
        rv["quiz_ids"] = list(quiz_ids)
    return rv


def overview(
    learner_id: int | None,
    quiz_ids: Sequence[str] | None,
    now: datetime,
    day_start: datetime,
    day_end: datetime,
) -> Overview:
    """Return the queue's counts and the next due time, in one statement."""
    if learner_id is None:
        return Overview(0, 0, 0, 0, None, 0)
    params = _params(learner_id, quiz_ids, now=now, day_start=day_start, day_end=day_end)
    row = db.session.execute(_overview_statement(quiz_ids is not None), params).one()
    return Overview(int(row[0]), int(row[1]), int(row[2]), int(row[3]), as_utc(row[4]), int(row[5]))


def due_cards(
    learner_id: int, quiz_ids: Sequence[str] | None, now: datetime, allow_new: bool, limit: int = 5
) -> list[ReviewCard]:
    """Return the next few due cards, most overdue first (new ones only if ``allow_new``)."""
    statement = _due_statement(quiz_ids is not None, allow_new)
    return list(db.session.scalars(statement, _params(learner_id, quiz_ids, now=now, limit=limit)))


@cache
def _suspended_statement() -> sa.Select:
    """Build the leeches statement once per process."""
    return (
        _scope(sa.select(ReviewCard).where(ReviewCard.suspended.is_(True)), topic=False)
        .order_by(ReviewCard.lapses.desc(), ReviewCard.id)
        .limit(sa.bindparam("limit"))
    )


def suspended_cards(learner_id: int | None, limit: int = 20) -> list[ReviewCard]:
    """Return the learner's leeches, most lapsed first."""
    if learner_id is None:
        return []
    return list(db.session.scalars(_suspended_statement(), {"learner_id": learner_id, "limit": limit}))


@cache
def _daily_statement() -> sa.Select:
    """Build the ratings-per-day statement once per process."""
    day = sa.func.date(ReviewLog.reviewed_at)
    mine, since = ReviewLog.learner_id == sa.bindparam("learner_id"), sa.bindparam("since")
    return sa.select(day, sa.func.count()).where(mine, ReviewLog.reviewed_at >= since).group_by(day)


def daily_reviews(learner_id: int | None, since: datetime) -> dict[date, int]:
    """Return ratings per UTC day since ``since`` (every source: quiz, review and drill)."""
    if learner_id is None:
        return {}
    rows = db.session.execute(_daily_statement(), {"learner_id": learner_id, "since": since}).all()
    rv: dict[date, int] = {}
    for value, count in rows:
        key = value if isinstance(value, date) else date.fromisoformat(str(value))
        rv[key] = int(count)
    return rv


@dataclass(frozen=True)
class Retention:
    """How often the learner recalled cards they had already learned, and how many they hold."""

    reviews: int
    recalled: int
    cards: int
    mature: int

    @property
    def rate(self) -> float | None:
        """Return the share of reviews of learned cards not rated Again (None without any)."""
        return self.recalled / self.reviews if self.reviews else None


@cache
def _retention_statement() -> sa.Select:
    """Build the recall-rate and card-count statement once per process (four subqueries)."""
    learner_id, since = sa.bindparam("learner_id"), sa.bindparam("since")
    recent = (ReviewLog.learner_id == learner_id, ReviewLog.reviewed_at >= since, ReviewLog.source != "quiz")
    mine = ReviewCard.learner_id == learner_id
    return sa.select(
        sa.select(sa.func.count()).select_from(ReviewLog).where(*recent).scalar_subquery(),
        sa.select(_count(ReviewLog.rating > 1)).where(*recent).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ReviewCard).where(mine).scalar_subquery(),
        sa.select(_count(ReviewCard.stability >= 21)).where(mine).scalar_subquery(),
    )


def retention(learner_id: int | None, since: datetime) -> Retention:
    """Return the recall rate over reviews since ``since`` and the card counts, in one statement."""
    if learner_id is None:
        return Retention(0, 0, 0, 0)
    row = db.session.execute(_retention_statement(), {"learner_id": learner_id, "since": since}).one()
    return Retention(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


@cache
def _drills_statement() -> sa.Select:
    """Build the latest-drills statement once per process."""
    return (
        sa.select(Drill)
        .where(Drill.learner_id == sa.bindparam("learner_id"))
        .order_by(Drill.id.desc())
        .limit(sa.bindparam("limit"))
    )


def recent_drills(learner_id: int | None, limit: int = 5) -> list[Drill]:
    """Return the learner's latest drills, newest first."""
    if learner_id is None:
        return []
    return list(db.session.scalars(_drills_statement(), {"learner_id": learner_id, "limit": limit}))


def load_drill(learner_id: int | None, drill_id: int) -> Drill | None:
    """Return the learner's drill ``drill_id``, or None (another learner's too)."""
    if learner_id is None:
        return None
    return db.session.scalar(sa.select(Drill).where(Drill.id == drill_id, Drill.learner_id == learner_id))


def load_log(learner_id: int | None, log_id: int) -> tuple[ReviewLog, str] | None:
    """Return one of the learner's review logs with its card's question id, or None."""
    if learner_id is None:
        return None
    row = db.session.execute(
        sa.select(ReviewLog, ReviewCard.question_id)
        .join(ReviewCard, ReviewCard.id == ReviewLog.card_id)
        .where(ReviewLog.id == log_id, ReviewLog.learner_id == learner_id)
    ).first()
    return (row[0], row[1]) if row is not None else None
