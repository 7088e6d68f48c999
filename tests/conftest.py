"""Fixtures shared by the whole suite: app, client, runner, db and an auth helper."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from werkzeug.routing import Rule
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from app import create_app
from app.content.model import Catalog
from app.extensions import db as _db
from app.models import User
from config import Config

IN_CI = os.environ.get("CI") == "true"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def memoize_url_builders() -> None:
    """Compile each URL rule's builder once per test process, not once per app.

    Werkzeug turns every rule into a small generated Python function when the rule is added
    to an app; that is two thirds of ``create_app`` (~40 ms), and the suite builds an app per
    test. The function depends only on the rule's text, its parsed parts and its defaults,
    so apps in one process can share it; a rule whose defaults fill one of its variables
    (the builder then bakes in that converter's output) is still compiled every time.
    """
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "memoized", False):
        return  # another Werkzeug: leave it alone
    builders: dict[tuple, object] = {}

    def compile_builder(self: Rule, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(key in self._converters for key in defaults):
            return original(self, append_unknown)
        baked = tuple((name, repr(value)) for name, value in defaults.items())
        key = (self.rule, tuple(self._trace), baked, append_unknown)
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    compile_builder.memoized = True
    Rule._compile_builder = compile_builder


memoize_url_builders()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the message catalogs, as `make` does, so a plain `pytest` sees translated pages."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)


def free_port() -> int:
    """Return a free loopback port below the ephemeral range (32768+), where TIME-WAIT can't block it."""
    rng = secrets.SystemRandom()
    for _ in range(200):
        port = rng.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the access log (it would drown test output)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip the access log line."""


class ClosedOnRelease:
    """A WSGI body that is closed when the server lets go of it, even if it forgot to close it.

    Werkzeug's development server (3.1.9, and its main branch) drains the socket after a
    response and only then calls the body's ``close()``; when the client resets the
    connection right after the last byte, that drain raises ``ConnectionResetError`` and
    ``close()`` is skipped. A file sent with ``send_file`` is then left open until garbage
    collection warns about it, which the suite turns into an error. A browser does exactly
    that when a page is closed as a large static file (Pyodide's standard library) finishes.
    """

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body = body
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        """Close the wrapped body once."""
        if not self.closed:
            self.closed = True
            close = getattr(self.body, "close", None)
            if close is not None:
                close()

    def __del__(self) -> None:
        self.close()


@contextmanager
def serve_threaded(app: Flask, handler: type[WSGIRequestHandler] = QuietHandler) -> Iterator[BaseWSGIServer]:
    """Serve ``app`` with Werkzeug's threaded server on a free loopback port; yield the server."""

    def wsgi(environ, start_response):  # type: ignore[no-untyped-def]
        return ClosedOnRelease(app(environ, start_response))

    server = make_server("127.0.0.1", free_port(), wsgi, threaded=True, request_handler=handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def require_service(name: str, value: str | None) -> str:
    """Return ``value``; without it fail in CI (the service must be there), else skip."""
    if value:
        return value
    message = f"{name} is not configured; `make test` provides it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests marked ``storage`` once per database backend."""
    if metafunc.definition.get_closest_marker("storage") and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str | None]:
    """Create a private PostgreSQL schema for this test run, dropped at the end."""
    if not TEST_DATABASE_URL:
        yield None
        return
    schema = f"t_{secrets.token_hex(6)}"
    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path, pg_schema) -> dict:
    """Return the database settings for this test: a fresh SQLite file, or PostgreSQL."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        return {
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={pg_schema}"}},
        }
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}"}


@pytest.fixture
def redis_url() -> str:
    """Return the URL of the real Redis server; fail in CI without one."""
    return require_service("REDIS_URL", os.environ.get("REDIS_URL"))


@pytest.fixture
def session_settings() -> Iterator[dict]:
    """Use Redis under a key prefix private to this test, when Redis is there."""
    url = os.environ.get("REDIS_URL")
    if not url:
        yield {"REDIS_URL": None}
        return
    prefix = f"test:{secrets.token_hex(6)}:session:"
    yield {"REDIS_URL": url, "SESSION_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def app_settings(database_url: dict, session_settings: dict) -> dict:
    """Return the overrides ``create_app`` gets; tests may update it before ``app``."""
    return {**database_url, **session_settings}


@pytest.fixture
def bare_app_settings(app_settings: dict) -> dict:
    """Return ``app_settings`` on a database without a single table, for tests of the migrations.

    The worker's PostgreSQL schema keeps its tables from test to test (see ``app``), so it is
    dropped and made again here; a SQLite file of ``database_url`` does not exist yet.
    """
    url = app_settings["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, **app_settings.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        with engine.begin() as conn:
            schema = conn.scalar(sa.text("SELECT current_schema()"))
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    return app_settings


#: The real course, built once per test run (building it takes seconds) and shared by every app.
REAL_COURSE: dict[str, Catalog] = {}


def share_real_course(app: Flask) -> None:
    """Give ``app`` the real course built once per run, unless it reads other content files."""
    store = app.extensions.get("content")
    files = (app.config["LESSONS_DIR"], app.config["QUIZZES_DIR"])
    real = files == (Config.LESSONS_DIR, Config.QUIZZES_DIR)
    if store is None or not real or app.config.get("CONTENT_AUTO_RELOAD"):
        return
    if "catalog" not in REAL_COURSE:
        REAL_COURSE["catalog"] = store.load()
    store.catalog = app.extensions["catalog"] = REAL_COURSE["catalog"]


@pytest.fixture(scope="session")
def empty_sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Create every table once in a SQLite file that each test's database starts as a copy of."""
    path = tmp_path_factory.mktemp("schema") / "empty.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": None})
    with app.app_context():
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()
    return path


