"""Real services for the resilience suite: a private Redis, a migrated database, gunicorn, a client.

Everything here starts a real process on a free loopback port and stops it again; nothing is mocked.
``HttpClient`` keeps its own cookie jar because production cookies are ``Secure`` and a standard jar
would not send them back over the suite's plain-http loopback connections.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SERVING_CONFIG = ROOT / "gunicorn.conf.py"
REDIS_PASSWORD = "pl@nted-R3dis-pw"
#: Values planted in the servers' config and environment; no response may ever show one.
PLANTED_SECRETS = {
    "SECRET_KEY": "pl4nted-secret-key-" + "k" * 24,
    "FLASK_MAIL_PASSWORD": '"pl4nted-mail-pw"',
    "FLASK_STRIPE_API_KEY": '"sk_live_pl4nted_api_key"',
    "FLASK_ACCESS_TOKEN": '"pl4nted-access-token"',
    "FLASK_SENTRY_DSN": '"https://pl4ntedpublic:pl4ntedDSNsecret@sentry.example/42"',
    "FLASK_UPSTREAM_URL": '"https://svc:pl4nted-upstream-pw@api.example/v1?password=pl4nted-qs-pw&token=pl4nted-qs-token"',
}
#: The strings a leak would show (the planted values without JSON quoting, and the Redis password).
SECRET_MARKERS = (
    "pl4nted-secret-key",
    "pl4nted-mail-pw",
    "sk_live_pl4nted_api_key",
    "pl4nted-access-token",
    "pl4ntedDSNsecret",
    "pl4nted-upstream-pw",
    "pl4nted-qs-pw",
    "pl4nted-qs-token",
    "R3dis-pw",
    "pl4nted-pg-pw",
)


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; return its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class RedisServer:
    """A private, password-protected redis-server that a test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Return the URL the app is given (with the planted password)."""
        return f"redis://:{REDIS_PASSWORD}@127.0.0.1:{self.port}/0"

    def client(self):
        """Return a redis-py client for this server."""
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=REDIS_PASSWORD, socket_timeout=5)

    def start(self) -> None:
        """Start redis-server on the same port as before and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/test.sh installs it)")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                REDIS_PASSWORD,
                "--dir",
                str(self.workdir),
                "--daemonize",
                "no",
                "--logfile",
                str(self.workdir / f"redis-{self.port}.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self._answers, 10):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop redis-server (its data goes with it: nothing is saved)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False


@dataclass
class Database:
    """One migrated database the servers share: a fresh SQLite file, or a private PostgreSQL schema."""

    backend: str
    url: str
    engine_options: dict = field(default_factory=dict)
    schema: str | None = None

    def engine(self) -> sa.Engine:
        """Return an engine on this database (for reading rows directly)."""
        return sa.create_engine(self.url, **self.engine_options)

    def rows(self, table: str, columns: str = "*", order: str = "id") -> list[tuple]:
        """Return every row of ``table`` as tuples, in ``order``."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return [
                    tuple(r) for r in conn.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY {order}"))
                ]
        finally:
            engine.dispose()

    def count(self, table: str, where: str = "1=1", **params: Any) -> int:
        """Return how many rows of ``table`` match ``where``."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE {where}"), params
                ).scalar_one()
        finally:
            engine.dispose()


def make_database(backend: str, workdir: Path, pg_url: str | None) -> Database:
    """Create and migrate a database for ``backend`` (``sqlite`` or ``postgresql``)."""
    if backend == "sqlite":
        path = workdir / f"resilience-{secrets.token_hex(4)}.sqlite3"
        database = Database("sqlite", f"sqlite:///{path}")
    else:
        assert pg_url is not None
        schema = f"r_{secrets.token_hex(6)}"
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = sa.engine.make_url(pg_url)
        # The app reads one URL: the schema rides in libpq's ``options``; the planted password is
        # ignored by trust authentication but must never be shown.
        url = url.set(password="pl4nted-pg-pw", query={**url.query, "options": f"-csearch_path={schema}"})
        database = Database("postgresql", url.render_as_string(hide_password=False), schema=schema)
    migrate(database.url)
    return database


def drop_database(database: Database, pg_url: str | None) -> None:
    """Drop the PostgreSQL schema (a SQLite file goes with its temporary directory)."""
    if database.schema and pg_url:
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{database.schema}" CASCADE'))
        engine.dispose()


