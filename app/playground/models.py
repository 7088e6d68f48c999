"""The one table of the playground: a signed-in learner's edits, saved to their account."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.extensions import db
from app.models import utcnow

#: Length of a playground id (``slug.lang.p1``, or ``pg-<hash>.lang.p`` in a quiz text).
BLOCK_ID_LENGTH = 200
#: Length of ``PlaygroundSave.base``: a hex SHA-256.
DIGEST_LENGTH = 64


class PlaygroundSave(db.Model):
    """The code a user saved for one playground, and which version of its code it started from.

    ``base`` is the digest of the playground's code when the edits were saved: once the
    course changes that code, the old edits no longer apply and are not offered.
    """

    __tablename__ = "playground_saves"
    __table_args__ = (sa.UniqueConstraint("user_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    block_id: Mapped[str] = mapped_column(sa.String(BLOCK_ID_LENGTH))
    code: Mapped[str] = mapped_column(sa.Text)
    base: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH))
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<PlaygroundSave {self.block_id} user={self.user_id}>"
