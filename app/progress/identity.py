"""Who the current learner is: the account's learner, or the session's anonymous one.

An anonymous visitor gets a learner row the first time they do something worth
keeping; its id lives in the server-side session, so nobody can claim another's.
"""

from __future__ import annotations

from flask import g
from flask import session
from flask_login import current_user

from app.extensions import db
from app.progress import service
from app.progress.models import Learner

SESSION_KEY = "learner_id"


def current_learner() -> Learner | None:
    """Return the current learner if one exists yet, without creating any row."""
    if "learner" in g:
        return g.learner
    if current_user.is_authenticated:
        learner = service.find_user_learner(current_user.id)
    else:
        learner = _session_learner()
    g.learner = learner
    return learner


def ensure_learner() -> Learner:
    """Return the current learner, creating it (and remembering it) if needed."""
    learner = current_learner()
    if learner is not None:
        return learner
    if current_user.is_authenticated:
        learner = service.learner_for_user(current_user._get_current_object())
    else:
        learner = service.new_anonymous_learner()
        session[SESSION_KEY] = learner.id
    g.learner = learner
    return learner


def current_learner_id() -> int | None:
    """Return the current learner's id, or ``None`` before they did anything."""
    learner = current_learner()
    return learner.id if learner is not None else None


def anonymous_learner_id() -> int | None:
    """Return the id of the session's anonymous learner, for claiming at login."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def forget_anonymous_learner() -> None:
    """Drop the anonymous learner from the session (it now belongs to an account)."""
    session.pop(SESSION_KEY, None)
    g.pop("learner", None)


def _session_learner() -> Learner | None:
    """Return the anonymous learner the session names, if it is still anonymous."""
    learner_id = anonymous_learner_id()
    if learner_id is None:
        return None
    learner = db.session.get(Learner, learner_id)
    if learner is None or not learner.is_anonymous:
        # Deleted, or claimed by an account since: this session starts afresh.
        session.pop(SESSION_KEY, None)
        return None
    return learner
