"""What a learner's rows mean: topic progress, mastery, streaks, weak spots.

Pure functions of what the queries read (a ``Snapshot``, or the bounded reads the pages
use: a standing, the last scores, the recent answers) and the catalog: no database, no
request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Protocol

from app.content.model import Catalog
from app.content.model import Quiz
from app.progress.queries import AttemptState
from app.progress.queries import LessonState
from app.progress.queries import RecentAnswers
from app.progress.queries import ResponseState
from app.progress.queries import Snapshot


@dataclass(frozen=True)
class TopicProgress:
    """How far a learner is in one topic: lessons done, quiz questions mastered."""

    topic: str
    lessons_total: int
    lessons_done: int
    lessons_started: int
    questions_total: int
    questions_mastered: int
    best_score: float | None

    @property
    def fraction(self) -> float:
        """Return the share of the topic done: each lesson counts one, the quiz one."""
        parts = self.lessons_total + (1 if self.questions_total else 0)
        if not parts:
            return 0.0
        quiz = self.questions_mastered / self.questions_total if self.questions_total else 0.0
        return (self.lessons_done + quiz) / parts

    @property
    def status(self) -> str:
        """Return ``done``, ``in-progress`` or ``not-started``."""
        if self.fraction >= 1:
            return "done"
        if self.lessons_started or self.questions_mastered or self.best_score is not None:
            return "in-progress"
        return "not-started"


@dataclass(frozen=True)
class Activity:
    """One line of the recent-activity list."""

    kind: str  # "started", "completed", "answering" or "quiz"
    ref: str  # a lesson slug or a quiz id
    at: datetime
    score: float | None = None
    #: Questions answered so far, for an attempt still open.
    count: int = 0


def quiz_for_topic(catalog: Catalog, topic: str) -> Quiz | None:
    """Return the quiz of ``topic``, if it has one."""
    quiz = catalog.quizzes.get(topic)
    if quiz is not None and quiz.topic == topic:
        return quiz
    return next((quiz for quiz in catalog.quizzes.values() if quiz.topic == topic), None)


def mastered_questions(responses: Iterable[ResponseState]) -> set[str]:
    """Return the ids of the questions answered correctly at least once."""
    return {response.question_id for response in responses if response.correct}


def best_scores(attempts: Iterable[AttemptState]) -> dict[str, float]:
    """Return each quiz's best score over finished attempts at the whole quiz."""
    best: dict[str, float] = {}
    for attempt in attempts:
        if attempt.mode == "all" and attempt.score is not None:
            best[attempt.quiz_id] = max(best.get(attempt.quiz_id, 0.0), attempt.score)
    return best


def topic_progress(catalog: Catalog, topic: str, snapshot: Snapshot) -> TopicProgress:
    """Return the learner's progress in ``topic``."""
    slugs = catalog.topics.get(topic, ())
    quiz = quiz_for_topic(catalog, topic)
    question_ids = {question.id for question in quiz.questions} if quiz else set()
    mastered = mastered_questions(snapshot.responses) & question_ids
    lessons = [snapshot.lessons[slug] for slug in slugs if slug in snapshot.lessons]
    return TopicProgress(
        topic=topic,
        lessons_total=len(slugs),
        lessons_done=sum(1 for state in lessons if state.is_completed),
        lessons_started=len(lessons),
        questions_total=len(question_ids),
        questions_mastered=len(mastered),
        best_score=best_scores(snapshot.attempts).get(quiz.id) if quiz else None,
    )


def course_progress(catalog: Catalog, topics: Iterable[str], snapshot: Snapshot) -> list[TopicProgress]:
    """Return the progress of every topic, in the order given."""
    return [topic_progress(catalog, topic, snapshot) for topic in topics]


def overall_fraction(progress: Iterable[TopicProgress]) -> float:
    """Return the share of the whole course done, weighting topics by their size."""
    done = total = 0.0
    for item in progress:
        parts = item.lessons_total + (1 if item.questions_total else 0)
        done += item.fraction * parts
        total += parts
    return done / total if total else 0.0


class HasLessons(Protocol):
    """Anything that holds a learner's lesson states: a ``Snapshot`` or a standing."""

    lessons: dict[str, LessonState]


def continue_lesson(catalog: Catalog, snapshot: HasLessons) -> str | None:
    """Return the lesson to continue with: the last one opened and unfinished, else the next one.

    ``None`` means every lesson is done.
    """
    unfinished = [state for state in snapshot.lessons.values() if not state.is_completed]
    unfinished = [state for state in unfinished if state.slug in catalog.lessons]
    if unfinished:
        return max(unfinished, key=lambda state: state.started_at).slug
    for slug in catalog.lesson_order:
        state = snapshot.lessons.get(slug)
        if state is None or not state.is_completed:
            return slug
    return None


def active_days(snapshot: Snapshot) -> set[date]:
    """Return the days (UTC) on which the learner did anything."""
    days = {state.started_at.date() for state in snapshot.lessons.values()}
    days |= {state.completed_at.date() for state in snapshot.lessons.values() if state.completed_at}
    days |= {response.answered_at.date() for response in snapshot.responses}
    return days


