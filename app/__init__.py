"""Inside Flask: an interactive course on how Flask works, built with Flask."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext
from jinja2 import FileSystemBytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix

from app import models  # noqa: F401  (the tables must be known to Flask-Migrate)
from app.assets import init_assets
from app.auth import bp as auth_bp
from app.auth import models as auth_models  # noqa: F401
from app.cli import init_cli
from app.content import init_content
from app.demos import init_demos
from app.errors import init_errors
from app.extensions import csrf
from app.extensions import db
from app.extensions import login
from app.extensions import migrate
from app.extensions import sock
from app.forms import csrf_token
from app.i18n import init_i18n
from app.instructor import bp as instructor_bp
from app.instrumentation import init_instrumentation
from app.learn import bp as learn_bp
from app.main import bp as main_bp
from app.playground import init_playground
from app.practice import bp as practice_bp
from app.progress import models as progress_models  # noqa: F401
from app.search import bp as search_bp
from app.security import init_security
from app.sessions import include_in_migrations
from app.sessions import init_sessions
from app.topics import register_topics
from config import Config
from config import resolve_config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: str | type[Config] | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app for ``config`` (a name, a class, or ``INSIDE_FLASK_CONFIG``).

    ``overrides`` is applied last, after the environment; tests use it.
    """
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config, overrides)
    init_logging(app)
    init_proxy(app)
    init_extensions(app)
    register_blueprints(app)
    init_cli(app)
    init_assets(app)
    init_instrumentation(app)
    init_content(app)
    init_template_cache(app)
    init_playground(app)
    # Last: the X-ray wraps every hook registered above.
    init_demos(app)
    return app


def load_config(app: Flask, config: str | type[Config] | None, overrides: Mapping[str, Any] | None) -> None:
    """Layer the settings: class, environment, instance/settings.py, FLASK_*, overrides."""
    config_class = resolve_config(config)
    app.config.from_object(config_class)
    app.config["CONFIG_NAME"] = config_class.__name__
    config_class.load_environment(app)
    app.config.from_pyfile("settings.py", silent=True)
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    config_class.finalize(app)


def init_logging(app: Flask) -> None:
    """Log at INFO so start-up lines (such as the session store) are seen."""
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.INFO)


def init_proxy(app: Flask) -> None:
    """Trust the front proxy's X-Forwarded-* headers, as many hops as configured (0 = none)."""
    counts = {key: int(app.config.get(f"PROXY_FIX_X_{key.upper()}", 0)) for key in ("for", "proto", "host")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"], x_host=counts["host"]
        )


def init_extensions(app: Flask) -> None:
    """Bind every extension object from app/extensions.py to this app."""
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_migrations,
    )
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql":
                sa.event.listen(engine, "connect", utc_connection)
    init_sessions(app)
    csrf.init_app(app)
    # Pages show the token signed once per session (app/forms.py), not once per request:
    # Flask-WTF's context processor (which would put its own csrf_token in every template's
    # context, over the global) goes.
    app.jinja_env.globals["csrf_token"] = csrf_token
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if p.__qualname__ != "CSRFProtect.init_app.<locals>.<lambda>"]
    sock.init_app(app)
    login.init_app(app)
    login.login_view = "auth.login"
    # Flask-Login flashes its message in English; translate it when flashed (a lazy string
    # could not be stored in the session).
    login.login_message = "Please log in to access this page."
    login.localize_callback = gettext
    init_i18n(app)
    init_security(app)
    init_errors(app)


def utc_connection(dbapi_connection: Any, _record: Any) -> None:
    """Make a new PostgreSQL connection speak UTC, whatever the server's or the client's zone.

    The site cuts days in UTC (streaks, the heatmap, the reports' answers per day). A server
    whose ``TimeZone`` is Asia/Shanghai (or a ``PGTZ`` in the environment) would otherwise hand
    back times, and compute ``date()`` in SQL, in its own zone. ``SET`` is transactional in
    PostgreSQL, so it is committed at once; it costs one round trip per new connection.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def init_template_cache(app: Flask) -> None:
    """Keep compiled templates beside the content cache, so a new process skips compiling them.

    Jinja compiles a template to Python on its first use (~0.2 s for the pages of a lesson
    view); its bytecode cache stores the result under a hash of the template's name, keyed by
    a checksum of its source, so an edited template is compiled again. Off wherever the content
    cache is (development reloads, ``CONTENT_CACHE = False``).
    """
    store = app.extensions.get("content")
    cache_dir = getattr(store, "cache_dir", None)
    if cache_dir is None or app.debug:
        return
    directory = Path(cache_dir) / "templates"
    directory.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(directory))


def register_blueprints(app: Flask) -> None:
    """Mount the site's blueprints and the sixteen topic blueprints."""
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(instructor_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(practice_bp)
    register_topics(app)
