"""Login rate limit: too many failures for one account or from one address answer 429.

Failures are rows in the database, so the limit holds across processes and with
either session store; a successful login clears the account's failures.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import LoginFailure
from app.extensions import db
from app.models import utcnow
from app.progress.service import as_utc
from app.progress.service import transaction

#: Defaults; each can be overridden in the app's config.
DEFAULT_LIMITS = {
    "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 10,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
}


def _setting(name: str):
    """Return a limit from the config, or its default."""
    return current_app.config.get(name, DEFAULT_LIMITS[name])


def retry_after(email: str, ip: str, now: datetime | None = None) -> int | None:
    """Return the seconds to wait if the account or the address is over its limit."""
    now = now or utcnow()
    window: timedelta = _setting("LOGIN_FAILURE_WINDOW")
    since = now - window
    waits = []
    for column, value, limit in (
        (LoginFailure.email, email, _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT")),
        (LoginFailure.ip, ip, _setting("LOGIN_MAX_FAILURES_PER_IP")),
    ):
        recent = list(
            db.session.scalars(
                sa.select(LoginFailure.failed_at)
                .where(column == value, LoginFailure.failed_at > since)
                .order_by(LoginFailure.failed_at.desc())
                .limit(limit)
            )
        )
        if len(recent) >= limit:
            # Allowed again when the oldest of the last ``limit`` failures leaves the window.
            oldest = as_utc(recent[-1])
            waits.append(max(1, int((oldest + window - now).total_seconds()) + 1))
    return max(waits) if waits else None


def record_failure(email: str, ip: str) -> None:
    """Store a failed login, and forget failures that left the window."""
    cutoff = utcnow() - _setting("LOGIN_FAILURE_WINDOW")
    with transaction():
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.failed_at < cutoff))
        db.session.add(LoginFailure(email=email[:254], ip=ip[:64]))


def clear_failures(email: str) -> None:
    """Forget the account's failures after a successful login."""
    with transaction():
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
