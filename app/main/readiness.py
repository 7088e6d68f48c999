"""The probes: is this process alive (``/healthz``), can it serve requests (``/readyz``)?

Both are answered by a small WSGI middleware in front of the app, before Flask pushes
a request context. Pushing one opens the session (a read from Redis or the database
when a cookie is sent) and may set a cookie; a probe must do neither, and must say
which part failed in JSON even when the session store is the part that is down.

Flask also checks the Host header against ``TRUSTED_HOSTS`` when it pushes the
context. Probes come from a container runtime or an orchestrator, which call the
process by its address (``http://127.0.0.1:8000/healthz``, a pod's IP), not by the
site's public name: answering them here keeps them working whatever ``TRUSTED_HOSTS``
says, while every page still refuses a forged Host. The routes are still registered,
so ``url_for`` and ``flask routes`` know them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.auth.models import LoginFailure
from app.extensions import db
from app.models import utcnow
from app.sessions import ping_session_store

LIVE_PATH = "/healthz"
READY_PATH = "/readyz"
#: How long the database check may wait for a lock or a statement, in milliseconds.
DEFAULT_TIMEOUT_MS = 1000


def check_database(timeout_ms: int) -> None:
    """Raise unless the database accepts a write: insert a row, then roll it back.

    A read succeeds on a read-only or locked SQLite file, so the check writes. The
    wait is bounded: SQLite's busy timeout (restored afterwards, the connection goes
    back to the pool), PostgreSQL's lock and statement timeouts (``SET LOCAL``: they
    end with the transaction).
    """
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            previous = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        else:
            connection.execute(sa.text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
            connection.execute(sa.text(f"SET LOCAL lock_timeout = {int(timeout_ms)}"))
        try:
            connection.execute(sa.insert(LoginFailure).values(email="", ip="readyz", failed_at=utcnow()))
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {previous}")


def readiness(app: Flask) -> tuple[dict[str, Any], int]:
    """Run every check inside an app context; return the JSON body and the status."""
    checks: dict[str, str] = {}
    with app.app_context():
        timeout_ms = int(app.config.get("READYZ_TIMEOUT_MS", DEFAULT_TIMEOUT_MS))
        for name, check in (
            ("database", lambda: check_database(timeout_ms)),
            ("session_store", lambda: ping_session_store(app)),
        ):
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # any driver or network error means "not ready"
                db.session.rollback()
                checks[name] = f"error: {type(exc).__name__}"
    failed = [name for name, result in checks.items() if result != "ok"]
    body = {
        "status": "ok" if not failed else "unavailable",
        "checks": checks,
        "failed": failed,
        "session_backend": app.config["SESSION_TYPE"],
    }
    return body, 503 if failed else 200


class ReadinessProbe:
    """WSGI middleware answering ``GET``/``HEAD`` of the two probes; every other request goes to the app."""

    def __init__(self, wsgi_app: Callable, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path not in (LIVE_PATH, READY_PATH) or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        body, status = ({"status": "ok"}, 200) if path == LIVE_PATH else readiness(self.app)
        response = self.app.response_class(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)


def install_probe(app: Flask) -> None:
    """Put the probe in front of ``app.wsgi_app``."""
    app.wsgi_app = ReadinessProbe(app.wsgi_app, app)