def sqlite_file(url: str) -> Path | None:
    """Return the file a ``sqlite:///`` URL names, or None for any other database."""
    if url.startswith("sqlite:///") and "?" not in url and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


@pytest.fixture
def app(app_settings: dict, empty_sqlite_schema: Path) -> Iterator[Flask]:
    """Build a testing app with an empty schema.

    On SQLite the schema is a copy of one made once per run (a file copy, against ~60 ms to
    create and drop the tables). On PostgreSQL the worker's private schema keeps its tables
    from test to test (only missing ones are created) and every table is emptied afterwards,
    identities restarted: ~50 ms instead of ~500 ms to create and drop them.
    """
    url = app_settings.get("SQLALCHEMY_DATABASE_URI") or ""
    path = sqlite_file(url)
    copied = path is not None and not path.exists()
    if copied:
        shutil.copyfile(empty_sqlite_schema, path)
    app = create_app("testing", app_settings)
    share_real_course(app)
    with app.app_context():
        if not copied:
            _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        if url.startswith("postgresql"):
            empty_every_table(_db.engine)
        elif not copied:
            _db.drop_all()
        _db.engine.dispose()


def empty_every_table(engine: sa.Engine) -> None:
    """Empty every table of the connection's schema at once, restarting the identities."""
    with engine.begin() as conn:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        tables = conn.scalars(sa.text(query)).all()
        if tables:
            names = ", ".join(f'"{name}"' for name in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def read_only_app(tmp_path_factory) -> Iterator[Flask]:
    """Build one app for a module whose tests only read (most demos): a fresh app per test buys nothing."""
    path = tmp_path_factory.mktemp("read-only") / "test.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": None})
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator:
    """Return Flask-SQLAlchemy's ``db`` inside an app context."""
    with app.app_context():
        yield _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner for ``app``."""
    return app.test_cli_runner()


class AuthActions:
    """Create accounts and log in and out through the real views."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self._app = app
        self._client = client

    def create_user(
        self, email: str = "ada@example.com", password: str = "correct horse", role: str = "learner"
    ) -> User:
        """Insert a user directly (registration has its own tests)."""
        with self._app.app_context():
            user = User(email=email, display_name=email.split("@")[0], role=role)
            user.set_password(password)
            _db.session.add(user)
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge(user)
            return user

    def login(self, email: str = "ada@example.com", password: str = "correct horse"):
        """Post the login form with a valid CSRF token."""
        token = csrf_token(self._client, "/auth/login")
        return self._client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        """Post the logout form with a valid CSRF token."""
        token = csrf_token(self._client, "/")
        return self._client.post("/auth/logout", data={"csrf_token": token})


def csrf_token(client: FlaskClient, path: str) -> str:
    """Load ``path`` and return the CSRF token of its first form.

    A page whose only form is the header's shows no token until a session exists, so
    without one the login form (which starts a session) is loaded first.
    """
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""  # no page shows a token, and none is checked
    html = client.get(path).get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        client.get("/auth/login")
        html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    alt = 'name="csrf_token" value="'
    for needle in (marker, alt):
        start = html.find(needle)
        if start != -1:
            start += len(needle)
            return html[start : html.index('"', start)]
    raise AssertionError(f"no CSRF token on {path}")


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    """Return helpers to create users and log in and out."""
    return AuthActions(app, client)
