"""Accounts: the ``User`` model and the time helper every model uses."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from werkzeug.security import check_password_hash

from app.extensions import db

ROLES = ("learner", "instructor")


def utcnow() -> datetime:
    """Return the current time in UTC; pass the function itself as a column default."""
    return datetime.now(UTC)


class User(UserMixin, db.Model):
    """A registered account: a learner, or an instructor who may preview content."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[str] = mapped_column(
        sa.String(16),
        sa.CheckConstraint("role in ('learner', 'instructor')", name="role"),
        default="learner",
    )
    language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def set_password(self, password: str) -> None:
        """Store a salted hash (scrypt, at ``PASSWORD_HASH_METHOD``'s cost), never the password."""
        from app.auth.passwords import hash_password  # app.auth's views import this module

        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """Return whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_instructor(self) -> bool:
        """Return whether this account may use the instructor pages."""
        return self.role == "instructor"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def normalize_email(email: str) -> str:
    """Return the canonical form of an email address used for lookups."""
    return email.strip().lower()
