"""idempotent first actions: a key per anonymous learner, attempts numbered per quiz

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


def downgrade():
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_quiz_attempts_learner_id_quiz_id_number"), type_="unique")
        batch_op.drop_column("number")

    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_learners_anonymous_key"), type_="unique")
        batch_op.drop_column("anonymous_key")
