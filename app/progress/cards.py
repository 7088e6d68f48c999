"""FSRS cards: turning an answer into a rating and the rating into the card's next due date.

Only the progress service calls the writing functions here, inside its own transaction,
so a card and its review log change together with the response that caused them.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from functools import cache
from typing import Any

import fsrs
import sqlalchemy as sa

from app.content.grading import Result
from app.content.model import Question
from app.extensions import db
from app.progress.models import ReviewCard
from app.progress.models import ReviewLog

#: Lapses (Again on a learned card) after which a card is a leech and leaves review.
LEECH_LAPSES = 8

#: Flashcard self-rating → FSRS rating.
FLASHCARD_RATINGS = {
    "again": fsrs.Rating.Again,
    "hard": fsrs.Rating.Hard,
    "good": fsrs.Rating.Good,
    "easy": fsrs.Rating.Easy,
}

#: Longest answer, in milliseconds, that still counts as "fast" per question type.
#:
#: A right answer earns Easy only when it came about as quickly as reading the question
#: and acting on a recalled fact: a true/false or one-choice question is read and
#: clicked in well under 10 s when the fact is known; a multiple-choice question asks
#: for every right option to be weighed (15 s); a short answer is typed from memory
#: (20 s); working out what code prints or putting four to six steps in order takes
#: reading code or moving items around even when known (30 s). Slower right answers
#: were reconstructed rather than recalled, which FSRS should treat as Good.
FAST_MS = {
    "true_false": 8_000,
    "single_choice": 10_000,
    "multiple_choice": 15_000,
    "short_answer": 20_000,
    "code_output": 30_000,
    "ordering": 30_000,
}

#: A duration above this is a tab left open, not time spent answering.
MAX_DURATION_MS = 3_600_000

CARD_FIELDS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "introduced_at",
)


@cache
def scheduler() -> fsrs.Scheduler:
    """Return the process's FSRS scheduler (default parameters, 90 % desired retention)."""
    return fsrs.Scheduler(desired_retention=0.9)


def clean_duration(value: object) -> int | None:
    """Return a reported answer time in milliseconds, or None when it is not a sane number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        ms = int(float(value))
    except (ValueError, OverflowError):
        return None
    return ms if 0 <= ms <= MAX_DURATION_MS else None


def rating_for(question: Question, answer: object, result: Result, duration_ms: int | None) -> fsrs.Rating:
    """Map an answer to an FSRS rating: wrong → Again, partly → Hard, right → Good, right and fast → Easy.

    A flashcard carries the learner's own rating instead; a code challenge is rated by
    its self-reported tests (see ``challenge_rating``).
    """
    if question.type == "flashcard":
        return FLASHCARD_RATINGS.get(str(answer), fsrs.Rating.Again)
    if question.type == "code_challenge":
        return challenge_rating(answer, result)
    if result.correct and result.score >= 1.0:
        fast = FAST_MS.get(question.type)
        if duration_ms is not None and fast is not None and duration_ms <= fast:
            return fsrs.Rating.Easy
        return fsrs.Rating.Good
    if result.score > 0:
        return fsrs.Rating.Hard
    return fsrs.Rating.Again


def challenge_rating(report: object, result: Result) -> fsrs.Rating:
    """Rate a challenge's test report: every test → Good, some → Hard, none (or a skip) → Again.

    Never Easy: the time spent writing code says nothing about how well it was recalled.
    The quiz gives no credit for some tests (the grade is all or nothing), but for the
    review schedule a half-working solution is known better than a blank one.
    """
    if result.correct:
        return fsrs.Rating.Good
    passed = report.get("passed") if isinstance(report, dict) else None
    return fsrs.Rating.Hard if passed else fsrs.Rating.Again


def find_card(learner_id: int, question_id: str) -> ReviewCard | None:
    """Return the learner's card for a question, if it exists."""
    return db.session.scalar(
        sa.select(ReviewCard).where(
            ReviewCard.learner_id == learner_id, ReviewCard.question_id == question_id
        )
    )


