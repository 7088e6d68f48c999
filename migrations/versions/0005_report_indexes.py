"""indexes for the instructor reports

Item analysis and the overview aggregate every stored answer. These indexes let each
statement read in the order it needs: an attempt's answers in the order given (the
time per answer, a window over each attempt), a question's answers with their attempt
and verdict (replacing the index on the question id alone, which made the totals jump
around the table), the answers of the last days, one quiz's attempts and one question's
summaries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 17:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_responses_question_id"))
        batch_op.create_index(
            "ix_question_responses_question_id_attempt_id_correct",
            ["question_id", "attempt_id", "correct"],
            unique=False,
        )
        batch_op.create_index(
            "ix_question_responses_attempt_id_answered_at_id",
            ["attempt_id", "answered_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_question_responses_answered_at", ["answered_at"], unique=False)

    with op.batch_alter_table("question_summaries", schema=None) as batch_op:
        batch_op.create_index("ix_question_summaries_question_id", ["question_id"], unique=False)

    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_attempts_quiz_id", ["quiz_id"], unique=False)


def downgrade():
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_quiz_id")

    with op.batch_alter_table("question_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_question_summaries_question_id")

    with op.batch_alter_table("question_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_question_responses_answered_at")
        batch_op.drop_index("ix_question_responses_attempt_id_answered_at_id")
        batch_op.drop_index("ix_question_responses_question_id_attempt_id_correct")
        batch_op.create_index(batch_op.f("ix_question_responses_question_id"), ["question_id"], unique=False)
