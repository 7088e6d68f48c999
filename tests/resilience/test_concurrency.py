"""Parallel first actions on real servers, on SQLite and PostgreSQL: exact row counts afterwards."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator

import pytest

from tests.resilience.harness import Database
from tests.resilience.harness import GunicornServer
from tests.resilience.harness import HttpClient
from tests.resilience.harness import RedisServer
from tests.resilience.harness import Reply
from tests.resilience.harness import server_environment
from tests.resilience.harness import start_all
from tests.resilience.harness import valid_answer

PASSWORD = "Quartz-zebra-7193"
LOGIN_LIMIT = 10


@pytest.fixture(scope="module")
def server(database: Database, redis_server: RedisServer, workdir) -> Iterator[GunicornServer]:
    """Serve the production config (its own worker count) on this module's database."""
    server = GunicornServer(server_environment(database, redis_server.url), workdir)
    start_all(server)
    yield server
    server.stop()


def all_at_once(count: int, send: Callable[[int], Reply]) -> list[int]:
    """Call ``send(i)`` from ``count`` threads released together; return the statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = [0] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            statuses[i] = send(i).status
        except OSError:
            statuses[i] = -1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


def register(server: GunicornServer, email: str) -> None:
    """Create an account through the register form."""
    client = HttpClient(server.base)
    token = client.csrf("/auth/register")
    form = {"email": email, "display_name": "Racer", "password": PASSWORD, "confirm": PASSWORD}
    reply = client.post_form("/auth/register", {**form, "csrf_token": token})
    assert reply.status == 303, reply.text[:300]


def test_parallel_wrong_passwords_stay_within_the_limit(server: GunicornServer, database: Database) -> None:
    """Issue 9 item 2 (login rate limit races): 40 parallel wrong passwords, at most 10 tried and recorded."""
    email = f"limit-{database.backend}@example.com"
    register(server, email)
    clients = [HttpClient(server.base) for _ in range(40)]
    tokens = [client.csrf("/auth/login") for client in clients]

    def send(i: int) -> Reply:
        data = {"email": email, "password": f"wrong-password-{i}", "csrf_token": tokens[i]}
        return clients[i].post_form("/auth/login", data)

    statuses = all_at_once(40, send)
    counts = Counter(statuses)
    recorded = database.count("login_failures", "email = :email", email=email)
    print(f"[{database.backend}] 40 parallel wrong passwords: {dict(counts)}, failures recorded {recorded}")
    assert set(counts) <= {400, 429}, counts
    assert counts[400] <= LOGIN_LIMIT, f"{counts[400]} passwords were tried against a limit of {LOGIN_LIMIT}"
    assert recorded <= LOGIN_LIMIT, f"{recorded} failures recorded against a limit of {LOGIN_LIMIT}"
    assert counts[429] >= 40 - LOGIN_LIMIT


def test_parallel_first_answers_make_one_attempt(server: GunicornServer, database: Database, course) -> None:
    """Issue 9 item 7 (duplicated work):

    50 parallel first answers, exactly 1 learner, 1 attempt, 1 response.
    """
    client = HttpClient(server.base)
    token = client.csrf("/auth/login")
    question = course.extensions["catalog"].quizzes["hooks"].questions[0]
    body = {"question_id": question.id, "answer": valid_answer(question)}
    learners_before = database.count("learners")

    def send(i: int) -> Reply:
        return client.post_json("/topics/hooks/quiz/answer", body, token)

    statuses = all_at_once(50, send)
    learners = database.count("learners") - learners_before
    attempts = database.count("quiz_attempts", "quiz_id = 'hooks'")
    responses = database.count("question_responses", "question_id = :q", q=question.id)
    print(
        f"[{database.backend}] 50 parallel first answers: {dict(Counter(statuses))}, {learners} learners, "
        f"{attempts} attempts, {responses} responses"
    )
    assert all(0 < status < 500 for status in statuses), Counter(statuses)
    assert statuses.count(200) >= 1
    assert (learners, attempts, responses) == (1, 1, 1)


def test_parallel_first_mark_as_done_makes_one_learner(server: GunicornServer, database: Database) -> None:
    """Issue 9 item 7 (duplicated work):

    50 parallel first "Mark as done" from a new session, exactly 1 learner.
    """
    client = HttpClient(server.base)
    token = client.csrf("/auth/login")
    assert client.session_cookie(), "the login form's CSRF token needs a session"
    learners_before = database.count("learners")
    done_before = database.count("lesson_progress", "lesson_slug = 'request-hooks'")

    def send(i: int) -> Reply:
        return client.post_form("/topics/hooks/request-hooks/done", {"csrf_token": token})

    statuses = all_at_once(50, send)
    learners = database.count("learners") - learners_before
    done = database.count("lesson_progress", "lesson_slug = 'request-hooks'") - done_before
    print(
        f"[{database.backend}] 50 parallel first 'Mark as done': {dict(Counter(statuses))}, "
        f"{learners} learners, {done} lesson rows"
    )
    assert all(0 < status < 500 for status in statuses), Counter(statuses)
    assert (learners, done) == (1, 1)


@pytest.mark.parametrize("big", [2**31, 2**63, 2**70])
def test_out_of_range_ids_are_a_4xx(server: GunicornServer, database: Database, big: int) -> None:
    """Issue 9 item 4 (ids beyond the column range): in JSON, forms and URLs, a 4xx on both databases."""
    client = HttpClient(server.base)
    token = client.csrf("/topics/flash/quiz")
    replies = {
        "json attempt_id": client.post_json(
            "/topics/flash/quiz/answer",
            {"question_id": "flash-signal", "answer": "a", "attempt_id": big},
            token,
        ),
        "form attempt_id": client.post_form(
            "/topics/flash/quiz/answer",
            {"question_id": "flash-signal", "answer": "a", "attempt_id": str(big), "csrf_token": token},
        ),
        "retry attempt_id": client.post_form(
            "/topics/flash/quiz/start", {"mode": "missed", "attempt_id": str(big), "csrf_token": token}
        ),
        "attempt URL": client.get(f"/topics/flash/quiz/attempts/{big}"),
        "feedback URL": client.get(f"/topics/flash/quiz/feedback/{big}"),
    }
    statuses = {name: reply.status for name, reply in replies.items()}
    print(f"[{database.backend}] id {big}: {statuses}")
    assert all(400 <= status < 500 for status in statuses.values()), statuses
