"""Read-only reports for instructors: class activity, the roster, item statistics, exports.

Reports read, never write. Every figure is an aggregate computed by the database (one
statement per figure, grouped in SQL), and every list is bounded: a page of the roster,
the latest attempts of one learner, chunks of a fixed size for the exports. Lessons,
quizzes and questions are matched to the catalog by their string ids, as everywhere in
``progress``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from app.content.model import Catalog
from app.extensions import db
from app.models import User
from app.models import utcnow
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.models import ReviewCard
from app.progress.service import as_utc

#: A question is flagged only once it has at least this many answers: below that, one
#: unlucky learner moves facility by more than ten points and discrimination is noise.
MIN_ATTEMPTS_TO_FLAG = 10
#: Facility (share of correct answers) under which a question looks broken.
LOW_FACILITY = 0.2
#: A gap between two answers longer than this is a pause, not time spent on the question.
MAX_ANSWER_SECONDS = 30 * 60
#: Rows read per statement by the exports: memory stays constant whatever the table size.
CHUNK = 1000

#: Roster sort keys a request may name.
SORT_KEYS = ("name", "email", "completion", "average", "last_active", "cards_due", "leeches", "joined")
#: The per-learner aggregates (``Activity`` parts) each sort key needs; the others need none.
SORT_NEEDS = {
    "completion": ("lessons",),
    "average": ("answers",),
    "last_active": ("lessons", "answers"),
    "cards_due": ("cards",),
    "leeches": ("cards",),
}


def seconds_between(later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
    """Return ``later - earlier`` in seconds, in the dialect of the bound database."""
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def as_float(value: bool | sa.ColumnElement) -> sa.ColumnElement:
    """Return 1.0 where ``value`` is true and 0.0 elsewhere, for averages of booleans."""
    return sa.case((value, 1.0), else_=0.0)


# Activity -----------------------------------------------------------------------------------


def later_of(first: sa.ColumnElement, second: sa.ColumnElement) -> sa.ColumnElement:
    """Return the later of two nullable datetimes (``greatest`` ignores NULL on PostgreSQL only)."""
    return sa.case(
        (first.is_(None), second),
        (second.is_(None), first),
        (first > second, first),
        else_=second,
    )


@dataclass(frozen=True)
class Activity:
    """Per-learner aggregates to join to ``Learner``: three grouped subqueries and their figures."""

    lessons: sa.Subquery
    answers: sa.Subquery
    cards: sa.Subquery

    def joined(
        self, select: sa.Select, parts: Collection[str] = ("lessons", "answers", "cards")
    ) -> sa.Select:
        """Return ``select`` (over ``Learner``) with the aggregates named in ``parts`` outer-joined."""
        for name in parts:
            part = getattr(self, name)
            select = select.outerjoin(part, part.c.learner_id == Learner.id)
        return select

    @property
    def lessons_done(self) -> sa.ColumnElement:
        """Return the number of the course's lessons marked done."""
        return sa.func.coalesce(self.lessons.c.done, 0)

    @property
    def average(self) -> sa.ColumnElement:
        """Return the mean latest score over the questions answered (NULL: none)."""
        return self.answers.c.average

    @property
    def last_active(self) -> sa.ColumnElement:
        """Return the latest lesson opened or done, or question answered (NULL: nothing yet)."""
        return later_of(self.lessons.c.at, self.answers.c.at)

    @property
    def cards_due(self) -> sa.ColumnElement:
        """Return the number of review cards due now (leeches are out of review, so not due)."""
        return sa.func.coalesce(self.cards.c.due, 0)

    @property
    def leeches(self) -> sa.ColumnElement:
        """Return the number of leeches: cards suspended after too many lapses."""
        return sa.func.coalesce(self.cards.c.leeches, 0)


def count_where(condition: sa.ColumnElement) -> sa.ColumnElement:
    """Return the number of rows where ``condition`` holds (a sum of ones; NULL with no rows)."""
    return sa.func.sum(sa.case((condition, 1), else_=0))


