"""Login rate limit: too many failures for one account or from one address answer 429.

Failures are rows in the database, so the limit holds across processes and with
either session store; a successful login clears the account's failures.

An attempt is *reserved* before the password is checked: in one serialised
transaction the recent failures are counted and, if there is room, this attempt
is stored as a failure. A wrong password leaves the row where it is; the right
one removes it. So however many requests arrive at once, no more than the limit
are ever tried, and the slow password hash runs outside the lock.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import nullcontext
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

#: Queues this process's threads before SQLite's write lock (see ``reserve``).
_sqlite_writers = threading.Lock()


def _setting(name: str):
    """Return a limit from the config, or its default."""
    return current_app.config.get(name, DEFAULT_LIMITS[name])


def reserve(email: str | None, ip: str) -> tuple[int | None, int | None]:
    """Store this attempt as a failure unless a limit is reached: return ``(row id, wait)``.

    ``email=None`` counts against the address only (registration probes). Exactly one
    of the two values is ``None``: the wait in seconds when refused, else the new row.
    """
    now = utcnow()
    # Start from a clean transaction: the lock below must be the first thing it does.
    if db.session().in_transaction():
        db.session.commit()
    # SQLite has one writer at a time, and its busy handler waits in no order and gives
    # up after the busy timeout; a burst of threads queues on a lock of ours instead.
    queue = _sqlite_writers if db.engine.dialect.name == "sqlite" else nullcontext()
    with queue, transaction():
        _serialise(email, ip)
        expired = LoginFailure.failed_at < now - _setting("LOGIN_FAILURE_WINDOW")
        db.session.execute(sa.delete(LoginFailure).where(expired))
        wait = retry_after(email, ip, now)
        if wait is not None:
            return None, wait
        row = LoginFailure(email=(email or "")[:254], ip=ip[:64], failed_at=now)
        db.session.add(row)
        db.session.flush()
        row_id = row.id
    return row_id, None


def _serialise(email: str | None, ip: str) -> None:
    """Make this transaction the only one checking these keys until it ends.

    PostgreSQL: transaction-scoped advisory locks on the account and the address,
    taken in a fixed order so two requests never wait on each other crosswise.
    SQLite: ``BEGIN IMMEDIATE`` takes the database's single write lock up front, so a
    second request's count waits until this one has committed its row.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        keys = sorted({_lock_key(f"ip:{ip}")} | ({_lock_key(f"email:{email}")} if email else set()))
        for key in keys:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        # If the driver has already begun a (deferred) transaction, the expiry
        # DELETE that follows is its first write and takes the same lock.
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_key(name: str) -> int:
    """Return a stable signed 64-bit advisory lock key for ``name``."""
    digest = hashlib.blake2b(f"insideflask:login:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def retry_after(email: str | None, ip: str, now: datetime | None = None) -> int | None:
    """Return the seconds to wait if the account or the address is over its limit."""
    now = now or utcnow()
    window: timedelta = _setting("LOGIN_FAILURE_WINDOW")
    since = now - window
    waits = []
    checks = [(LoginFailure.ip, ip, _setting("LOGIN_MAX_FAILURES_PER_IP"))]
    if email:
        checks.append((LoginFailure.email, email, _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT")))
    for column, value, limit in checks:
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


def release(row_id: int) -> None:
    """Forget one reserved attempt that turned out not to be a failure."""
    with transaction():
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.id == row_id))


def clear_failures(email: str) -> None:
    """Forget the account's failures after a successful login (its reservation included)."""
    with transaction():
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
