"""Read only what a page shows, in at most two statements, whatever the learner's history.

The course map, topic and lesson pages (and the dashboard's completion) need the state
of some lessons and, per quiz, the questions mastered and the best score. Lesson rows
are one per lesson opened and the summaries one per question and quiz ever answered
(kept by ``service``), so every read here is bounded by the size of the course, never
by the number of answers; the score history reads a fixed number of attempts.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.content.model import Catalog
from app.extensions import db
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.models import QuizSummary
from app.progress.queries import AttemptState
from app.progress.queries import LessonState
from app.progress.service import as_utc
from app.progress.stats import TopicProgress
from app.progress.stats import quiz_for_topic


@dataclass(frozen=True)
class Standing:
    """What the pages show of a learner: lesson states, and per quiz what was mastered and the best score."""

    lessons: dict[str, LessonState] = field(default_factory=dict)
    mastered: dict[str, frozenset[str]] = field(default_factory=dict)
    best: dict[str, float] = field(default_factory=dict)

    @property
    def has_progress(self) -> bool:
        """Return whether the learner opened a lesson or answered anything."""
        return bool(self.lessons or self.mastered or self.best)


NOBODY = Standing()


def load_standing(
    learner_id: int | None, slugs: Collection[str] | None = None, quiz_ids: Collection[str] | None = None
) -> Standing:
    """Return the learner's standing on ``slugs`` and ``quiz_ids`` (all for ``None``): two statements."""
    if learner_id is None:
        return NOBODY
    return Standing(lessons=lesson_states(learner_id, slugs), **_quiz_standing(learner_id, quiz_ids))


def lesson_states(learner_id: int, slugs: Collection[str] | None = None) -> dict[str, LessonState]:
    """Return the state of the learner's lessons among ``slugs`` (all of them for ``None``): one statement."""
    query = sa.select(
        LessonProgress.lesson_slug, LessonProgress.started_at, LessonProgress.completed_at
    ).where(LessonProgress.learner_id == learner_id)
    if slugs is not None:
        if not slugs:
            return {}
        query = query.where(LessonProgress.lesson_slug.in_(list(slugs)))
    return {
        slug: LessonState(slug, as_utc(started), as_utc(completed) if completed is not None else None)
        for slug, started, completed in db.session.execute(query)
    }


def _lessons_of(learner: sa.ColumnElement[bool]) -> sa.Select:
    """Return the statement reading the learner ``learner`` picks (if it exists) and its lesson rows."""
    return (
        sa.select(
            Learner.id, LessonProgress.lesson_slug, LessonProgress.started_at, LessonProgress.completed_at
        )
        .select_from(Learner)
        .outerjoin(LessonProgress, LessonProgress.learner_id == Learner.id)
        .where(learner)
    )


#: How a request names its learner (``identity._claim``): by the account, or as the session's
#: anonymous learner, which must still be anonymous. ``key`` is the user id or the learner id.
CLAIMS = {
    "account": Learner.user_id == sa.bindparam("key"),
    "anonymous": (Learner.id == sa.bindparam("key")) & Learner.user_id.is_(None),
}
#: The statements that confirm a claim, built once: on SQLite, building a select and its cache
#: key costs more than running it. The lesson pages' one statement joins the learner row with
#: its lesson rows (one per lesson opened, so bounded by the course); the other reads the id.
CLAIMED_LESSONS = {kind: _lessons_of(condition) for kind, condition in CLAIMS.items()}
CLAIMED_LEARNER = {kind: sa.select(Learner.id).where(condition) for kind, condition in CLAIMS.items()}


def claimed_learner(kind: str, key: int) -> int | None:
    """Return the id of the learner claimed as ``kind`` ``key``, if it exists: one statement."""
    return db.session.connection().execute(CLAIMED_LEARNER[kind], {"key": key}).scalar()


def claimed_lessons(
    kind: str, key: int, slugs: Collection[str] | None = None
) -> tuple[int, dict[str, LessonState]] | None:
    """Return the id of the learner claimed as ``kind`` ``key`` and its states among ``slugs``.

    ``slugs`` ``None`` means every lesson. One statement. ``None`` when no such learner
    exists (deleted, or claimed by an account).
    """
    rows = db.session.connection().execute(CLAIMED_LESSONS[kind], {"key": key}).all()
    if not rows:
        return None
    states = {
        slug: LessonState(slug, as_utc(started), as_utc(completed) if completed is not None else None)
        for _, slug, started, completed in rows
        if slug is not None and (slugs is None or slug in slugs)
    }
    return rows[0][0], states


def _quiz_rows(some: bool) -> sa.CompoundSelect:
    """Return the statement reading a learner's mastered questions and best scores (of some quizzes)."""
    mastered = sa.select(
        QuestionSummary.quiz_id, QuestionSummary.question_id, sa.null().label("best_score")
    ).where(QuestionSummary.learner_id == sa.bindparam("learner_id"), QuestionSummary.mastered)
    best = sa.select(QuizSummary.quiz_id, sa.null(), QuizSummary.best_score).where(
        QuizSummary.learner_id == sa.bindparam("learner_id"), QuizSummary.best_score.is_not(None)
    )
    if some:
        mastered = mastered.where(QuestionSummary.quiz_id.in_(sa.bindparam("quiz_ids", expanding=True)))
        best = best.where(QuizSummary.quiz_id.in_(sa.bindparam("quiz_ids", expanding=True)))
    return sa.union_all(mastered, best)