def activity(
    lesson_slugs: Collection[str], learner_ids: Collection[int] | None = None, now: datetime | None = None
) -> Activity:
    """Return the per-learner aggregates of ``Activity``, with the cards due counted at ``now``.

    ``average`` is the mean latest score over the questions the learner answered (from the
    per-question summaries the service keeps, so one row per question, not per answer).
    A card is due when it is not suspended and its due time has come, as on the review
    page; a leech is a suspended card (``app.progress.cards.LEECH_LAPSES``). Each table is
    grouped on its ``learner_id`` index; with ``learner_ids`` only those learners' rows
    are read.
    """
    done = sa.and_(
        LessonProgress.completed_at.is_not(None), LessonProgress.lesson_slug.in_(list(lesson_slugs))
    )
    lessons = sa.select(
        LessonProgress.learner_id.label("learner_id"),
        sa.func.max(sa.func.coalesce(LessonProgress.completed_at, LessonProgress.started_at)).label("at"),
        count_where(done).label("done"),
    ).group_by(LessonProgress.learner_id)
    answers = sa.select(
        QuestionSummary.learner_id.label("learner_id"),
        sa.func.max(QuestionSummary.last_answered_at).label("at"),
        sa.func.avg(QuestionSummary.last_score).label("average"),
    ).group_by(QuestionSummary.learner_id)
    cards = card_counts(now)
    if learner_ids is not None:
        ids = list(learner_ids)
        lessons = lessons.where(LessonProgress.learner_id.in_(ids))
        answers = answers.where(QuestionSummary.learner_id.in_(ids))
        cards = cards.where(ReviewCard.learner_id.in_(ids))
    return Activity(lessons.subquery("lessons"), answers.subquery("answers"), cards.subquery("cards"))


def card_counts(now: datetime | None = None) -> sa.Select:
    """Return ``learner_id, due, leeches`` per learner with review cards, grouped on the learner's index."""
    now = now or utcnow()
    return sa.select(
        ReviewCard.learner_id.label("learner_id"),
        count_where(ReviewCard.suspended.is_(False) & (ReviewCard.due <= now)).label("due"),
        count_where(ReviewCard.suspended.is_(True)).label("leeches"),
    ).group_by(ReviewCard.learner_id)


def learner_cards(learner_id: int, now: datetime | None = None) -> tuple[int, int]:
    """Return the learner's review cards due at ``now`` and their leeches: one statement."""
    row = db.session.execute(card_counts(now).where(ReviewCard.learner_id == learner_id)).first()
    return (int(row.due), int(row.leeches)) if row is not None else (0, 0)


@dataclass(frozen=True)
class Overview:
    """The class at a glance (``learners``: accounts with the learner role; instructors are not counted)."""

    learners: int
    anonymous: int
    active_7: int
    active_30: int
    lessons_completed: int
    answers: int
    #: (day as ``YYYY-MM-DD``, answers that day) for each of the last days, oldest first.
    per_day: tuple[tuple[str, int], ...]


def overview(days: int = 30, now: datetime | None = None) -> Overview:
    """Return counts of learners, activity and answers: four aggregate statements."""
    now = now or utcnow()
    since_7, since_30 = now - timedelta(days=7), now - timedelta(days=30)
    learners, anonymous = db.session.execute(
        sa.select(
            sa.func.count(Learner.id).filter(User.role == "learner"),
            sa.func.count(Learner.id).filter(Learner.user_id.is_(None)),
        ).outerjoin(User, Learner.user_id == User.id)
    ).one()
    recent = sa.union_all(
        sa.select(
            LessonProgress.learner_id,
            sa.func.coalesce(LessonProgress.completed_at, LessonProgress.started_at),
        ),
        sa.select(QuestionSummary.learner_id, QuestionSummary.last_answered_at),
    ).subquery("recent")
    learner_id, at = recent.c
    active_7, active_30 = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(learner_id)).filter(at >= since_7),
            sa.func.count(sa.distinct(learner_id)),
        ).where(at >= since_30)
    ).one()
    completed, answers = db.session.execute(
        sa.select(
            sa.select(sa.func.count(LessonProgress.id))
            .where(LessonProgress.completed_at.is_not(None))
            .scalar_subquery(),
            sa.select(sa.func.count(QuestionResponse.id)).scalar_subquery(),
        )
    ).one()
    return Overview(learners, anonymous, active_7, active_30, completed, answers, answers_per_day(days, now))


