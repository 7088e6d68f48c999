"""Server-side sessions: the store, when a session is stored, and the helpers login and logout call.

The policy (``SessionPolicy``), for both stores:

- a session is stored only when it holds something (an empty one is never written);
- it is written back only when it changed, or when its lifetime is due to be extended,
  at most once a day (the ``_refreshed`` stamp), not on every request;
- an anonymous session lives ``ANONYMOUS_SESSION_LIFETIME`` (a day), a logged-in one
  ``PERMANENT_SESSION_LIFETIME``, each extended on activity;
- requests for ``SESSIONLESS_PATHS`` (static files, health checks) open no session at all.
"""

from __future__ import annotations

import functools
import hashlib
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask import Request
from flask import Response
from flask import current_app
from flask import request
from flask import session
from flask_session.base import ServerSideSession
from flask_session.base import ServerSideSessionInterface
from flask_session.defaults import Defaults
from flask_session.redis.redis import RedisSessionInterface
from flask_session.sqlalchemy.sqlalchemy import SqlAlchemySessionInterface
from flask_session.sqlalchemy.sqlalchemy import create_session_model
from sqlalchemy.engine import make_url

from app import redisclient
from app.extensions import db

SESSIONS_TABLE = "sessions"

#: Session entry holding when the stored copy was last written (seconds since the epoch).
REFRESHED_KEY = "_refreshed"

#: Flask-Login's session entry: its presence makes a session a logged-in one.
USER_KEY = "_user_id"


