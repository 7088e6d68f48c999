"""Sessions only for somebody: none for crawlers, no write-back unless changed, short anonymous TTLs.

Redis commands are counted with MONITOR on the real server, keeping only the commands
that name this test's private key prefix (every session command names its key).
"""

from __future__ import annotations

import secrets
import threading
import time

import pytest
import redis
from flask import Flask

from app.sessions import REFRESHED_KEY

COOKIE = "insideflask_session"
#: Pages a crawler walks; none shows a form of its own to a visitor without a session.
CRAWLED = ("/", "/topics/routing/", "/topics/sessions/", "/dashboard", "/topics/nope/")
SESSIONLESS = ("/static/css/site.css", "/static/js/site.js", "/static/nope.css", "/healthz", "/readyz")


class SessionCommands:
    """Record the Redis commands naming ``prefix`` while the block runs (MONITOR on the real server)."""

    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._prefix = prefix
        self._sentinel = f"end-of-watch-{secrets.token_hex(8)}"
        self.commands: list[str] = []

    def __enter__(self) -> SessionCommands:
        self._client = redis.Redis.from_url(self._url)
        self._monitor = self._client.monitor()
        self._monitor.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self) -> None:
        while True:
            command = self._monitor.next_command()["command"]
            if self._sentinel in command:
                return
            if self._prefix in command:
                self.commands.append(command.split()[0].upper())

    def __exit__(self, *exc) -> None:
        # Redis runs commands in order: once the sentinel is seen, everything before it was.
        redis.Redis.from_url(self._url).echo(self._sentinel)
        self._thread.join(timeout=10)
        self._monitor.__exit__(*exc)
        self._client.close()


@pytest.fixture
def store(app: Flask, redis_url: str) -> redis.Redis:
    """Return a client of the real Redis server the app keeps its sessions in."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def session_keys(app: Flask, store: redis.Redis) -> list[bytes]:
    """Return the session keys this test's app has stored."""
    return list(store.scan_iter(f"{app.config['SESSION_KEY_PREFIX']}*"))


def stored_key(app: Flask, client) -> str:
    """Return the Redis key of the session the test client holds."""
    return app.config["SESSION_KEY_PREFIX"] + client.get_cookie(COOKIE).value


def test_a_crawler_leaves_no_sessions(app, store):
    for _ in range(40):
        for path in CRAWLED:
            response = app.test_client().get(path)
            assert COOKIE not in response.headers.get("Set-Cookie", "")
    assert session_keys(app, store) == []


def test_the_header_language_switch_needs_no_session_from_the_same_origin(app, store):
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert 'class="lang-switch"' in page
    assert 'name="csrf_token"' not in page
    response = client.post(
        "/language", data={"lang": "zh", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 303
    # The choice is kept: now there is a session, for a day.
    assert len(session_keys(app, store)) == 1
    assert '<html lang="zh"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},
    ],
)
def test_a_language_switch_from_elsewhere_still_needs_the_token(app, store, headers):
    response = app.test_client().post("/language", data={"lang": "zh", "next": "/"}, headers=headers)
    assert response.status_code == 400
    assert session_keys(app, store) == []


def test_the_same_origin_header_is_checked_against_this_host(app, store):
    client = app.test_client()
    ok = client.post("/language", data={"lang": "zh"}, headers={"Origin": "http://localhost"})
    assert ok.status_code == 303


def test_anonymous_sessions_live_a_day_and_accounts_thirty(app, client, auth, store):
    client.get("/auth/login")
    anonymous = store.ttl(stored_key(app, client))
    assert 0 < anonymous <= 86400
    auth.create_user()
    auth.login()
    account = store.ttl(stored_key(app, client))
    assert 29 * 86400 < account <= 30 * 86400


def test_a_returning_visitor_costs_one_redis_command_and_no_cookie(app, client, redis_url):
    client.get("/auth/login")
    # Flask-Login marks a new anonymous session "not fresh" once, on its second request.
    client.get("/")
    with SessionCommands(redis_url, app.config["SESSION_KEY_PREFIX"]) as seen:
        response = client.get("/")
    assert seen.commands == ["GET"]
    assert "Set-Cookie" not in response.headers


def test_a_changed_session_is_written_back(app, client, redis_url):
    client.get("/auth/login")
    with SessionCommands(redis_url, app.config["SESSION_KEY_PREFIX"]) as seen:
        response = client.post("/language", data={"lang": "zh"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert seen.commands == ["GET", "SET"]
    assert COOKIE in response.headers["Set-Cookie"]


def test_the_lifetime_is_extended_once_the_stamp_is_a_day_old(app, client, store, redis_url):
    auth_page = client.get("/auth/login")
    assert auth_page.status_code == 200
    key = stored_key(app, client)
    serializer = app.session_interface.serializer
    data = serializer.decode(store.get(key))
    assert time.time() - data[REFRESHED_KEY] < 60
    # Pretend the stored copy was written 7 hours ago: an anonymous session (a day) is due.
    data[REFRESHED_KEY] -= 7 * 3600
    store.set(key, serializer.encode(data), ex=3600)
    with SessionCommands(redis_url, app.config["SESSION_KEY_PREFIX"]) as seen:
        response = client.get("/")
    assert seen.commands == ["GET", "SET"]
    assert COOKIE in response.headers["Set-Cookie"]
    assert store.ttl(key) > 86000
    # Written just now: the next request reads only.
    with SessionCommands(redis_url, app.config["SESSION_KEY_PREFIX"]) as seen:
        response = client.get("/")
    assert seen.commands == ["GET"]


@pytest.mark.parametrize("path", SESSIONLESS)
def test_static_files_and_health_checks_open_no_session(app, client, redis_url, path):
    client.get("/auth/login")
    with SessionCommands(redis_url, app.config["SESSION_KEY_PREFIX"]) as seen:
        response = client.get(path)
        response.close()
    assert response.status_code in (200, 404)
    assert seen.commands == []
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_logout_deletes_the_cookie_with_the_session_cookies_flags(app, client, auth, store):
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")
    auth.create_user()
    login = auth.login()
    session_cookie = next(h for h in login.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    response = auth.logout()
    deletion = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Expires=Thu, 01 Jan 1970" in deletion
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in session_cookie
        assert flag in deletion
