"""Timed drills: the progress service's writes for a mock interview, judged on the server's clock.

A drill row holds its questions, its deadline and its answers. The server decides what
counts: an answer that arrives after the deadline is refused and the drill ends with
what was answered in time. Every drill is kept; starting another ends the running one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from app.content.coercion import request_gettext as _
from app.content.model import Catalog
from app.content.model import Question
from app.extensions import db
from app.progress import cards
from app.progress import clock
from app.progress.models import Drill
from app.progress.models import Learner
from app.progress.models import QuestionSummary
from app.progress.models import ReviewCard
from app.progress.service import AttemptClosed
from app.progress.service import ProgressError
from app.progress.service import UnknownQuestion
from app.progress.service import judge
from app.progress.service import transaction

DEFAULT_LENGTH = 10
DEFAULT_MINUTES = 20
MAX_LENGTH = 40
MAX_MINUTES = 120


class DrillOver(ProgressError):
    """The drill's time ran out: the late answer was not counted and the drill has ended."""


def topic_questions(course: Catalog, topics: Sequence[str]) -> list[Question]:
    """Return every question of the quizzes of ``topics``, in course order."""
    wanted = set(topics)
    return [q for quiz in course.quizzes.values() if quiz.topic in wanted for q in quiz.questions]


def choose_questions(
    pool: Sequence[Question], seen: dict[str, float], due: set[str], length: int, rng: random.Random
) -> list[str]:
    """Pick ``length`` question ids mixing unseen, weak (last score < 1) and due ones, in turn."""
    unseen = [q.id for q in pool if q.id not in seen]
    weak = [q.id for q in pool if q.id in seen and seen[q.id] < 1.0 and q.id not in due]
    due_ids = [q.id for q in pool if q.id in due]
    rest = [q.id for q in pool if q.id in seen and seen[q.id] >= 1.0 and q.id not in due]
    for group in (unseen, weak, due_ids, rest):
        rng.shuffle(group)
    rv: list[str] = []
    groups = [due_ids, weak, unseen]
    while len(rv) < length and any(groups):
        for group in groups:
            if group and len(rv) < length:
                rv.append(group.pop())
    rv.extend(rest[: length - len(rv)])
    rng.shuffle(rv)
    return rv


def running_drill(learner_id: int) -> Drill | None:
    """Return the learner's unfinished drill, if any."""
    return db.session.scalar(
        sa.select(Drill)
        .where(Drill.learner_id == learner_id, Drill.finished_at.is_(None))
        .order_by(Drill.id.desc())
        .limit(1)
    )


def start_drill(
    learner: Learner,
    course: Catalog,
    topics: Sequence[str],
    length: int = DEFAULT_LENGTH,
    minutes: int = DEFAULT_MINUTES,
) -> Drill:
    """Start a drill on ``topics``; a drill still running is ended and scored first (it is kept)."""
    if not 1 <= length <= MAX_LENGTH:
        raise ProgressError(_("A drill has 1 to %(n)d questions.", n=MAX_LENGTH))
    if not 1 <= minutes <= MAX_MINUTES:
        raise ProgressError(_("A drill lasts 1 to %(n)d minutes.", n=MAX_MINUTES))
    pool = topic_questions(course, topics)
    if not pool:
        raise ProgressError(_("Choose at least one topic that has questions."))
    ids = [q.id for q in pool]
    seen = dict(
        db.session.execute(
            sa.select(QuestionSummary.question_id, QuestionSummary.last_score).where(
                QuestionSummary.learner_id == learner.id, QuestionSummary.question_id.in_(ids)
            )
        ).all()
    )
    now = clock.now()
    due = set(
        db.session.scalars(
            sa.select(ReviewCard.question_id).where(
                ReviewCard.learner_id == learner.id, ReviewCard.question_id.in_(ids), ReviewCard.due <= now
            )
        )
    )
    chosen = choose_questions(pool, seen, due, length, random.Random())
    with transaction():
        running = running_drill(learner.id)
        if running is not None:
            _finish(running, now)
        drill = Drill(
            learner_id=learner.id,
            topics=sorted(set(topics)),
            question_ids=chosen,
            answers={},
            started_at=now,
            shown_at=now,
            deadline=now + timedelta(minutes=minutes),
        )
        db.session.add(drill)
    return drill


