"""First actions are idempotent under real concurrency: one learner, one attempt, one answer.

Each test serves the app with a threaded Werkzeug server and fires 50 requests at
once from one browser (one cookie), on SQLite and on PostgreSQL, then counts rows.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from conftest import serve_threaded
from flask import Flask

from app.extensions import db
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt

pytestmark = pytest.mark.storage

PARALLEL = 50
TOPIC = "routing"
LESSON = "routing"
QUESTION = "routing-endpoint-card"
COOKIE = "insideflask_session"


@pytest.fixture
def served(app: Flask) -> Iterator[int]:
    """Serve ``app`` on a free loopback port with a thread per request; yield the port."""
    with serve_threaded(app) as server:
        yield server.server_port


def request(port: int, method: str, path: str, cookie: str | None = None, **kwargs) -> tuple[int, dict, str]:
    """Send one request on a fresh connection; return (status, headers, body)."""
    headers = dict(kwargs.pop("headers", {}))
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, headers=headers, **kwargs)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def new_browser(port: int) -> tuple[str, str]:
    """Start a session the way a browser does (the login form) and return (cookie, CSRF token)."""
    status, headers, body = request(port, "GET", "/auth/login")
    assert status == 200
    cookie = re.search(rf"{COOKIE}=([^;]+)", headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body).group(1)
    return cookie, token


def all_at_once(send, count: int = PARALLEL) -> list[int]:
    """Run ``send()`` on ``count`` threads released together; return the statuses."""
    barrier = threading.Barrier(count)

    def one(_: int) -> int:
        barrier.wait()
        return send()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def count_rows(app: Flask, model) -> int:
    """Return how many rows ``model``'s table holds."""
    with app.app_context():
        rv = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return rv


def test_parallel_first_answers_make_one_learner_one_attempt_one_answer(app, served):
    cookie, token = new_browser(served)
    body = json.dumps({"question_id": QUESTION, "answer": "good"})
    headers = {"Content-Type": "application/json", "X-CSRFToken": token}

    def send() -> int:
        return request(served, "POST", f"/topics/{TOPIC}/quiz/answer", cookie, body=body, headers=headers)[0]

    statuses = all_at_once(send)
    assert statuses == [200] * PARALLEL
    assert count_rows(app, Learner) == 1
    assert count_rows(app, QuizAttempt) == 1
    assert count_rows(app, QuestionResponse) == 1


def test_parallel_first_mark_as_done_makes_one_learner_and_one_row(app, served):
    cookie, token = new_browser(served)
    body = f"csrf_token={token}"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def send() -> int:
        path = f"/topics/{TOPIC}/{LESSON}/done"
        return request(served, "POST", path, cookie, body=body, headers=headers)[0]

    statuses = all_at_once(send)
    assert statuses == [303] * PARALLEL
    assert count_rows(app, Learner) == 1
    assert count_rows(app, LessonProgress) == 1
    with app.app_context():
        row = db.session.scalar(sa.select(LessonProgress))
        assert row.completed_at is not None
