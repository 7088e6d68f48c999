"""Account writes: registering, and remembering the interface language."""

from __future__ import annotations

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
