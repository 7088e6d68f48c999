"""Server-side sessions: pick the store, and the helpers login and logout call."""

from __future__ import annotations

import functools

import redis
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import session
from flask_session.base import ServerSideSessionInterface
from flask_session.defaults import Defaults
from flask_session.sqlalchemy.sqlalchemy import SqlAlchemySessionInterface
from flask_session.sqlalchemy.sqlalchemy import create_session_model
from sqlalchemy.engine import make_url

from app.extensions import db
from app.extensions import sess

SESSIONS_TABLE = "sessions"


def init_sessions(app: Flask) -> None:
    """Bind Flask-Session to Redis when ``REDIS_URL`` is set, else to the database.

    Flask-Session 0.8 has no default backend, and ``SESSION_TYPE="redis"`` without a
    client silently targets localhost:6379, so the client is always passed explicitly.
    """
    url = app.config.get("REDIS_URL")
    if url:
        app.config["SESSION_TYPE"] = "redis"
        app.config["SESSION_REDIS"] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        store = f"Redis at {redact_url(url)}"
        sess.init_app(app)
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


class EmbeddedSessionInterface(SqlAlchemySessionInterface):
    """Flask-Session's SQLAlchemy backend, with its model declared only once.

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
