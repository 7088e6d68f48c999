"""Progress rows: learners, lessons opened and finished, quiz attempts and answers.

Lessons, quizzes and questions are referred to by their string ids from the content
files, never by foreign keys: editing the course never breaks stored progress, and a
question removed from a quiz keeps its history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models import User
from app.models import utcnow

#: Length of the content ids (slugs, quiz and question ids) the tables store.
CONTENT_ID_LENGTH = 120

ATTEMPT_MODES = ("all", "missed")

#: Length of ``Learner.anonymous_key`` (a hex SHA-256).
ANONYMOUS_KEY_LENGTH = 64


class Learner(db.Model):
    """Someone taking the course: anonymous (known by their session) or a user's own."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Names an anonymous learner (``None`` once an account owns it). It is derived from the
    #: session that created the learner, so concurrent first actions of one session find one
    #: row; the recovery cookie must also name it, so a reused row id never matches.
    anonymous_key: Mapped[str | None] = mapped_column(sa.String(ANONYMOUS_KEY_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def is_anonymous(self) -> bool:
        """Return whether no account owns this learner yet."""
        return self.user_id is None

    def __repr__(self) -> str:
        return f"<Learner {self.id} user={self.user_id}>"


class LessonProgress(db.Model):
    """When a learner first opened a lesson, and when they marked it done."""

    __tablename__ = "lesson_progress"
    __table_args__ = (sa.UniqueConstraint("learner_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_completed(self) -> bool:
        """Return whether the lesson was marked as done."""
        return self.completed_at is not None

    def __repr__(self) -> str:
        return f"<LessonProgress {self.learner_id} {self.lesson_slug}>"


class QuizAttempt(db.Model):
    """One pass through a quiz: the whole quiz, or only the questions missed last time."""

    __tablename__ = "quiz_attempts"
    # Attempts are numbered per learner and quiz; two requests that both start "the next
    # attempt" compete for the same number, so only one row is ever created.
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "quiz_id", "number"),
        # One topic's item analysis reads the attempts at its quiz only.
        sa.Index("ix_quiz_attempts_quiz_id", "quiz_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    #: 1 for the learner's first attempt at the quiz, then 2, 3…; the highest is the latest.
    number: Mapped[int] = mapped_column(default=1)
    mode: Mapped[str] = mapped_column(
        sa.String(16), sa.CheckConstraint("mode in ('all', 'missed')", name="mode"), default="all"
    )
    #: The question ids asked, in order, as they were when the attempt began.
    question_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The mean score over ``question_ids`` (0 to 1), set when the attempt finishes.
    score: Mapped[float | None] = mapped_column(sa.Float)

    responses: Mapped[list[QuestionResponse]] = relationship(
        back_populates="attempt",
        cascade="all, delete-orphan",
        order_by="QuestionResponse.id",
    )

    @property
    def is_finished(self) -> bool:
        """Return whether every question of the attempt has been answered."""
        return self.finished_at is not None

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} {self.quiz_id} learner={self.learner_id}>"


class QuestionResponse(db.Model):
    """A learner's answer to one question within an attempt, as graded then."""

    __tablename__ = "question_responses"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id"),
        # The reports (``app.progress.reports``) aggregate every answer; each index lets one
        # of them read in the order it needs instead of sorting or jumping around the table:
        # per question, with its attempt and verdict (the overview's totals, a few
        # questions' answers) ...
        sa.Index(
            "ix_question_responses_question_id_attempt_id_correct", "question_id", "attempt_id", "correct"
        ),
        # ... each attempt's answers in the order given (the time each answer took) ...
        sa.Index("ix_question_responses_attempt_id_answered_at_id", "attempt_id", "answered_at", "id"),
        # ... and the answers of the last days (answers per day).
        sa.Index("ix_question_responses_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    answer: Mapped[Any] = mapped_column(sa.JSON)
    correct: Mapped[bool] = mapped_column(sa.Boolean)
    score: Mapped[float] = mapped_column(sa.Float)
    answered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")

    def __repr__(self) -> str:
        return f"<QuestionResponse {self.attempt_id} {self.question_id} {self.score}>"


class QuestionSummary(db.Model):
    """Where a learner stands on one question, kept by the service beside every answer.

    Pages read these few rows (one per question ever answered) instead of the whole
    answer history, so their cost does not grow with it.
    """

    __tablename__ = "question_summaries"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "question_id"),
        # Item analysis reads one question's summaries (discrimination), or every question id.
        sa.Index("ix_question_summaries_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    quiz_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    #: Answered right at least once.
    mastered: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: The score of the latest answer, and when it was given.
    last_score: Mapped[float] = mapped_column(sa.Float)
    last_answered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<QuestionSummary {self.learner_id} {self.question_id}>"


class QuizSummary(db.Model):
    """A learner's best whole-quiz score, kept by the service when an attempt finishes."""

    __tablename__ = "quiz_summaries"
    __table_args__ = (sa.UniqueConstraint("learner_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    #: The best score of a finished attempt at the whole quiz (``None``: none finished yet).
    best_score: Mapped[float | None] = mapped_column(sa.Float)
    finished_attempts: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<QuizSummary {self.learner_id} {self.quiz_id} {self.best_score}>"


class ReviewCard(db.Model):
    """A learner's FSRS card for one question: its memory state and when it is due again.

    Every answered question becomes a card; the service updates it beside each answer
    or review, in the same transaction. ``state``, ``step``, ``stability``, ``difficulty``,
    ``due`` and ``last_review`` are the fields of ``fsrs.Card``.
    """

    __tablename__ = "review_cards"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "question_id"),
        sa.Index("ix_review_cards_learner_id_due", "learner_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    quiz_id: Mapped[str] = mapped_column(sa.String(CONTENT_ID_LENGTH))
    state: Mapped[int] = mapped_column(default=1)
    step: Mapped[int | None] = mapped_column()
    stability: Mapped[float | None] = mapped_column(sa.Float)
    difficulty: Mapped[float | None] = mapped_column(sa.Float)
    due: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_review: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Ratings given so far, and how many of them were Again on a card already learned.
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    #: When the card was first rated on the review page (until then it is new there).
    introduced_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: A leech: lapsed too often, kept out of review until the learner re-reads the lesson.
    suspended: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<ReviewCard {self.learner_id} {self.question_id} due={self.due}>"


class ReviewLog(db.Model):
    """One rating of a card, with the card as it was before (so the rating can be undone)."""

    __tablename__ = "review_logs"
    __table_args__ = (sa.Index("ix_review_logs_learner_id_reviewed_at", "learner_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cards.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    #: 1 Again, 2 Hard, 3 Good, 4 Easy (``fsrs.Rating``).
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Where the rating came from: ``quiz``, ``review`` or ``drill``.
    source: Mapped[str] = mapped_column(sa.String(16))
    reviewed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column()
    #: The answer given on the review page and its score (quiz answers keep theirs in their response).
    answer: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(sa.Float)
    #: The card's fields before this rating; undo writes them back.
    previous: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<ReviewLog {self.card_id} {self.rating} {self.source}>"


class Drill(db.Model):
    """A timed mock interview: its questions, deadline and answers, all kept on the server.

    ``answers`` maps a question id to ``{"answer", "score", "correct", "seconds",
    "answered_at"}``; an answer after ``deadline`` is never stored. Every drill is kept,
    so a restart cannot hide a score.
    """

    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    question_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: When the question now shown was first shown (for the time per question).
    shown_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Mean score over every question asked (unanswered count 0), set when it ends.
    score: Mapped[float | None] = mapped_column(sa.Float)

    @property
    def is_finished(self) -> bool:
        """Return whether the drill has ended (all answered, time up, or given up)."""
        return self.finished_at is not None

    def __repr__(self) -> str:
        return f"<Drill {self.id} learner={self.learner_id}>"
