"""Fault injection on real servers: Redis stopped and restarted, SQLite locked; no 500, no lost row."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.resilience.harness import Database
from tests.resilience.harness import GunicornServer
from tests.resilience.harness import HttpClient
from tests.resilience.harness import RedisServer
from tests.resilience.harness import server_environment
from tests.resilience.harness import start_all
from tests.resilience.harness import valid_answer
from tests.resilience.harness import wait_until

#: The tables whose rows a learner's work lives in.
TABLES = ("users", "learners", "lesson_progress", "quiz_attempts", "question_responses")
LESSON = "/topics/routing/routing"


@pytest.fixture(scope="module")
def server(sqlite_database: Database, redis_server: RedisServer, workdir) -> Iterator[GunicornServer]:
    """Serve the production config (one worker, to keep the suite fast) on SQLite and a private Redis."""
    server = GunicornServer(server_environment(sqlite_database, redis_server.url), workdir, workers=1)
    start_all(server)
    yield server
    server.stop()


def do_some_work(server: GunicornServer, course) -> HttpClient:
    """Register, finish a lesson and answer a quiz question; return the learner's client."""
    client = HttpClient(server.base)
    token = client.csrf("/auth/register")
    reply = client.post_form(
        "/auth/register",
        {
            "email": "outage@example.com",
            "display_name": "Outage",
            "password": "Quartz-zebra-7193",
            "confirm": "Quartz-zebra-7193",
            "csrf_token": token,
        },
    )
    assert reply.status == 303, reply.text[:500]
    token = client.csrf(LESSON)
    assert client.post_form(f"{LESSON}/done", {"csrf_token": token}).status == 303
    question = course.extensions["catalog"].quizzes["flash"].questions[0]
    answer = {"question_id": question.id, "answer": valid_answer(question)}
    assert client.post_json("/topics/flash/quiz/answer", answer, token).status == 200
    return client


def hammer(server: GunicornServer, stop: threading.Event, statuses: Counter, returning: HttpClient) -> None:
    """Send pages, lessons and writes (each from a fresh visitor) until ``stop`` is set."""
    paths = ["/", LESSON, "/dashboard", "/topics/flash/quiz", "/readyz"]
    i = 0
    while not stop.is_set():
        visitor = HttpClient(server.base)
        try:
            statuses[visitor.get(paths[i % len(paths)], timeout=20).status] += 1
            reply = visitor.post_form(f"{LESSON}/done", {"csrf_token": "x"}, timeout=20)
            statuses[reply.status] += 1
            # A returning visitor too: their session is in Redis.
            statuses[returning.get(LESSON, timeout=20).status] += 1
        except OSError as exc:
            statuses[type(exc).__name__] += 1
        i += 1


def test_redis_outage_gives_503_and_recovers_without_losing_rows(
    server: GunicornServer, redis_server: RedisServer, sqlite_database: Database, course
) -> None:
    """Issue 9, resilience suite "fault injection" (and item 9: /readyz is JSON even with a cookie).

    Redis stopped under load: only 503s, never a 500; /readyz answers JSON naming the session
    store; Redis back (empty): 200s from the same processes, and every row saved before the
    outage is still there, unchanged.
    """
    learner = do_some_work(server, course)
    before = {table: set(sqlite_database.rows(table)) for table in TABLES}
    assert all(before[table] for table in TABLES)
    pid = server.process.pid
    # A returning visitor keeps browsing through the outage (not the learner whose rows are compared).
    returning = HttpClient(server.base)
    assert returning.get(LESSON).status == 200

    statuses: Counter = Counter()
    stop = threading.Event()
    workers = [threading.Thread(target=hammer, args=(server, stop, statuses, returning)) for _ in range(3)]
    for worker in workers:
        worker.start()
    ready_replies = []
    try:
        time.sleep(0.5)
        redis_server.stop()
        time.sleep(1.5)
        # The learner's own browser sends its session cookie: /readyz must still answer JSON.
        for client in (HttpClient(server.base), learner):
            ready_replies.append(client.get("/readyz", headers={"Accept": "text/html"}))
        during = Counter(statuses)
    finally:
        if redis_server.process is None:
            redis_server.start()
        recovered = wait_until(lambda: HttpClient(server.base).get("/readyz").status == 200, 15, 0.2)
        time.sleep(1.0)
        stop.set()
        for worker in workers:
            worker.join(30)

    print(f"statuses under the outage and recovery: {dict(statuses)}")
    assert during[503] > 0, during
    server_errors = {code: n for code, n in statuses.items() if not isinstance(code, int) or code >= 500}
    assert set(server_errors) <= {503}, server_errors
    assert server.process is not None and server.process.pid == pid
    for path in ("/", LESSON, "/dashboard", "/healthz"):
        assert HttpClient(server.base).get(path).status == 200, path
    assert recovered, "/readyz did not come back after Redis was restarted"
    after = {table: set(sqlite_database.rows(table)) for table in TABLES}
    lost = {table: before[table] - after[table] for table in TABLES if before[table] - after[table]}
    assert lost == {}, f"rows lost or changed by the outage: {lost}"
    for ready in ready_replies:
        assert ready.status == 503
        assert ready.header("Content-Type") == "application/json", ready.text[:200]
        assert "session_store" in ready.json()["failed"]


def test_sqlite_locked_gives_503_then_recovers(server: GunicornServer, sqlite_database: Database) -> None:
    """Issue 9, resilience suite "fault injection" (and item 9: /readyz checks the database is writable).

    Another connection holds ``BEGIN EXCLUSIVE`` for a few seconds: writes and /readyz answer 503
    (never 500, and /readyz promptly), then everything answers 200 and ``integrity_check`` is ok.
    """
    path = sqlite_database.url.removeprefix("sqlite:///")
    client = HttpClient(server.base)
    token = client.csrf(LESSON)
    assert client.get("/readyz").status == 200
    locker = sqlite3.connect(path, timeout=1, isolation_level=None)
    statuses: Counter = Counter()
    try:
        locker.execute("BEGIN EXCLUSIVE")
        ready = client.get("/readyz", timeout=20)
        results: list[int] = []

        def write() -> None:
            writer = HttpClient(server.base)
            writer.cookies = dict(client.cookies)
            results.append(writer.post_form(f"{LESSON}/done", {"csrf_token": token}, timeout=30).status)

        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(6.5)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    for thread in threads:
        thread.join(30)
    statuses.update(results)
    print(f"statuses while locked: {dict(statuses)}; /readyz {ready.status} in {ready.elapsed:.2f} s")
    assert all(code in (303, 503) for code in results), results
    assert 503 in results, results
    assert wait_until(lambda: client.get("/readyz").status == 200, 10, 0.2)
    assert client.post_form(f"{LESSON}/done", {"csrf_token": token}).status == 303
    assert client.get(LESSON).status == 200
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
    assert ready.status == 503, ready.text[:300]
    assert ready.elapsed < 3.0, f"/readyz took {ready.elapsed:.1f} s while the database was locked"
    assert "database" in ready.json()["failed"]
