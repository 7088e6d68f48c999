"""The small service that keeps signed-in learners' playground edits in their account.

A save is one row per account and playground, written whole each time (the newest save
wins). It is offered back only while the playground's code is the one the edits started
from. Reading is one bounded statement per page (at most ``MAX_IDS`` playgrounds).
No code is ever run here: it is stored text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.content.model import PlaygroundEntry
from app.extensions import db
from app.models import utcnow
from app.playground.models import PlaygroundSave
from app.progress.service import transaction

#: Largest code a save keeps, in bytes of UTF-8 (the playground's own apps are a few KB).
MAX_CODE_BYTES = 64 * 1024
#: Most playgrounds one request asks about (a page has a handful).
MAX_IDS = 20


class SaveRefused(ValueError):
    """A save the service will not keep; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def digest(code: str) -> str:
    """Return the hex SHA-256 of ``code``: which version of a playground edits start from."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def saved_copies(user_id: int, entries: Iterable[PlaygroundEntry]) -> dict[str, PlaygroundSave]:
    """Return the user's saves of these playgrounds that still apply to their code (one statement)."""
    wanted = {entry.id: digest(entry.code) for entry in entries}
    if not wanted:
        return {}
    rows = db.session.scalars(
        sa.select(PlaygroundSave).where(
            PlaygroundSave.user_id == user_id, PlaygroundSave.block_id.in_(list(wanted))
        )
    )
    return {row.block_id: row for row in rows if row.base == wanted[row.block_id]}


def check_code(code: object) -> str:
    """Return ``code`` if a save may keep it; raise ``SaveRefused`` (400, or 413 when too large)."""
    if not isinstance(code, str):
        raise SaveRefused(_('Send the code as text: {"code": "..."}.'))
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > MAX_CODE_BYTES:
        raise SaveRefused(
            _(
                "The code is too long to save: %(size)d KB, and a playground keeps at most %(limit)d KB.",
                size=-(-size // 1024),
                limit=MAX_CODE_BYTES // 1024,
            ),
            413,
        )
    return code


def find_save(user_id: int, block_id: str) -> PlaygroundSave | None:
    """Return the user's save of one playground, if any."""
    return db.session.scalar(
        sa.select(PlaygroundSave).where(
            PlaygroundSave.user_id == user_id, PlaygroundSave.block_id == block_id
        )
    )


def save_code(user_id: int, entry: PlaygroundEntry, code: object) -> PlaygroundSave:
    """Keep ``code`` as the user's copy of the playground ``entry``, replacing an older copy."""
    code = check_code(code)
    values = {"code": code, "base": digest(entry.code), "saved_at": utcnow()}
    row = find_save(user_id, entry.id)
    if row is None:
        try:
            with transaction():
                row = PlaygroundSave(user_id=user_id, block_id=entry.id, **values)
                db.session.add(row)
            return row
        except IntegrityError:
            # Another request of this user saved the same playground first: overwrite it.
            row = find_save(user_id, entry.id)
            if row is None:
                raise
    with transaction():
        for name, value in values.items():
            setattr(row, name, value)
    return row