def anonymous_learners() -> int:
    """Return how many learners have no account (counted, never listed)."""
    return db.session.scalar(sa.select(sa.func.count(Learner.id)).where(Learner.user_id.is_(None))) or 0


def answers_per_day(days: int, now: datetime) -> tuple[tuple[str, int], ...]:
    """Return the number of answers on each of the last ``days`` days (UTC), zeros included."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = sa.func.date(QuestionResponse.answered_at)
    counts = {
        str(when): count
        for when, count in db.session.execute(
            sa.select(day, sa.func.count(QuestionResponse.id))
            .where(QuestionResponse.answered_at >= start)
            .group_by(day)
        )
    }
    labels = [(start + timedelta(days=offset)).date().isoformat() for offset in range(days)]
    return tuple((label, counts.get(label, 0)) for label in labels)


# The roster ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One named learner of the roster."""

    id: int
    name: str
    email: str
    joined: datetime
    lessons_done: int
    completion: float
    average: float | None
    last_active: datetime | None
    #: Review cards due now, and leeches (cards suspended after too many lapses).
    cards_due: int = 0
    leeches: int = 0


@dataclass(frozen=True)
class RosterPage:
    """A page of the roster and what is needed to link to the others."""

    rows: tuple[RosterRow, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


def roster_filter(select: sa.Select, query: str) -> sa.Select:
    """Return ``select`` limited to named learners (role learner) whose name or email contains ``query``."""
    select = select.join(User, Learner.user_id == User.id).where(User.role == "learner")
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        select = select.where(
            sa.or_(
                sa.func.lower(User.display_name).like(pattern, escape="\\"),
                sa.func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    return select


def roster_page(
    catalog: Catalog,
    page: int = 1,
    per_page: int = 50,
    query: str = "",
    since: datetime | None = None,
    sort: str = "name",
    descending: bool = False,
    now: datetime | None = None,
) -> RosterPage:
    """Return one page of the roster, sorted and filtered: three statements.

    The count and the page's learner ids come first; only the aggregates the order or
    the filter needs are computed over every learner (sorting by name, email or date
    joined reads no progress rows at all, sorting by cards due reads only the cards),
    then the page's rows are read with the activity of its learners alone.
    """
    now = now or utcnow()
    parts = set(SORT_NEEDS.get(sort, ()))
    if since is not None:
        parts |= {"lessons", "answers"}
    act = activity(catalog.lesson_order, now=now)
    ids = roster_filter(sa.select(Learner.id).select_from(Learner), query)
    count = roster_filter(sa.select(sa.func.count(Learner.id)).select_from(Learner), query)
    if parts:
        ids = act.joined(ids, sorted(parts))
    if since is not None:
        ids = ids.where(act.last_active >= since)
        count = act.joined(count, ("lessons", "answers")).where(act.last_active >= since)
    keys = {
        "name": lambda: User.display_name,
        "email": lambda: User.email,
        "joined": lambda: Learner.created_at,
        "completion": lambda: act.lessons_done,
        "average": lambda: act.average,
        "last_active": lambda: act.last_active,
        "cards_due": lambda: act.cards_due,
        "leeches": lambda: act.leeches,
    }
    key = keys[sort]()
    order = key.desc() if descending else key.asc()
    tiebreak = Learner.id.desc() if descending else Learner.id.asc()
    total = db.session.scalar(count) or 0
    page_ids = list(
        db.session.scalars(
            ids.order_by(sa.nulls_last(order), tiebreak).limit(per_page).offset((page - 1) * per_page)
        )
    )
    rows = roster_rows(catalog, page_ids, now)
    return RosterPage(tuple(rows[learner_id] for learner_id in page_ids), total, page, per_page)


def roster_rows(
    catalog: Catalog, learner_ids: list[int], now: datetime | None = None
) -> dict[int, RosterRow]:
    """Return the roster rows of ``learner_ids`` (reading only their progress): one statement."""
    if not learner_ids:
        return {}
    lessons_total = max(1, len(catalog.lesson_order))
    act = activity(catalog.lesson_order, learner_ids, now)
    select = sa.select(
        Learner.id,
        User.display_name,
        User.email,
        Learner.created_at,
        act.lessons_done,
        act.average,
        act.last_active,
        act.cards_due,
        act.leeches,
    ).join(User, Learner.user_id == User.id)
    rows = db.session.execute(act.joined(select).where(Learner.id.in_(learner_ids)))
    return {row[0]: roster_row(row, lessons_total) for row in rows}


def roster_row(row: sa.Row, lessons_total: int) -> RosterRow:
    """Return the roster row of a result row of ``roster_rows``."""
    learner_id, name, email, joined, done, average, last_active, due, leeches = row
    return RosterRow(
        id=learner_id,
        name=name,
        email=email,
        joined=as_utc(joined),
        lessons_done=int(done or 0),
        completion=min(1.0, (done or 0) / lessons_total),
        average=average,
        last_active=as_utc(last_active) if last_active is not None else None,
        cards_due=int(due or 0),
        leeches=int(leeches or 0),
    )


def roster_chunks(
    catalog: Catalog, size: int = CHUNK, now: datetime | None = None
) -> Iterator[list[RosterRow]]:
    """Yield the whole roster by learner id, ``size`` learners per chunk (keyset on the id).

    Every chunk counts the cards due at the same ``now``: the moment the export began.
    """
    now = now or utcnow()
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                roster_filter(sa.select(Learner.id).select_from(Learner), "")
                .where(Learner.id > last)
                .order_by(Learner.id)
                .limit(size)
            )
        )
        if not ids:
            return
        rows = roster_rows(catalog, ids, now)
        yield [rows[learner_id] for learner_id in ids]
        last = ids[-1]


# One learner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptRow:
    """One quiz attempt of a learner's history."""

    id: int
    quiz_id: str
    number: int
    mode: str
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    answered: int
    asked: int


def attempt_history(learner_id: int, page: int = 1, per_page: int = 20) -> tuple[tuple[AttemptRow, ...], int]:
    """Return a page of the learner's attempts, newest first, and how many there are (two statements)."""
    answered = (
        sa.select(sa.func.count(QuestionResponse.id))
        .where(QuestionResponse.attempt_id == QuizAttempt.id)
        .correlate(QuizAttempt)
        .scalar_subquery()
    )
    total = db.session.scalar(
        sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.learner_id == learner_id)
    )
    rows = db.session.execute(
        sa.select(QuizAttempt, answered)
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    history = tuple(
        AttemptRow(
            id=attempt.id,
            quiz_id=attempt.quiz_id,
            number=attempt.number,
            mode=attempt.mode,
            started_at=as_utc(attempt.started_at),
            finished_at=as_utc(attempt.finished_at) if attempt.finished_at else None,
            score=attempt.score,
            answered=count,
            asked=len(attempt.question_ids or ()),
        )
        for attempt, count in rows
    )
    return history, total or 0


# Item analysis ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStats:
    """The statistics of one question over every stored answer to it."""

    question_id: str
    quiz_id: str
    attempts: int
    #: Share of answers that were correct (0 to 1).
    facility: float
    #: Correct share in the top third minus the bottom third (-1 to 1; ``None``: a group is empty).
    discrimination: float | None
    mean_score: float
    #: Mean seconds spent per answer (``None`` when no gap could be measured).
    seconds: float | None
    #: The commonest wrong answers, as stored (decoded JSON), with their counts, commonest first.
    wrong: tuple[tuple[object, int], ...] = ()

    @property
    def flagged(self) -> bool:
        """Return whether the question looks broken (enough answers, and too hard or inverted)."""
        if self.attempts < MIN_ATTEMPTS_TO_FLAG:
            return False
        return self.facility < LOW_FACILITY or (self.discrimination is not None and self.discrimination < 0)


def learner_thirds() -> sa.Subquery:
    """Return ``learner_id, third`` (1 top, 2 middle, 3 bottom) of learners by overall score.

    A learner's overall score is the mean of their latest score on every question they
    answered (``QuestionSummary.last_score``). ``ntile(3)`` over the learners ordered by
    that score, best first (ties broken by learner id), splits them into three groups
    whose sizes differ by at most one, the larger ones first.
    """
    overall = sa.func.avg(QuestionSummary.last_score)
    return (
        sa.select(
            QuestionSummary.learner_id,
            sa.func.ntile(3).over(order_by=(overall.desc(), QuestionSummary.learner_id)).label("third"),
        )
        .group_by(QuestionSummary.learner_id)
        .subquery("thirds")
    )


def answers_of(
    select: sa.Select, quiz_ids: Collection[str] | None, question_ids: Collection[str] | None
) -> sa.Select:
    """Return ``select`` (over answers joined to their attempts) limited to the quizzes and questions given.

    With ``question_ids`` the whole attempts holding those questions are kept (their
    other answers time the ones asked for); the caller keeps only the questions it wants.
    """
    if quiz_ids is not None:
        select = select.where(QuizAttempt.quiz_id.in_(list(quiz_ids)))
    if question_ids is not None:
        holding = sa.select(QuestionResponse.attempt_id).where(
            QuestionResponse.question_id.in_(list(question_ids))
        )
        select = select.where(QuestionResponse.attempt_id.in_(holding))
    return select


def timed_answers(
    quiz_ids: Collection[str] | None, question_ids: Collection[str] | None = None
) -> sa.Subquery:
    """Return one row per answer (of attempts at ``quiz_ids``) with the seconds it took.

    ``seconds`` is the time since the previous answer of the same attempt, or since the
    attempt's start for its first answer: a window over each attempt, read in the order
    of the ``(attempt_id, answered_at, id)`` index, so no sort is needed before it.
    With ``question_ids`` only the attempts holding those questions are read.
    """
    previous = sa.func.lag(QuestionResponse.answered_at).over(
        partition_by=QuestionResponse.attempt_id, order_by=(QuestionResponse.answered_at, QuestionResponse.id)
    )
    started = sa.func.coalesce(previous, QuizAttempt.started_at)
    select = sa.select(
        QuestionResponse.question_id.label("question_id"),
        QuizAttempt.quiz_id.label("quiz_id"),
        as_float(QuestionResponse.correct).label("correct"),
        QuestionResponse.score.label("score"),
        seconds_between(QuestionResponse.answered_at, started).label("seconds"),
    ).join(QuizAttempt, QuizAttempt.id == QuestionResponse.attempt_id)
    return answers_of(select, quiz_ids, question_ids).subquery("answers")


def item_stats(
    quiz_ids: Collection[str] | None = None,
    wrong_limit: int = 3,
    question_ids: Collection[str] | None = None,
) -> list[ItemStats]:
    """Return the statistics of every answered question (in attempts at ``quiz_ids``), hardest first.

    - ``attempts``: the number of stored answers to the question.
    - ``facility``: correct answers / attempts.
    - ``discrimination``: with learners split into thirds by overall score (see
      ``learner_thirds``), the mean of the top third's latest scores on this question
      minus the bottom third's (each learner counted once, with their latest answer, as
      in the classic upper-lower index; for a question scored 0 or 1 it is the share of
      the top third answering right minus the share of the bottom third). It runs from
      -1 to 1; a good question is answered right more often by strong learners (> 0.3
      is good); a negative one is answered right more often by weak learners, which
      usually means a wrong key or a misleading text. ``None`` when nobody in the top
      or nobody in the bottom third has answered it.
    - ``seconds``: mean time between the previous answer of the same attempt (or the
      attempt's start) and this answer, gaps over ``MAX_ANSWER_SECONDS`` left out as pauses.

    ``question_ids`` limits the statistics to those questions (the overview's hardest
    few), so only their answers, attempts and summaries are read.

    Three aggregate statements: one pass over the answers grouped by question, one over
    the per-question summaries joined to the thirds, one for the commonest wrong answers.
    """
    if question_ids is not None and not question_ids:
        return []
    rows = timed_answers(quiz_ids, question_ids)
    timed = sa.case((rows.c.seconds <= MAX_ANSWER_SECONDS, rows.c.seconds), else_=sa.null())
    select = sa.select(
        rows.c.question_id,
        sa.func.min(rows.c.quiz_id),
        sa.func.count(),
        sa.func.avg(rows.c.correct),
        sa.func.avg(rows.c.score),
        sa.func.avg(timed),
    ).group_by(rows.c.question_id)
    if question_ids is not None:
        select = select.where(rows.c.question_id.in_(list(question_ids)))
    spread = discrimination(quiz_ids, question_ids)
    wrong = wrong_answers(quiz_ids, wrong_limit, question_ids)
    rv = []
    for question_id, quiz_id, attempts, facility, mean, seconds in db.session.execute(select):
        rv.append(
            ItemStats(
                question_id=question_id,
                quiz_id=quiz_id,
                attempts=attempts,
                facility=float(facility),
                discrimination=spread.get(question_id),
                mean_score=float(mean),
                seconds=None if seconds is None else float(seconds),
                wrong=tuple(wrong.get(question_id, ())),
            )
        )
    rv.sort(key=hardest_first)
    return rv


def hardest_first(item: ItemStats | ItemTotals) -> tuple[float, int, str]:
    """Return the sort key of the item lists: lowest facility, then most answers, then the id."""
    return (item.facility, -item.attempts, item.question_id)


@dataclass(frozen=True)
class ItemTotals:
    """How often one question was answered, and how often right: what the overview ranks by."""

    question_id: str
    quiz_id: str
    attempts: int
    facility: float


def item_totals() -> list[ItemTotals]:
    """Return every answered question's number of answers and facility, hardest first: one statement.

    The same figures as ``item_stats`` gives, without the timing, discrimination and
    wrong answers that need the whole history: one pass over the answers' question
    index, each joined to its attempt for the quiz.
    """
    rows = db.session.execute(
        sa.select(
            QuestionResponse.question_id,
            sa.func.min(QuizAttempt.quiz_id),
            sa.func.count(),
            sa.func.avg(as_float(QuestionResponse.correct)),
        )
        .join(QuizAttempt, QuizAttempt.id == QuestionResponse.attempt_id)
        .group_by(QuestionResponse.question_id)
    )
    rv = [
        ItemTotals(question_id, quiz_id, attempts, float(facility))
        for question_id, quiz_id, attempts, facility in rows
    ]
    rv.sort(key=hardest_first)
    return rv


def discrimination(
    quiz_ids: Collection[str] | None, question_ids: Collection[str] | None = None
) -> dict[str, float]:
    """Return per question: top third's mean latest score minus the bottom third's (see ``item_stats``).

    The middle third never counts, so only the top and bottom thirds' summaries are joined.
    """
    thirds = learner_thirds()
    score = QuestionSummary.last_score
    select = (
        sa.select(
            QuestionSummary.question_id,
            sa.func.avg(sa.case((thirds.c.third == 1, score), else_=sa.null())),
            sa.func.avg(sa.case((thirds.c.third == 3, score), else_=sa.null())),
        )
        .select_from(thirds)
        .join(QuestionSummary, QuestionSummary.learner_id == thirds.c.learner_id)
        .where(thirds.c.third.in_((1, 3)))
        .group_by(QuestionSummary.question_id)
    )
    if quiz_ids is not None:
        select = select.where(QuestionSummary.quiz_id.in_(list(quiz_ids)))
    if question_ids is not None:
        select = select.where(QuestionSummary.question_id.in_(list(question_ids)))
    return {
        question_id: round(float(top) - float(bottom), 6)
        for question_id, top, bottom in db.session.execute(select)
        if top is not None and bottom is not None
    }


def wrong_answers(
    quiz_ids: Collection[str] | None, limit: int, question_ids: Collection[str] | None = None
) -> dict[str, list[tuple[object, int]]]:
    """Return, per question, its ``limit`` commonest wrong answers with their counts: one statement."""
    text = sa.cast(QuestionResponse.answer, sa.Text)
    counts = sa.select(
        QuestionResponse.question_id.label("question_id"),
        text.label("answer"),
        sa.func.count().label("count"),
    ).where(QuestionResponse.correct.is_(False))
    if quiz_ids is not None:
        counts = counts.join(QuizAttempt, QuizAttempt.id == QuestionResponse.attempt_id).where(
            QuizAttempt.quiz_id.in_(list(quiz_ids))
        )
    if question_ids is not None:
        counts = counts.where(QuestionResponse.question_id.in_(list(question_ids)))
    counts = counts.group_by(QuestionResponse.question_id, text).subquery("counts")
    rank = sa.func.row_number().over(
        partition_by=counts.c.question_id, order_by=(counts.c.count.desc(), counts.c.answer)
    )
    ranked = sa.select(counts.c.question_id, counts.c.answer, counts.c.count, rank.label("rank")).subquery(
        "ranked"
    )
    rv: dict[str, list[tuple[object, int]]] = {}
    for question_id, answer, count in db.session.execute(
        sa.select(ranked.c.question_id, ranked.c.answer, ranked.c.count)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.question_id, ranked.c.rank)
    ):
        rv.setdefault(question_id, []).append((decode(answer), count))
    return rv