def as_utc(moment: datetime | None) -> datetime | None:
    """Return ``moment`` aware in UTC (SQLite gives naive datetimes back)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def snapshot(card: ReviewCard) -> dict[str, Any]:
    """Return the card's scheduling fields as JSON-ready values (what undo restores)."""
    rv: dict[str, Any] = {}
    for name in CARD_FIELDS:
        value = getattr(card, name)
        rv[name] = as_utc(value).isoformat() if isinstance(value, datetime) else value
    return rv


def restore(card: ReviewCard, saved: dict[str, Any]) -> None:
    """Write a snapshot back onto the card."""
    for name in CARD_FIELDS:
        value = saved.get(name)
        if name in ("due", "last_review", "introduced_at") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        setattr(card, name, value)


def rate(
    learner_id: int,
    question: Question,
    rating: fsrs.Rating,
    when: datetime,
    source: str,
    duration_ms: int | None = None,
    answer: object = None,
    score: float | None = None,
) -> tuple[ReviewCard, ReviewLog]:
    """Apply a rating to the learner's card for ``question`` (creating it) and log it.

    Runs inside the caller's transaction; flushes, never commits.
    """
    when = as_utc(when)
    card = find_card(learner_id, question.id)
    if card is None:
        card = new_card(learner_id, question, when)
        db.session.add(card)
        db.session.flush()
    log = ReviewLog(
        card_id=card.id,
        learner_id=learner_id,
        rating=int(rating),
        source=source,
        reviewed_at=when,
        duration_ms=duration_ms,
        answer=answer,
        score=score,
        previous=snapshot(card),
    )
    before = fsrs.Card(
        card_id=card.id,
        state=fsrs.State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=as_utc(card.due),
        last_review=as_utc(card.last_review),
    )
    after, _log = scheduler().review_card(before, rating, review_datetime=when, review_duration=duration_ms)
    if rating == fsrs.Rating.Again and card.state == fsrs.State.Review:
        card.lapses += 1
        if card.lapses >= LEECH_LAPSES:
            card.suspended = True
    card.state, card.step = int(after.state), after.step
    card.stability, card.difficulty = after.stability, after.difficulty
    card.due, card.last_review = after.due, after.last_review
    card.reps += 1
    if source == "review" and card.introduced_at is None:
        card.introduced_at = when
    db.session.add(log)
    db.session.flush()
    return card, log


def last_review_log(learner_id: int) -> ReviewLog | None:
    """Return the learner's latest rating given on the review page (what undo takes back)."""
    return db.session.scalar(
        sa.select(ReviewLog)
        .where(ReviewLog.learner_id == learner_id, ReviewLog.source == "review")
        .order_by(ReviewLog.id.desc())
        .limit(1)
    )


def undo(log: ReviewLog) -> ReviewCard:
    """Put the log's card back as it was before that rating and delete the log."""
    card = db.session.get(ReviewCard, log.card_id)
    restore(card, log.previous)
    db.session.delete(log)
    db.session.flush()
    return card


def new_card(learner_id: int, question: Question, when: datetime) -> ReviewCard:
    """Return a fresh FSRS card (state Learning, step 0) for ``question``, due at ``when``."""
    return ReviewCard(
        learner_id=learner_id,
        question_id=question.id,
        quiz_id=question.quiz_id,
        state=1,
        step=0,
        due=when,
        reps=0,
        lapses=0,
        suspended=False,
        created_at=when,
    )


def make_due(learner_id: int, question: Question, when: datetime) -> ReviewCard:
    """Make the learner's card for ``question`` due at ``when`` (created, or taken out of suspension)."""
    when = as_utc(when)
    card = find_card(learner_id, question.id)
    if card is None:
        card = new_card(learner_id, question, when)
        db.session.add(card)
    else:
        card.due = when
        card.suspended = False
    db.session.flush()
    return card
