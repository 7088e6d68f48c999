"""/readyz tells the truth: the database must take a write, the session is never touched, JSON always."""

from __future__ import annotations

import sqlite3
import time

import pytest

from app import create_app
from app.extensions import db


def sqlite_app(path, session_settings: dict, uri: str | None = None):
    """Build a testing app on the SQLite file ``path`` (or on ``uri``), its tables created first."""
    settings = {**session_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "READYZ_TIMEOUT_MS": 300}
    app = create_app("testing", settings)
    with app.app_context():
        db.create_all()
    if uri is None:
        return app
    return create_app("testing", {**settings, "SQLALCHEMY_DATABASE_URI": uri})


def assert_json_503(response, failed: list[str]) -> None:
    """Check the answer is a JSON 503 naming exactly ``failed``."""
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.json["status"] == "unavailable"
    assert response.json["failed"] == failed
    for name in failed:
        assert response.json["checks"][name].startswith("error: ")


def test_readyz_fails_on_a_read_only_sqlite_file(tmp_path, session_settings):
    path = tmp_path / "ro.sqlite3"
    app = sqlite_app(path, session_settings, uri=f"sqlite:///file:{path}?mode=ro&uri=true")
    response = app.test_client().get("/readyz")
    assert_json_503(response, ["database"])
    assert response.json["checks"]["session_store"] == "ok"


def test_readyz_fails_fast_while_sqlite_is_locked_and_recovers(tmp_path, redis_url, session_settings):
    path = tmp_path / "locked.sqlite3"
    app = sqlite_app(path, session_settings)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        response = client.get("/readyz")
        elapsed = time.perf_counter() - started
        assert_json_503(response, ["database"])
        assert elapsed < 3, elapsed  # bounded by READYZ_TIMEOUT_MS, not the driver's 5 s default
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/readyz").status_code == 200


def test_readyz_writes_nothing_it_keeps(tmp_path, session_settings):
    path = tmp_path / "db.sqlite3"
    app = sqlite_app(path, session_settings)
    for _ in range(3):
        assert app.test_client().get("/readyz").status_code == 200
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM login_failures").fetchone() == (0,)


def test_readyz_is_json_and_names_redis_when_a_cookie_is_sent_and_redis_is_down(app_settings, redis_url):
    app = create_app("testing", {**app_settings, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    client.set_cookie("insideflask_session", "an-old-session-id")
    response = client.get("/readyz", headers={"Accept": "text/html"})
    assert_json_503(response, ["session_store"])
    assert response.json["checks"]["database"] == "ok"
    assert "Set-Cookie" not in response.headers
    assert "127.0.0.1:1" not in response.get_data(as_text=True)


def test_readyz_never_opens_or_saves_the_session(app, client, auth):
    auth.create_user()
    auth.login()
    opened = []
    interface = app.session_interface
    real_open = interface.open_session

    def counting_open(*args, **kwargs):
        opened.append(True)
        return real_open(*args, **kwargs)

    interface.open_session = counting_open
    try:
        response = client.get("/readyz")
        head = client.head("/readyz")
    finally:
        del interface.open_session
    assert response.status_code == 200 and head.status_code == 200
    assert response.mimetype == "application/json"
    assert opened == []
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


def test_readyz_only_answers_get_and_head(client):
    assert client.post("/readyz").status_code == 405


@pytest.mark.storage
def test_readyz_ok_on_each_database(client, database_url):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"
