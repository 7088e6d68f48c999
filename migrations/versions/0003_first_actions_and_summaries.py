"""idempotent first actions and progress summaries

A key per anonymous learner and attempts numbered per quiz (both unique), so concurrent
first actions create one row; per-learner question and quiz summaries, filled from the
answers already stored, so pages need not read a learner's whole history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Existing attempts are numbered in the order they began, per learner and quiz.
NUMBER_EXISTING_ATTEMPTS = """
UPDATE quiz_attempts SET number = (
    SELECT count(*) FROM quiz_attempts AS earlier
    WHERE earlier.learner_id = quiz_attempts.learner_id
      AND earlier.quiz_id = quiz_attempts.quiz_id
      AND (earlier.started_at < quiz_attempts.started_at
           OR (earlier.started_at = quiz_attempts.started_at AND earlier.id <= quiz_attempts.id))
)
"""

# One row per learner and question answered: mastered if any answer was right, the latest score.
SUMMARIZE_QUESTIONS = """
INSERT INTO question_summaries (learner_id, question_id, quiz_id, mastered, last_score, last_answered_at)
SELECT attempt.learner_id, response.question_id, attempt.quiz_id,
    EXISTS (
        SELECT 1 FROM question_responses AS other
        JOIN quiz_attempts AS other_attempt ON other_attempt.id = other.attempt_id
        WHERE other_attempt.learner_id = attempt.learner_id
          AND other.question_id = response.question_id AND other.correct
    ),
    response.score, response.answered_at
FROM question_responses AS response
JOIN quiz_attempts AS attempt ON attempt.id = response.attempt_id
WHERE response.id = (
    SELECT latest.id FROM question_responses AS latest
    JOIN quiz_attempts AS latest_attempt ON latest_attempt.id = latest.attempt_id
    WHERE latest_attempt.learner_id = attempt.learner_id AND latest.question_id = response.question_id
    ORDER BY latest.answered_at DESC, latest.id DESC
    LIMIT 1
)
"""

# One row per learner and quiz with a finished attempt: the best whole-quiz score.
SUMMARIZE_QUIZZES = """
INSERT INTO quiz_summaries (learner_id, quiz_id, best_score, finished_attempts)
SELECT learner_id, quiz_id, max(CASE WHEN mode = 'all' THEN score END), count(*)
FROM quiz_attempts
WHERE finished_at IS NOT NULL
GROUP BY learner_id, quiz_id
"""


def upgrade():
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymous_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_learners_anonymous_key"), ["anonymous_key"])

    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(NUMBER_EXISTING_ATTEMPTS)
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_quiz_attempts_learner_id_quiz_id_number"), ["learner_id", "quiz_id", "number"]
        )

    op.create_table(
        "question_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=120), nullable=False),
        sa.Column("quiz_id", sa.String(length=120), nullable=False),
        sa.Column("mastered", sa.Boolean(), nullable=False),
        sa.Column("last_score", sa.Float(), nullable=False),
        sa.Column("last_answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_question_summaries_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_summaries")),
        sa.UniqueConstraint(
            "learner_id", "question_id", name=op.f("uq_question_summaries_learner_id_question_id")
        ),
    )
    op.create_table(
        "quiz_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=120), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("finished_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_quiz_summaries_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_summaries")),
        sa.UniqueConstraint("learner_id", "quiz_id", name=op.f("uq_quiz_summaries_learner_id_quiz_id")),
    )
    op.execute(SUMMARIZE_QUESTIONS)
    op.execute(SUMMARIZE_QUIZZES)


def downgrade():
    op.drop_table("quiz_summaries")
    op.drop_table("question_summaries")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_quiz_attempts_learner_id_quiz_id_number"), type_="unique")
        batch_op.drop_column("number")

    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_learners_anonymous_key"), type_="unique")
        batch_op.drop_column("anonymous_key")