def migrate(url: str) -> None:
    """Run the project's migrations on ``url``, as a deployment does before it serves."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def server_environment(database: Database, redis_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a production server on ``database`` and ``redis_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "INSIDE_FLASK_"))}
    env.update(PLANTED_SECRETS)
    env.update(
        {
            "INSIDE_FLASK_CONFIG": "production",
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_url,
            "TRUSTED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class GunicornServer:
    """``gunicorn -c gunicorn.conf.py --bind 127.0.0.1:PORT wsgi:app`` with the production config."""

    def __init__(
        self, env: Mapping[str, str], workdir: Path, role: str = "http", workers: int | None = None
    ) -> None:
        self.env = dict(env)
        self.role = role
        self.workers = workers
        self.port = free_port()
        self.log = workdir / f"gunicorn-{role}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """Return the gunicorn command line: the serving config when the repo has one, else flags."""
        cmd = [str(GUNICORN)]
        if SERVING_CONFIG.exists():
            cmd += ["-c", str(SERVING_CONFIG)]
        elif self.role == "ws":
            cmd += ["-k", "gevent", "-w", "1"]
        else:
            cmd += ["-w", "2", "-k", "gthread", "--threads", "4"]
        # gunicorn 27's control socket is per user: a second instance would silently take it over.
        cmd += ["--no-control-socket"]
        if self.workers is not None:
            cmd += ["-w", str(self.workers)]
        return [*cmd, "--bind", f"127.0.0.1:{self.port}", "wsgi:app"]

    def start(self) -> None:
        """Start gunicorn (without waiting; see ``wait_ready``)."""
        env = dict(self.env)
        if self.role == "ws":
            env["INSIDE_FLASK_ROLE"] = "ws"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until /healthz answers 200; fail with the server's log otherwise."""

        def up() -> bool:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                return HttpClient(self.base).get("/healthz", timeout=2).status == 200
            except OSError:
                return False

        if not wait_until(up, timeout, 0.2):
            tail = self.log.read_text(errors="replace")[-4000:]
            self.stop()
            raise RuntimeError(f"gunicorn ({self.role}) did not become ready on {self.base}:\n{tail}")

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def log_text(self) -> str:
        """Return what the server logged so far."""
        return self.log.read_text(errors="replace")


def start_all(*servers: GunicornServer) -> None:
    """Start several servers at once (cold start costs seconds each) and wait for all of them."""
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()


@dataclass
class Reply:
    """One HTTP answer: status, headers (every value per name, lower-case names), body."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    elapsed: float

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name``, or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def text(self) -> str:
        """Return the body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class HttpClient:
    """A minimal browser: one cookie jar (``Secure`` cookies included), CSRF tokens from forms."""

    def __init__(self, base: str, host: str | None = None) -> None:
        self.base = base
        self.hostport = base.split("://", 1)[1]
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        """Send one request on a fresh connection and remember the cookies it sets."""
        conn = http.client.HTTPConnection(self.hostport, timeout=timeout)
        sent = dict(headers or {})
        if self.host is not None:
            sent["Host"] = self.host
        if self.cookies and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        received: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), []).append(value)
        for cookie in received.get("set-cookie", []):
            self._remember(cookie)
        return Reply(response.status, received, data, elapsed)

    def _remember(self, header: str) -> None:
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        expired = re.search(r"(?i)expires=Thu, 01 Jan 1970|max-age=0(?!\d)", header)
        if expired or value in ("", '""'):
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value

    def get(self, path: str, **kwargs: Any) -> Reply:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: Mapping[str, str], **kwargs: Any) -> Reply:
        """POST ``data`` urlencoded."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})}
        return self.request("POST", path, body=urlencode(data).encode(), headers=headers, **kwargs)

    def post_json(self, path: str, data: Any, token: str | None = None, **kwargs: Any) -> Reply:
        """POST ``data`` as JSON, with the CSRF token in ``X-CSRFToken``."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["X-CSRFToken"] = token
        return self.request("POST", path, body=json.dumps(data).encode(), headers=headers, **kwargs)

    def csrf(self, path: str = "/auth/login") -> str:
        """Load ``path`` (a page with a form) and return its CSRF token."""
        reply = self.get(path)
        match = CSRF_PATTERN.search(reply.text)
        if match is None:
            raise AssertionError(f"no CSRF token on {path} (status {reply.status})")
        return match.group(1) or match.group(2)

    def session_cookie(self) -> str | None:
        """Return the session cookie's value, if any."""
        return self.cookies.get("insideflask_session")


def valid_answer(question) -> object:
    """Return an answer of the right shape for ``question`` (the key itself where there is one)."""
    key = question.answer
    if question.type == "flashcard":
        return "easy"
    if question.type in ("short_answer", "code_output"):
        return key[0] if isinstance(key, list | tuple) and key else str(key or "x")
    if question.type == "true_false":
        return bool(key)
    if question.type in ("multiple_choice", "ordering"):
        return list(key) if isinstance(key, list | tuple) else [str(key)]
    return key
