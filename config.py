"""Configuration classes for Inside Flask, chosen by name or by ``INSIDE_FLASK_CONFIG``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from flask import Flask

BASE_DIR = Path(__file__).resolve().parent

#: Environment variables production cannot start without.
PRODUCTION_REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
#: Hosts production answers for when ``TRUSTED_HOSTS`` is not set: this machine only.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class ConfigurationError(RuntimeError):
    """Raised when the app cannot start with the configuration it was given."""


class Config:
    """Settings shared by every environment; subclasses override a few."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # No pre-ping round trip per checkout: connections are recycled before servers or
    # proxies drop idle ones, and a connection found dead invalidates the pool (SQLAlchemy
    # does that on any disconnect error), so the next checkout reconnects.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_recycle": 1800}
    REDIS_URL: str | None = None

    #: How passwords are hashed, in Werkzeug's spelling: scrypt at Werkzeug's default cost.
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"  # noqa: S105 (a method name, not a password)
    # Server-side sessions (Flask-Session 0.8). The store and the policy are in app/sessions.py.
    SESSION_KEY_PREFIX = "insideflask:session:"
    SESSION_PERMANENT = True
    # A logged-in session lives 30 days, an anonymous one a day, each extended on activity;
    # the stored copy is written back only when it changed or, at most once a day
    # (a quarter of the lifetime for anonymous ones), to extend it.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    ANONYMOUS_SESSION_LIFETIME = timedelta(days=1)
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_REFRESH_INTERVAL = timedelta(days=1)
    # Requests that open no session at all: no store round trip, no cookie.
    SESSIONLESS_PATHS = ("/static/", "/healthz", "/readyz")
    # Leads a browser back to its anonymous progress when its session is lost (signed, HttpOnly).
    LEARNER_COOKIE_NAME = "insideflask_learner"
    LEARNER_COOKIE_LIFETIME = timedelta(days=400)
    SESSION_COOKIE_NAME = "insideflask_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_SQLALCHEMY_TABLE = "sessions"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Every request body is bounded; a bigger one gets the 413 page.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    # A CSRF token lives as long as the session: a learner who leaves a quiz open
    # for an afternoon must not lose the answer they post.
    WTF_CSRF_TIME_LIMIT = None

    # flask-sock: cap a frame's size before any view code sees it, and keep idle
    # sockets alive through proxies.
    SOCK_SERVER_OPTIONS: ClassVar[dict] = {"max_message_size": 65536, "ping_interval": 25}

    LANGUAGES = ("en", "zh")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    LESSONS_DIR = str(BASE_DIR / "lessons")
    QUIZZES_DIR = str(BASE_DIR / "quizzes")
    # Rebuild the content catalog when a file changes (development only).
    CONTENT_AUTO_RELOAD = False
    # Keep the built catalog on disk (instance/content-cache, or CONTENT_CACHE_DIR), keyed by a
    # hash of the content and the renderer, so a new process unpickles it instead of rebuilding.
    CONTENT_CACHE = True
    CONTENT_CACHE_DIR: str | None = None

    # How many proxies in front set X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix);
    # 0 trusts none of them. The front proxy in deploy/ is one hop: 1 each.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    @classmethod
    def load_environment(cls, app: Flask) -> None:
        """Read the unprefixed variables every deployment sets."""
        env = os.environ
        for key in ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST"):
            if env.get(key, "").isdecimal():
                app.config[key] = int(env[key])
        if env.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
        if env.get("REDIS_URL"):
            app.config["REDIS_URL"] = env["REDIS_URL"]

    @classmethod
    def finalize(cls, app: Flask) -> None:
        """Fill what is still missing with this environment's defaults."""
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            path = Path(app.instance_path) / "inside_flask.sqlite3"
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, content reloaded on change."""

    DEBUG = True
    CONTENT_AUTO_RELOAD = True

    @classmethod
    def finalize(cls, app: Flask) -> None:
        """Create and keep a random secret in instance/ unless one was given."""
        super().finalize(app)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


class TestingConfig(Config):
    """Tests: a fresh random secret per process, CSRF on unless a test turns it off."""

    TESTING = True
    # Hundreds of accounts are made and logged in; Werkzeug's full scrypt cost (N=2**15) is
    # ~100 ms a hash. N=2**10 keeps the same code path at a thirty-second of the cost; the
    # login-timing test puts the full cost back.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 (a method name)

    @classmethod
    def finalize(cls, app: Flask) -> None:
        """Use a throwaway secret; tests pass their own database URL."""
        super().finalize(app)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = secrets.token_hex(32)


class ProductionConfig(Config):
    """Production: everything from the environment, secure cookies, fail fast."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalize(cls, app: Flask) -> None:
        """Refuse to start when a required variable is missing, naming each one."""
        keys = {
            "SECRET_KEY": "SECRET_KEY",
            "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
            "REDIS_URL": "REDIS_URL",
        }
        missing = [name for name in PRODUCTION_REQUIRED if not app.config.get(keys[name])]
        if missing:
            raise ConfigurationError(
                "Inside Flask refuses to start in production: missing environment "
                f"variable{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
            )
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app)


def trusted_hosts(app: Flask) -> list[str]:
    """Return the Host names production answers for; any other Host header gets a 400.

    From the config, else ``TRUSTED_HOSTS`` in the environment (``example.org,www.example.org``;
    a leading dot also accepts subdomains). Without either, only loopback names are
    trusted, which is safe but serves nobody behind a public name: the log says so.
    """
    configured = app.config.get("TRUSTED_HOSTS")
    if configured is None:
        configured = os.environ.get("TRUSTED_HOSTS", "")
    if isinstance(configured, str):
        configured = configured.split(",")
    hosts = [name.strip() for name in configured if name.strip()]
    if not hosts:
        app.logger.warning(
            "TRUSTED_HOSTS is not set: answering only for %s; set it to the site's public "
            "host names (comma-separated) or every other Host header gets a 400.",
            ", ".join(LOOPBACK_HOSTS),
        )
        hosts = list(LOOPBACK_HOSTS)
    return hosts


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def resolve_config(config: str | type[Config] | None) -> type[Config]:
    """Return the config class named by the argument or ``INSIDE_FLASK_CONFIG``."""
    if isinstance(config, type):
        return config
    name = config or os.environ.get("INSIDE_FLASK_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        choices = ", ".join(CONFIGS)
        raise ConfigurationError(f"Unknown configuration {name!r}; choose one of {choices}.") from None


def _instance_secret(instance: Path) -> str:
    """Read the development secret from instance/, creating it on first use."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process (the reloader's child, a second worker) won the race.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret
