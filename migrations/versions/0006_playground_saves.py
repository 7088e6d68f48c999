"""playground saves

A signed-in learner's edited playground code, one row per account and playground, with the
digest of the code the edits started from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 17:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "playground_saves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.String(length=200), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("base", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_playground_saves_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playground_saves")),
        sa.UniqueConstraint("user_id", "block_id", name=op.f("uq_playground_saves_user_id_block_id")),
    )


def downgrade():
    op.drop_table("playground_saves")