#: The quiz half of a standing, for every quiz and for some (built once, as ``CLAIMED_LESSONS``).
ALL_QUIZ_ROWS = _quiz_rows(some=False)
SOME_QUIZ_ROWS = _quiz_rows(some=True)


def _quiz_standing(learner_id: int, quiz_ids: Collection[str] | None) -> dict:
    """Return ``mastered`` and ``best`` for ``quiz_ids`` (all for ``None``): one statement."""
    if quiz_ids is None:
        statement, params = ALL_QUIZ_ROWS, {"learner_id": learner_id}
    elif not quiz_ids:
        return {}
    else:
        statement, params = SOME_QUIZ_ROWS, {"learner_id": learner_id, "quiz_ids": list(quiz_ids)}
    questions: dict[str, set[str]] = {}
    scores: dict[str, float] = {}
    for quiz_id, question_id, score in db.session.connection().execute(statement, params):
        if question_id is not None:
            questions.setdefault(quiz_id, set()).add(question_id)
        else:
            scores[quiz_id] = score
    return {"mastered": {quiz: frozenset(ids) for quiz, ids in questions.items()}, "best": scores}


def standing_of(
    learner_id: int, lessons: dict[str, LessonState], quiz_ids: Collection[str] | None = None
) -> Standing:
    """Return the standing of a learner whose lesson states are read already: one statement more."""
    return Standing(lessons=lessons, **_quiz_standing(learner_id, quiz_ids))


def topic_scope(catalog: Catalog, topic: str) -> tuple[Collection[str], list[str]]:
    """Return the lesson slugs and quiz ids a topic page shows (for ``load_standing`` and the like)."""
    quiz = quiz_for_topic(catalog, topic)
    return catalog.topics.get(topic, ()), [quiz.id] if quiz else []


def topic_progress(catalog: Catalog, topic: str, standing: Standing) -> TopicProgress:
    """Return the learner's progress in ``topic`` from their standing (same result as ``stats``)."""
    slugs = catalog.topics.get(topic, ())
    quiz = quiz_for_topic(catalog, topic)
    question_ids = {question.id for question in quiz.questions} if quiz else set()
    mastered = standing.mastered.get(quiz.id, frozenset()) & question_ids if quiz else set()
    lessons = [standing.lessons[slug] for slug in slugs if slug in standing.lessons]
    return TopicProgress(
        topic=topic,
        lessons_total=len(slugs),
        lessons_done=sum(1 for state in lessons if state.is_completed),
        lessons_started=len(lessons),
        questions_total=len(question_ids),
        questions_mastered=len(mastered),
        best_score=standing.best.get(quiz.id) if quiz else None,
    )


def course_progress(catalog: Catalog, topics: Iterable[str], standing: Standing) -> list[TopicProgress]:
    """Return the progress of every topic, in the order given."""
    return [topic_progress(catalog, topic, standing) for topic in topics]


# The dashboard's other parts -------------------------------------------------------------


#: Built once: the learner's latest finished attempts with a score, newest first.
SCORE_HISTORY = (
    sa.select(QuizAttempt)
    .where(
        QuizAttempt.learner_id == sa.bindparam("learner_id"),
        QuizAttempt.finished_at.is_not(None),
        QuizAttempt.score.is_not(None),
    )
    .order_by(QuizAttempt.finished_at.desc(), QuizAttempt.id.desc())
    .limit(sa.bindparam("limit"))
)


def score_history(learner_id: int | None, limit: int = 20) -> list[AttemptState]:
    """Return the last ``limit`` finished attempts, oldest first: one statement with a limit."""
    if learner_id is None:
        return []
    rows = db.session.scalars(SCORE_HISTORY, {"learner_id": learner_id, "limit": limit})
    return [
        AttemptState(
            id=row.id,
            quiz_id=row.quiz_id,
            mode=row.mode,
            question_ids=tuple(row.question_ids or ()),
            started_at=as_utc(row.started_at),
            finished_at=as_utc(row.finished_at),
            score=row.score,
        )
        for row in reversed(list(rows))
    ]


def topic_accuracy(catalog: Catalog, learner_id: int | None) -> dict[str, float]:
    """Return, per topic with answers, the mean latest score of its questions: one statement."""
    if learner_id is None:
        return {}
    rows = db.session.execute(
        sa.select(QuestionSummary.question_id, QuestionSummary.quiz_id, QuestionSummary.last_score).where(
            QuestionSummary.learner_id == learner_id
        )
    )
    scores: dict[str, list[float]] = {}
    for question_id, quiz_id, score in rows:
        question = catalog.questions.get(question_id)
        quiz = catalog.quizzes.get(question.quiz_id) if question else catalog.quizzes.get(quiz_id)
        if quiz is not None:
            scores.setdefault(quiz.topic, []).append(score)
    return {topic: sum(values) / len(values) for topic, values in scores.items()}


def weakest_topics(catalog: Catalog, learner_id: int | None, limit: int = 3) -> list[tuple[str, float]]:
    """Return up to ``limit`` topics with the lowest accuracy below 100%, weakest first."""
    accuracy = topic_accuracy(catalog, learner_id)
    weak = sorted((score, topic) for topic, score in accuracy.items() if score < 1)
    return [(topic, score) for score, topic in weak[:limit]]
