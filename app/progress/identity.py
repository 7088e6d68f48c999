"""Who the current learner is: the account's learner, or the session's anonymous one.

An anonymous visitor gets a learner row the first time they do something worth
keeping; its id lives in the server-side session, so nobody can claim another's.
The row is named by a key derived from the session, so concurrent first actions of
one session all find the same row. A signed, long-lived "learner" cookie set beside
it leads a browser back to its anonymous progress when the session is lost (expired,
or the session store was emptied); it never leads to an account's learner.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Response
from flask import after_this_request
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_login import current_user
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer

from app.extensions import db
from app.progress import service
from app.progress import summary
from app.progress.models import Learner
from app.progress.queries import LessonState
from app.sessions import session_key

SESSION_KEY = "learner_id"

#: Salt of the learner cookie's signature: no other signed value can pass for it.
LEARNER_COOKIE_SALT = "insideflask.learner-cookie"


def current_learner() -> Learner | None:
    """Return the current learner if one exists yet, without creating any row."""
    if "learner" in g:
        return g.learner
    if current_user.is_authenticated:
        learner = service.find_user_learner(current_user.id)
    else:
        learner = _anonymous_learner()
    g.learner = learner
    return learner


def ensure_learner() -> Learner:
    """Return the current learner, creating it (and remembering it) if needed."""
    learner = current_learner()
    if learner is None:
        if current_user.is_authenticated:
            learner = service.learner_for_user(current_user._get_current_object())
        else:
            learner = service.anonymous_learner(session_key())
            session[SESSION_KEY] = learner.id
        g.learner = learner
    if learner.is_anonymous and _cookie_learner_id() != learner.id:
        remember_learner(learner)
    return learner


def current_learner_id() -> int | None:
    """Return the current learner's id, or ``None`` before they did anything.

    For a returning learner one small statement confirms the id the request names (no
    ``Learner`` object is built); the full lookup runs only when it does not.
    """
    if "learner" not in g and "learner_id" in g:
        return g.learner_id
    claim = _claim()
    if claim is not None:
        learner_id = summary.claimed_learner(*claim)
        if learner_id is not None:
            g.learner_id = learner_id
            return learner_id
    learner = current_learner()
    return learner.id if learner is not None else None


def learner_lessons(slugs: Collection[str] | None = None) -> tuple[int | None, dict[str, LessonState]]:
    """Return the current learner's id and states among ``slugs`` (all for ``None``): one statement.

    What to notice: the learner row is not loaded on its own. The request names its learner
    (the account, or the session's anonymous learner) and the statement that reads the
    lessons confirms it. Only when it does not (the row is gone, or a session was lost and
    the learner cookie leads back) does the full lookup run.
    """
    claim = _claim()
    if claim is None:
        learner_id = current_learner_id()
    else:
        found = summary.claimed_lessons(*claim, slugs)
        if found is not None:
            g.learner_id = found[0]
            return found
        learner = current_learner()  # not the claimed one: the full lookup
        learner_id = learner.id if learner is not None else None
    return learner_id, summary.lesson_states(learner_id, slugs) if learner_id is not None else {}


def learner_standing(
    slugs: Collection[str] | None = None, quiz_ids: Collection[str] | None = None
) -> tuple[int | None, summary.Standing]:
    """Return the current learner's id and standing on ``slugs`` and ``quiz_ids`` (all for ``None``).

    Two statements for a returning learner: the lessons (which confirm the learner, as in
    ``learner_lessons``) and the quizzes.
    """
    learner_id, lessons = learner_lessons(slugs)
    if learner_id is None:
        return None, summary.NOBODY
    return learner_id, summary.standing_of(learner_id, lessons, quiz_ids)


def _claim() -> tuple[str, int] | None:
    """Return who the request says its learner is, as (kind, key) of ``summary.CLAIMS``."""
    if "learner" in g or "learner_id" in g:
        return None
    if current_user.is_authenticated:
        return "account", current_user.id
    learner_id = session.get(SESSION_KEY)
    if isinstance(learner_id, int) and not isinstance(learner_id, bool):
        return "anonymous", learner_id
    return None


def anonymous_learner_id() -> int | None:
    """Return the id of this browser's anonymous learner, for claiming at login."""
    learner = _anonymous_learner()
    return learner.id if learner is not None else None


def forget_anonymous_learner() -> None:
    """Drop the anonymous learner from the session (it now belongs to an account)."""
    session.pop(SESSION_KEY, None)
    g.pop("learner", None)
    g.pop("learner_id", None)


def _anonymous_learner() -> Learner | None:
    """Return the session's anonymous learner, else the one the learner cookie leads back to."""
    learner = _session_learner()
    if learner is None:
        learner = _recovered_learner()
        if learner is not None:
            session[SESSION_KEY] = learner.id
    return learner


def _session_learner() -> Learner | None:
    """Return the anonymous learner the session names, if it is still anonymous."""
    learner_id = session.get(SESSION_KEY)
    if not isinstance(learner_id, int):
        return None
    learner = db.session.get(Learner, learner_id)
    if learner is None or not learner.is_anonymous:
        # Deleted, or claimed by an account since: this session starts afresh.
        session.pop(SESSION_KEY, None)
        return None
    return learner


# The learner cookie ---------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    """Return the signer of learner cookies (the app's secret, a salt of their own)."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=LEARNER_COOKIE_SALT)


def _cookie_payload() -> tuple[int, str] | None:
    """Return (learner id, anonymous key) from a valid learner cookie, else ``None``."""
    raw = request.cookies.get(current_app.config["LEARNER_COOKIE_NAME"])
    if not raw:
        return None
    max_age = current_app.config["LEARNER_COOKIE_LIFETIME"].total_seconds()
    try:
        payload = _serializer().loads(raw, max_age=max_age)
    except BadData:
        return None
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    learner_id, key = payload
    if not isinstance(learner_id, int) or isinstance(learner_id, bool) or not isinstance(key, str):
        return None
    return learner_id, key


def _cookie_learner_id() -> int | None:
    """Return the learner id a valid learner cookie names."""
    payload = _cookie_payload()
    return payload[0] if payload is not None else None


def _recovered_learner() -> Learner | None:
    """Return the anonymous learner the learner cookie names, if it is still anonymous.

    The key must match too: a row id can be reused after a learner is merged away,
    and the key of a claimed learner is cleared, so neither can be reached this way.
    """
    payload = _cookie_payload()
    if payload is None:
        return None
    learner_id, key = payload
    learner = db.session.get(Learner, learner_id)
    if learner is None or not learner.is_anonymous or learner.anonymous_key != key:
        return None
    return learner


def remember_learner(learner: Learner) -> None:
    """Set the learner cookie for this anonymous learner on the response (once per request)."""
    if g.get("_learner_cookie_set"):
        return
    g._learner_cookie_set = True
    value = _serializer().dumps([learner.id, learner.anonymous_key])

    @after_this_request
    def set_learner_cookie(response: Response) -> Response:
        config = current_app.config
        interface = current_app.session_interface
        response.set_cookie(
            config["LEARNER_COOKIE_NAME"],
            value,
            max_age=int(config["LEARNER_COOKIE_LIFETIME"].total_seconds()),
            path=interface.get_cookie_path(current_app),
            domain=interface.get_cookie_domain(current_app),
            secure=interface.get_cookie_secure(current_app),
            httponly=True,
            samesite=interface.get_cookie_samesite(current_app),
        )
        return response