def decode(answer: str | None) -> object:
    """Return a stored answer's JSON text as a value (the text itself if it is not JSON)."""
    if answer is None:
        return None
    try:
        return json.loads(answer)
    except ValueError:
        return answer


def answered_question_ids() -> set[str]:
    """Return the ids of the questions anybody ever answered (one row per question id)."""
    return set(db.session.scalars(sa.select(QuestionSummary.question_id).distinct()))


# Content health -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonTime:
    """How long learners spend on a lesson, from first opening it to marking it done."""

    slug: str
    opened: int
    completed: int
    mean_seconds: float | None


def lesson_times(max_seconds: int = 2 * 3600) -> list[LessonTime]:
    """Return per lesson: learners who opened it, who finished it, mean seconds opened → done.

    Measured from ``lesson_progress``: ``started_at`` (first opened) and ``completed_at``
    (marked done); times over ``max_seconds`` are left out (the learner came back later).
    One aggregate statement; shortest first.
    """
    seconds = seconds_between(LessonProgress.completed_at, LessonProgress.started_at)
    kept = sa.case((sa.and_(seconds >= 0, seconds <= max_seconds), seconds), else_=sa.null())
    rows = db.session.execute(
        sa.select(
            LessonProgress.lesson_slug,
            sa.func.count(LessonProgress.id),
            sa.func.count(LessonProgress.completed_at),
            sa.func.avg(kept),
        ).group_by(LessonProgress.lesson_slug)
    )
    rv = [
        LessonTime(slug, opened, completed, None if mean is None else float(mean))
        for slug, opened, completed, mean in rows
    ]
    rv.sort(key=lambda row: (row.mean_seconds is None, row.mean_seconds or 0, row.slug))
    return rv