def current_question_id(drill: Drill) -> str | None:
    """Return the first question of the drill not answered yet."""
    return next((qid for qid in drill.question_ids if qid not in drill.answers), None)


def expire_if_late(drill: Drill) -> Drill:
    """End the drill if its time is up (called when it is shown, so a reload after the deadline ends it)."""
    if not drill.is_finished and clock.now() > cards.as_utc(drill.deadline):
        with transaction():
            _finish(drill, cards.as_utc(drill.deadline))
    return drill


def answer(learner: Learner, drill: Drill, question: Question, raw: object, written: str = "") -> dict:
    """Grade and store the answer to the drill's current question, if it came before the deadline.

    Raises ``DrillOver`` (and ends the drill) for a late answer, ``AttemptClosed`` for a
    finished drill, ``UnknownQuestion`` when the question is not the one now asked.
    """
    if drill.learner_id != learner.id:
        raise AttemptClosed("This drill does not exist.")
    if drill.is_finished:
        raise AttemptClosed("This drill has ended; its result is kept.")
    now = clock.now()
    deadline = cards.as_utc(drill.deadline)
    if now > deadline:
        with transaction():
            _finish(drill, deadline)
        raise DrillOver("Time is up: the drill has ended and this answer was not counted.")
    if question.id != current_question_id(drill):
        raise UnknownQuestion("This is not the question the drill is asking now.")
    value, result = judge(question, raw)
    elapsed_ms = max(0, int((now - cards.as_utc(drill.shown_at)).total_seconds() * 1000))
    entry = {
        "answer": value,
        "written": written[:2000],
        "score": float(result.score),
        "correct": bool(result.correct),
        "kind": result.kind,
        "seconds": round(elapsed_ms / 1000, 1),
        "answered_at": now.isoformat(),
    }
    with transaction():
        drill.answers = {**drill.answers, question.id: entry}
        drill.shown_at = now
        rating = cards.rating_for(question, value, result, elapsed_ms)
        cards.rate(learner.id, question, rating, now, "drill", elapsed_ms, value, float(result.score))
        if current_question_id(drill) is None:
            _finish(drill, now)
    return entry


def give_up(learner: Learner, drill: Drill) -> Drill:
    """End the learner's drill now and score what was answered."""
    if drill.learner_id != learner.id:
        raise AttemptClosed("This drill does not exist.")
    if not drill.is_finished:
        with transaction():
            _finish(drill, min(clock.now(), cards.as_utc(drill.deadline)))
    return drill


def _finish(drill: Drill, when: datetime) -> None:
    """Close the drill: the mean score over every question asked, unanswered ones as 0."""
    drill.finished_at = when
    total = sum(float(entry.get("score", 0.0)) for entry in drill.answers.values())
    drill.score = total / max(1, len(drill.question_ids))


def missed_ids(drill: Drill) -> list[str]:
    """Return the drill's questions answered wrongly, partly, or not at all."""
    return [qid for qid in drill.question_ids if not drill.answers.get(qid, {}).get("correct")]


def review_missed(learner: Learner, drill: Drill, course: Catalog) -> int:
    """Make the cards of the drill's missed questions due now; return how many."""
    if drill.learner_id != learner.id:
        raise AttemptClosed("This drill does not exist.")
    questions = [course.questions[qid] for qid in missed_ids(drill) if qid in course.questions]
    now = clock.now()
    with transaction():
        for question in questions:
            cards.make_due(learner.id, question, now)
    return len(questions)
