"""Account writes and checks: registering, authenticating, remembering the interface language."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth import passwords
from app.extensions import db
from app.models import User
from app.models import normalize_email
from app.progress.service import transaction


def register_user(email: str, display_name: str, password: str, language: str | None = None) -> User:
    """Create a learner account with a hashed password."""
    user = User(
        email=normalize_email(email),
        display_name=display_name.strip(),
        role="learner",
        language=language,
    )
    user.set_password(password)
    with transaction():
        db.session.add(user)
    return user


def set_language(user: User, lang: str) -> None:
    """Store the account's chosen interface language."""
    with transaction():
        user.language = lang


def authenticate(email: str, password: str) -> User | None:
    """Return the account of ``email`` if ``password`` is its password, else ``None``.

    The database connection goes back to the pool before the hash is checked: the
    check is deliberately slow, and a burst of logins must not hold every connection
    through it. A known and an unknown address take the same time (``passwords.verify``).
    """
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    stored = user.password_hash if user is not None else None
    db.session.commit()  # ends the read; ``user`` reloads on its next use
    return user if passwords.verify(stored, password) else None
