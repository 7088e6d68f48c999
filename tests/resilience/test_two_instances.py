"""Two app instances on different ports sharing one Redis and one database behave as one site."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import simple_websocket

from tests.resilience.harness import Database
from tests.resilience.harness import GunicornServer
from tests.resilience.harness import HttpClient
from tests.resilience.harness import RedisServer
from tests.resilience.harness import server_environment
from tests.resilience.harness import start_all
from tests.resilience.harness import valid_answer

PASSWORD = "Quartz-zebra-7193"
NO_SCORES = "Finish a quiz and your scores will show here."


@pytest.fixture(scope="module")
def instances(
    sqlite_database: Database, redis_server: RedisServer, workdir
) -> Iterator[dict[str, GunicornServer]]:
    """Start instance A (HTTP) and instance B (HTTP and its websocket pool) on one Redis and one database."""
    env = server_environment(sqlite_database, redis_server.url)
    servers = {
        "a": GunicornServer(env, workdir, workers=1),
        "b": GunicornServer(env, workdir, workers=1),
        "b_ws": GunicornServer(env, workdir, role="ws", workers=1),
    }
    start_all(*servers.values())
    yield servers
    for server in servers.values():
        server.stop()


def test_a_session_made_on_one_instance_is_valid_on_the_other(instances) -> None:
    """Issue 9, resilience suite "two instances": log in on A, be logged in on B."""
    client = HttpClient(instances["a"].base)
    token = client.csrf("/auth/register")
    form = {
        "email": "twice@example.com",
        "display_name": "Twice Seen",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    assert client.post_form("/auth/register", {**form, "csrf_token": token}).status == 303
    assert '<span class="who">Twice Seen</span>' in client.get("/").text
    client.base = instances["b"].base
    client.hostport = client.base.split("://", 1)[1]
    page = client.get("/")
    assert page.status == 200
    assert '<span class="who">Twice Seen</span>' in page.text


def test_a_chat_message_sent_through_one_reaches_a_socket_on_the_other(instances) -> None:
    """Issue 9, resilience suite "two instances": a message posted on A reaches a websocket of B."""
    ws_url = f"ws://127.0.0.1:{instances['b_ws'].port}/topics/websockets/ws/chat/twin-room"
    ws = simple_websocket.Client.connect(ws_url)
    try:
        ws.send(json.dumps({"type": "join"}))
        joined = json.loads(ws.receive(timeout=10))
        assert joined["type"] == "joined"
        sender = HttpClient(instances["a"].base)
        token = sender.csrf("/topics/websockets/demo/chat?room=twin-room")
        form = {"room": "twin-room", "name": "from-a", "text": "hello from instance A", "csrf_token": token}
        reply = sender.post_form("/topics/websockets/demo/chat", form)
        assert reply.status == 200, reply.text[:300]
        deadline = time.monotonic() + 10
        seen = []
        while time.monotonic() < deadline:
            raw = ws.receive(timeout=1)
            if raw is None:
                continue
            message = json.loads(raw)
            seen.append(message)
            if message.get("type") == "message":
                break
        assert any(m.get("text") == "hello from instance A" and m.get("name") == "from-a" for m in seen), seen
    finally:
        ws.close()


def test_a_quiz_answered_on_one_is_seen_on_the_others_dashboard(instances, course) -> None:
    """Issue 9, resilience suite "two instances": finish a quiz on A, see the score on B's dashboard."""
    client = HttpClient(instances["a"].base)
    token = client.csrf("/auth/login")
    quiz = course.extensions["catalog"].quizzes["flash"]
    on_b = HttpClient(instances["b"].base)
    on_b.cookies = client.cookies
    assert NO_SCORES in on_b.get("/dashboard").text
    finished = False
    for question in quiz.questions:
        body = {"question_id": question.id, "answer": valid_answer(question)}
        reply = client.post_json("/topics/flash/quiz/answer", body, token)
        assert reply.status == 200, reply.text[:300]
        finished = reply.json()["finished"]
    assert finished
    dashboard = on_b.get("/dashboard")
    assert dashboard.status == 200
    assert NO_SCORES not in dashboard.text
    assert "100%" in dashboard.text