# Exports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRow:
    """One stored answer, as the responses export writes it."""

    id: int
    learner_id: int
    quiz_id: str
    attempt: int
    question_id: str
    answer: object
    correct: bool
    score: float
    answered_at: datetime


def response_chunks(size: int = CHUNK) -> Iterator[list[ResponseRow]]:
    """Yield every stored answer in id order, ``size`` per statement (keyset on the id).

    Each chunk is a fresh ``WHERE id > last ORDER BY id LIMIT size``: no cursor stays open
    between chunks and the memory held is one chunk, whatever the table's size.
    """
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(
                QuestionResponse.id,
                QuizAttempt.learner_id,
                QuizAttempt.quiz_id,
                QuizAttempt.number,
                QuestionResponse.question_id,
                QuestionResponse.answer,
                QuestionResponse.correct,
                QuestionResponse.score,
                QuestionResponse.answered_at,
            )
            .join(QuizAttempt, QuizAttempt.id == QuestionResponse.attempt_id)
            .where(QuestionResponse.id > last)
            .order_by(QuestionResponse.id)
            .limit(size)
        ).all()
        if not rows:
            return
        yield [
            ResponseRow(
                id=row[0],
                learner_id=row[1],
                quiz_id=row[2],
                attempt=row[3],
                question_id=row[4],
                answer=row[5],
                correct=bool(row[6]),
                score=row[7],
                answered_at=as_utc(row[8]),
            )
            for row in rows
        ]
        last = rows[-1][0]