class SessionPolicy:
    """When to open, store, extend and expire a server-side session (mixed into both stores)."""

    def open_session(self, app: Flask, request: Request) -> ServerSideSession | None:
        """Open no session for static files and health checks: Flask then uses a null session."""
        if is_sessionless(app, request.path):
            return None
        return super().open_session(app, request)

    def lifetime(self, app: Flask, session: ServerSideSession) -> timedelta:
        """Return how long this session lives without activity."""
        if dict.__contains__(session, USER_KEY):
            return app.permanent_session_lifetime
        return app.config["ANONYMOUS_SESSION_LIFETIME"]

    def refresh_interval(self, app: Flask, session: ServerSideSession) -> timedelta:
        """Return how old the stored copy may get before its lifetime is extended."""
        return min(app.config["SESSION_REFRESH_INTERVAL"], self.lifetime(app, session) / 4)

    def is_due_for_refresh(self, app: Flask, session: ServerSideSession) -> bool:
        """Return whether the stored copy was written longer ago than the refresh interval."""
        stamp = dict.get(session, REFRESHED_KEY)
        if not isinstance(stamp, int | float):
            return True
        return time.time() - stamp >= self.refresh_interval(app, session).total_seconds()

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        """Write the session when it changed or is due for a refresh, never otherwise."""
        return session.modified or self.is_due_for_refresh(app, session)

    def should_set_cookie(self, app: Flask, session: ServerSideSession) -> bool:
        """Send the cookie when the stored copy was (re)written, so both expire together."""
        return session.modified

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        """Delete an emptied session, or stamp one about to be written and let Flask-Session save it."""
        if not session and session.modified:
            self.delete_session(app, session, response)
            return
        if session and self.should_set_storage(app, session):
            # Setting the stamp marks the session modified: storage and cookie are renewed.
            session[REFRESHED_KEY] = int(time.time())
        super().save_session(app, session, response)

    def delete_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        """Delete the stored copy and the cookie; the deletion carries the cookie's own flags.

        A deletion without ``Secure``/``SameSite``/``HttpOnly`` is a different cookie to
        strict browsers and leaks a ``Set-Cookie`` weaker than the one it replaces.
        """
        self._delete_session(self._get_store_id(session.sid))
        response.delete_cookie(
            self.get_cookie_name(app),
            path=self.get_cookie_path(app),
            domain=self.get_cookie_domain(app),
            secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def get_expiration_time(self, app: Flask, session: ServerSideSession) -> datetime | None:
        """Expire the cookie with the stored copy: a day for anonymous sessions, longer for accounts."""
        if session.permanent:
            return datetime.now(UTC) + self.lifetime(app, session)
        return None

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        """Store the session for its own lifetime rather than one lifetime for all."""
        super()._upsert_session(self.lifetime(self.app, session), session, store_id)


class PolicyRedisSessionInterface(SessionPolicy, RedisSessionInterface):
    """Flask-Session's Redis store under the site's session policy."""


def init_sessions(app: Flask) -> None:
    """Bind Flask-Session to Redis when ``REDIS_URL`` is set, else to the database.

    Flask-Session 0.8 has no default backend, and ``SESSION_TYPE="redis"`` without a
    client silently targets localhost:6379, so the client is always passed explicitly.
    """
    url = app.config.get("REDIS_URL")
    if url:
        config = app.config
        config["SESSION_TYPE"] = "redis"
        config["SESSION_REDIS"] = redisclient.connect(url, socket_timeout=2)
        store = f"Redis at {redact_url(url)}"
        app.session_interface = PolicyRedisSessionInterface(
            app,
            client=config["SESSION_REDIS"],
            key_prefix=config["SESSION_KEY_PREFIX"],
            use_signer=False,
            permanent=config["SESSION_PERMANENT"],
            sid_length=config.get("SESSION_ID_LENGTH", Defaults.SESSION_ID_LENGTH),
            serialization_format=Defaults.SESSION_SERIALIZATION_FORMAT,
        )
    else:
        app.config["SESSION_TYPE"] = "sqlalchemy"
        app.config["SESSION_SQLALCHEMY"] = db
        app.config["SESSION_SQLALCHEMY_TABLE"] = SESSIONS_TABLE
        app.session_interface = EmbeddedSessionInterface(app)
        store = "the embedded database (REDIS_URL is not set; run Redis for production)"
    app.extensions["session_store"] = app.config["SESSION_TYPE"]
    app.logger.info("Session store: %s", store)


@functools.cache
def _session_model(table: str) -> type:
    """Declare Flask-Session's ``sessions`` model on our metadata, once per process."""
    return create_session_model(db, table)


class EmbeddedSessionInterface(SessionPolicy, SqlAlchemySessionInterface):
    """Flask-Session's SQLAlchemy backend under the site's policy, with its model declared only once.

    The stock ``__init__`` declares ``class Session(db.Model)`` on every call, so a
    second ``create_app`` in one process (tests, the reloader) fails with "Table
    'sessions' is already defined". Everything else is Flask-Session's own code.
    """

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.app = app
        self.client = db
        self.sql_session_model = _session_model(config["SESSION_SQLALCHEMY_TABLE"])
        # Like the stock backend, create the table if it is missing; it is therefore
        # kept out of the migrations (see include_in_migrations).
        with app.app_context():
            self.sql_session_model.__table__.create(bind=db.engine, checkfirst=True)
        ServerSideSessionInterface.__init__(
            self,
            app,
            key_prefix=config["SESSION_KEY_PREFIX"],
            use_signer=False,
            permanent=config["SESSION_PERMANENT"],
            sid_length=config.get("SESSION_ID_LENGTH", Defaults.SESSION_ID_LENGTH),
            serialization_format=Defaults.SESSION_SERIALIZATION_FORMAT,
            cleanup_n_requests=config.get("SESSION_CLEANUP_N_REQUESTS", 1000),
        )


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Leave Flask-Session's table out of Alembic: Flask-Session creates it itself."""
    return not (type_ == "table" and name == SESSIONS_TABLE)


def is_sessionless(app: Flask, path: str) -> bool:
    """Return whether requests for ``path`` open no session (static files, health checks)."""
    for prefix in app.config["SESSIONLESS_PATHS"]:
        if path == prefix.rstrip("/") or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return True
    return False


def session_key() -> str:
    """Return a stable name of the current session that reveals nothing of its id (a SHA-256)."""
    return hashlib.sha256(session.sid.encode()).hexdigest()


def is_same_origin_request() -> bool:
    """Return whether the browser says this request comes from a page of this very site.

    Browsers set ``Sec-Fetch-Site`` (and ``Origin`` on every POST) themselves; a page on
    another site cannot forge either, so a request they vouch for is no forgery. A client
    that sends neither proves nothing and must present a CSRF token.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    return origin == request.host_url.rstrip("/")


def regenerate_session() -> None:
    """Give the current session a new id, keeping its data (call at login)."""
    current_app.session_interface.regenerate(session)


def end_session() -> None:
    """Empty the session so Flask-Session deletes the stored copy and the cookie."""
    session.clear()


def ping_session_store(app: Flask) -> None:
    """Raise if the session store cannot be reached (used by /readyz)."""
    if app.config["SESSION_TYPE"] == "redis":
        app.config["SESSION_REDIS"].ping()
    else:
        model = app.session_interface.sql_session_model
        db.session.execute(sa.select(model.id).limit(1))


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"