def day_streak(days: Iterable[date], today: date) -> int:
    """Return how many days in a row, ending today (or yesterday), have activity."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    streak = 0
    while day in active:
        streak += 1
        day -= timedelta(days=1)
    return streak


def topic_accuracy(catalog: Catalog, snapshot: Snapshot) -> dict[str, float]:
    """Return, per topic with answers, the mean of the latest score of each question answered."""
    latest: dict[str, ResponseState] = {}
    for response in snapshot.responses:
        latest[response.question_id] = response
    scores: dict[str, list[float]] = {}
    for question_id, response in latest.items():
        question = catalog.questions.get(question_id)
        quiz = catalog.quizzes.get(question.quiz_id) if question else catalog.quizzes.get(response.quiz_id)
        if quiz is None:
            continue
        scores.setdefault(quiz.topic, []).append(response.score)
    return {topic: sum(values) / len(values) for topic, values in scores.items()}


def weakest_topics(catalog: Catalog, snapshot: Snapshot, limit: int = 3) -> list[tuple[str, float]]:
    """Return up to ``limit`` topics with the lowest accuracy below 100%, weakest first."""
    accuracy = topic_accuracy(catalog, snapshot)
    weak = sorted((score, topic) for topic, score in accuracy.items() if score < 1)
    return [(topic, score) for score, topic in weak[:limit]]


def score_history(snapshot: Snapshot, limit: int = 20) -> list[AttemptState]:
    """Return the last ``limit`` finished attempts, oldest first."""
    finished = [attempt for attempt in snapshot.attempts if attempt.finished_at and attempt.score is not None]
    finished.sort(key=lambda attempt: attempt.finished_at)
    return finished[-limit:]


def recent_activity(snapshot: Snapshot, limit: int = 8) -> list[Activity]:
    """Return the latest things the learner did, newest first."""
    events: list[Activity] = []
    for state in snapshot.lessons.values():
        events.append(Activity("started", state.slug, state.started_at))
        if state.completed_at:
            events.append(Activity("completed", state.slug, state.completed_at))
    answered: dict[int, list[ResponseState]] = {}
    for response in snapshot.responses:
        answered.setdefault(response.attempt_id, []).append(response)
    for attempt in snapshot.attempts:
        if attempt.finished_at and attempt.score is not None:
            events.append(Activity("quiz", attempt.quiz_id, attempt.finished_at, attempt.score))
        elif answered.get(attempt.id):
            responses = answered[attempt.id]
            events.append(
                Activity("answering", attempt.quiz_id, responses[-1].answered_at, count=len(responses))
            )
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]


# From the bounded reads -------------------------------------------------------------------

#: A topic is called weak only when at least this many of its questions were answered.
WEAK_TOPIC_MIN_ANSWERS = 5


def weak_topics(
    catalog: Catalog, scores: Iterable[tuple[str, str, float]], limit: int = 3
) -> list[tuple[str, float, int]]:
    """Return up to ``limit`` (topic, accuracy, questions answered) below 100%, weakest first.

    ``scores`` holds (question id, quiz id, latest score). Topics with fewer than
    ``WEAK_TOPIC_MIN_ANSWERS`` questions answered are left out: two misses out of two
    say little about a topic.
    """
    per_topic: dict[str, list[float]] = {}
    for question_id, quiz_id, score in scores:
        question = catalog.questions.get(question_id)
        quiz = catalog.quizzes.get(question.quiz_id) if question else catalog.quizzes.get(quiz_id)
        if quiz is not None:
            per_topic.setdefault(quiz.topic, []).append(score)
    weak = sorted(
        (sum(values) / len(values), topic, len(values))
        for topic, values in per_topic.items()
        if len(values) >= WEAK_TOPIC_MIN_ANSWERS and sum(values) < len(values)
    )
    return [(topic, accuracy, count) for accuracy, topic, count in weak[:limit]]


def days_active(lessons: Iterable[LessonState], recent: RecentAnswers) -> set[date]:
    """Return the days (UTC) with a lesson opened or finished, or an answer among the recent ones."""
    days = set(recent.days)
    for state in lessons:
        days.add(state.started_at.date())
        if state.completed_at:
            days.add(state.completed_at.date())
    return days


def latest_activity(
    lessons: Iterable[LessonState],
    finished: Iterable[AttemptState],
    recent: RecentAnswers,
    limit: int = 8,
) -> list[Activity]:
    """Return the latest things the learner did, newest first, from the bounded reads."""
    events: list[Activity] = []
    for state in lessons:
        events.append(Activity("started", state.slug, state.started_at))
        if state.completed_at:
            events.append(Activity("completed", state.slug, state.completed_at))
    events += [
        Activity("quiz", attempt.quiz_id, attempt.finished_at, attempt.score)
        for attempt in finished
        if attempt.finished_at and attempt.score is not None
    ]
    events += [
        Activity("answering", attempt.quiz_id, attempt.last_answered_at, count=attempt.count)
        for attempt in recent.open_attempts
    ]
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
