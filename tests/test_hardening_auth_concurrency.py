"""The login rate limit under parallel requests: a real threaded server, exact counts."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from conftest import serve_threaded

from app.auth.models import LoginFailure
from app.extensions import db

PARALLEL = 40


@pytest.fixture
def server(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port with a thread per request; yield its base URL."""
    # Each thread is its own browser; CSRF has its own tests and would only add a round trip.
    app.config["WTF_CSRF_ENABLED"] = False
    with serve_threaded(app) as httpd:
        yield f"http://127.0.0.1:{httpd.server_port}"


def post_login(base: str, email: str, password: str) -> int:
    """Post the login form and return the status code."""
    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    request = urllib.request.Request(f"{base}/auth/login", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def in_parallel(base: str, logins: list[tuple[str, str]]) -> Counter:
    """Send every login at once (released together by a barrier); count the status codes."""
    barrier = threading.Barrier(len(logins))
    codes: list[int] = []
    lock = threading.Lock()

    def one(email: str, password: str) -> None:
        barrier.wait()
        code = post_login(base, email, password)
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one, args=login) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(codes)


def stored_failures(app, **where) -> int:
    """Return how many failure rows match ``where`` (column=value)."""
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(LoginFailure)
        for column, value in where.items():
            query = query.where(getattr(LoginFailure, column) == value)
        return db.session.scalar(query)


@pytest.mark.storage
def test_parallel_wrong_passwords_never_exceed_the_account_limit(app, auth, server):
    auth.create_user()
    codes = in_parallel(server, [("ada@example.com", f"wrong guess {n}") for n in range(PARALLEL)])
    assert codes == Counter({400: 10, 429: PARALLEL - 10})
    assert stored_failures(app, email="ada@example.com") == 10
    # Even the right password now waits out the window.
    assert post_login(server, "ada@example.com", "correct horse") == 429


@pytest.mark.storage
def test_parallel_guesses_from_one_address_never_exceed_its_limit(app, server):
    codes = in_parallel(server, [(f"guess{n}@example.com", "wrong password") for n in range(PARALLEL)])
    assert codes == Counter({400: 30, 429: PARALLEL - 30})
    assert stored_failures(app, ip="127.0.0.1") == 30


@pytest.mark.storage
def test_parallel_right_passwords_all_log_in_and_leave_no_failure(app, auth, server):
    auth.create_user()
    codes = in_parallel(server, [("ada@example.com", "correct horse") for _ in range(8)])
    # urllib follows the 303 to the home page.
    assert codes == Counter({200: 8})
    assert stored_failures(app) == 0
