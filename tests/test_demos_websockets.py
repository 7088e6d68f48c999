"""The websocket demos, against real servers: an echo socket, and a chat room shared through Redis.

The slow tests start real servers (a Werkzeug server in a thread, or two gunicorn processes)
on free loopback ports below 32768, and stop them in their fixture's teardown.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from conftest import csrf_token
from conftest import free_port
from conftest import serve_threaded
from flask import Flask
from simple_websocket import Client

from app import create_app
from app.topics.websockets.demos import accept_value
from app.topics.websockets.hub import LOCAL_HUB
from app.topics.websockets.hub import channel_for

ROOT = Path(__file__).resolve().parent.parent
JSON = {"Accept": "application/json"}
HANDSHAKE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve ``app`` with Werkzeug's threaded server; yield its ws:// base URL."""
    with serve_threaded(app) as server:
        yield f"ws://127.0.0.1:{server.server_port}"


def receive_json(ws: Client, timeout: float = 10) -> dict:
    """Return the next message as JSON, failing the test if none arrives in time."""
    raw = ws.receive(timeout=timeout)
    assert raw is not None, "no message within the timeout"
    return json.loads(raw)


def join(url: str) -> Client:
    """Open a chat socket and say "join", as the page's script does."""
    ws = Client.connect(url)
    ws.send(json.dumps({"type": "join"}))
    return ws


def receive_until(ws: Client, kind: str, timeout: float = 10) -> dict:
    """Return the next message of type ``kind``, skipping others."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = receive_json(ws, timeout=max(0.1, deadline - time.monotonic()))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message within {timeout} s")


# ---- without a server ------------------------------------------------------------------


def test_accept_value_is_the_rfc_example():
    assert accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_echo_page_computes_the_handshake(client):
    result = client.get(
        "/topics/websockets/demo/echo", query_string={"key": "x3JJHMbDL1EzLkh9GBhXDw=="}, headers=JSON
    ).json["result"]
    assert result["socket_path"] == "/topics/websockets/ws/echo"
    assert result["handshake"]["response"][-1] == "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk="
    assert result["max_chars"] == 1000


@pytest.mark.parametrize("key", ["short", "!!!!", "x" * 41])
def test_bad_handshake_key_is_a_400(client, key):
    response = client.get("/topics/websockets/demo/echo", query_string={"key": key}, headers=JSON)
    assert response.status_code == 400


def test_pages_render_and_load_the_script(client):
    for path in ("/topics/websockets/demo/echo", "/topics/websockets/demo/chat"):
        html = client.get(path).get_data(as_text=True)
        assert "js/demo-websockets.js" in html
        assert "js/xray.js" in html


@pytest.mark.redis
def test_chat_page_names_the_redis_channel(client, redis_url):
    result = client.get("/topics/websockets/demo/chat", query_string={"room": "lobby"}, headers=JSON).json[
        "result"
    ]
    assert result["mode"] == "redis"
    assert result["channel"] == "insideflask:chat:lobby"
    assert result["socket_path"] == "/topics/websockets/ws/chat/lobby"
    assert redis_url not in client.get("/topics/websockets/demo/chat").get_data(as_text=True)


@pytest.mark.parametrize("room", ["Lobby!", "a" * 21, "../x"])
def test_bad_room_is_a_400(client, room):
    response = client.get("/topics/websockets/demo/chat", query_string={"room": room}, headers=JSON)
    assert response.status_code == 400


def test_a_plain_http_get_does_not_reach_the_socket(client):
    assert client.get("/topics/websockets/ws/echo").status_code == 400


def test_cross_site_handshake_is_refused_by_the_blueprint_hook(client):
    response = client.get(
        "/topics/websockets/ws/echo", headers={**HANDSHAKE, "Origin": "http://evil.example"}
    )
    assert response.status_code == 403


def test_xray_of_the_chat_page(client):
    body = client.get("/topics/websockets/demo/chat", headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "websockets.demo_chat"
    assert trace["rule"] == "/topics/websockets/demo/chat"
    assert trace["blueprint"] == "websockets"
    hooks = [event["detail"] for event in trace["events"] if event["name"] == "before_request"]
    assert "websockets: app.topics.websockets.demos.refuse_cross_site_sockets" in hooks


# ---- one real server -------------------------------------------------------------------


@pytest.fixture
def live_ws(app: Flask) -> Iterator[str]:
    """Serve the test app on a real Werkzeug server."""
    with serve_in_thread(app) as base:
        yield base


@pytest.mark.slow
def test_echo_over_a_real_socket(live_ws):
    ws = Client.connect(f"{live_ws}/topics/websockets/ws/echo")
    try:
        ws.send("<b>hello</b>")
        assert receive_json(ws) == {"type": "echo", "text": "<b>hello</b>", "length": 12}
        ws.send("x" * 1001)
        assert receive_json(ws)["type"] == "error"
    finally:
        ws.close()


@pytest.mark.slow
def test_echo_is_rate_limited(live_ws):
    ws = Client.connect(f"{live_ws}/topics/websockets/ws/echo")
    try:
        for number in range(8):
            ws.send(f"m{number}")
        kinds = [receive_json(ws)["type"] for _ in range(8)]
        assert kinds.count("echo") == 5
        assert kinds.count("error") == 3
    finally:
        ws.close()


def handshake_status(base: str, origin: str) -> int:
    """Send a WebSocket handshake over plain HTTP and return the status the server answers."""
    host = base.removeprefix("ws://")
    connection = http.client.HTTPConnection(host, timeout=5)
    try:
        connection.request("GET", "/topics/websockets/ws/echo", headers={**HANDSHAKE, "Origin": origin})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.slow
def test_a_cross_site_socket_is_refused_before_the_handshake(live_ws):
    assert handshake_status(live_ws, "http://evil.example") == 403


@pytest.mark.slow
def test_a_same_site_socket_is_accepted(live_ws):
    host = live_ws.removeprefix("ws://")
    assert handshake_status(live_ws, f"http://{host}") == 101


@pytest.mark.slow
def test_embedded_mode_fans_out_inside_one_process(database_url):
    app = create_app("testing", {**database_url, "REDIS_URL": None})
    html = app.test_client().get("/topics/websockets/demo/chat").get_data(as_text=True)
    assert "Embedded mode" in html
    room = f"t{secrets.token_hex(4)}"
    with serve_in_thread(app) as base:
        first = join(f"{base}/topics/websockets/ws/chat/{room}")
        second = join(f"{base}/topics/websockets/ws/chat/{room}")
        try:
            assert receive_until(first, "joined")["mode"] == "local"
            receive_until(second, "joined")
            first.send(json.dumps({"name": "ada", "text": "<i>hi</i>"}))
            message = receive_until(second, "message")
            assert (message["name"], message["text"]) == ("ada", "<i>hi</i>")
            second.send("not json")
            assert receive_until(second, "error")["error"].startswith("send JSON")
        finally:
            first.close()
            second.close()
        deadline = time.monotonic() + 3
        while room in LOCAL_HUB.rooms and time.monotonic() < deadline:
            time.sleep(0.05)
        assert room not in LOCAL_HUB.rooms  # both subscriptions closed with their sockets


@pytest.mark.redis
def test_posting_without_a_socket_reaches_the_room(app, client, redis_url):
    room = f"t{secrets.token_hex(4)}"
    subscriber = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(channel_for(room))
    try:
        token = csrf_token(client, "/topics/websockets/demo/chat")
        response = client.post(
            "/topics/websockets/demo/chat",
            data={"csrf_token": token, "room": room, "name": "ada", "text": "over http"},
            headers=JSON,
        )
        assert response.json["result"]["posted_to_subscribers"] == 1
        message = None
        deadline = time.monotonic() + 3
        while message is None and time.monotonic() < deadline:
            message = subscriber.get_message(timeout=0.2)
        assert json.loads(message["data"])["text"] == "over http"
        again = client.post(
            "/topics/websockets/demo/chat",
            data={"csrf_token": token, "room": room, "name": "ada", "text": "too soon"},
            headers=JSON,
        )
        assert again.status_code == 429
    finally:
        subscriber.close()


# ---- two real server processes ---------------------------------------------------------


def start_gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    """Start one gunicorn process (gthread worker) serving wsgi:app on ``port``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "gthread",
        "--threads",
        "8",
        "--workers",
        "1",
        "--no-control-socket",
        "-b",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_ready(port: int, process: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    """Poll /healthz until the server answers, failing with its log if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn on port {port} did not answer in {timeout} s:\n{log.read_text()}")


@pytest.fixture
def two_servers(redis_url, tmp_path) -> Iterator[list[str]]:
    """Start two separate gunicorn processes sharing the real Redis; stop them afterwards."""
    prefix = f"test:{secrets.token_hex(6)}:session:"
    env = {
        **os.environ,
        "INSIDE_FLASK_CONFIG": "testing",
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ws.sqlite3'}",
        "FLASK_SESSION_KEY_PREFIX": prefix,
    }
    processes = []
    try:
        ports = []
        for number in range(2):
            port = free_port()
            log = tmp_path / f"gunicorn-{number}.log"
            processes.append((start_gunicorn(port, env, log), port, log))
            ports.append(port)
        for process, port, log in processes:
            wait_until_ready(port, process, log)
        yield [f"ws://127.0.0.1:{port}" for port in ports]
    finally:
        for process, _port, _log in processes:
            process.terminate()
        for process, _port, _log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        store = redis.Redis.from_url(redis_url)
        keys = list(store.scan_iter(f"{prefix}*"))
        if keys:
            store.delete(*keys)
        store.close()


@pytest.mark.slow
@pytest.mark.redis
def test_chat_fans_out_across_two_server_processes(two_servers, redis_url):
    room = f"t{secrets.token_hex(4)}"
    first = join(f"{two_servers[0]}/topics/websockets/ws/chat/{room}")
    second = join(f"{two_servers[1]}/topics/websockets/ws/chat/{room}")
    try:
        joined_first = receive_until(first, "joined")
        joined_second = receive_until(second, "joined")
        assert joined_first["mode"] == joined_second["mode"] == "redis"
        assert joined_first["pid"] != joined_second["pid"]  # two processes, one room
        first.send(json.dumps({"name": "ada", "text": "across processes"}))
        message = receive_until(second, "message")
        assert message["text"] == "across processes"
        assert message["name"] == "ada"
        assert message["pid"] == joined_first["pid"]  # published by the first process
        assert receive_until(first, "message")["text"] == "across processes"
    finally:
        first.close()
        second.close()
    store = redis.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 3
        subscribers = None
        while time.monotonic() < deadline:
            ((_channel, subscribers),) = store.pubsub_numsub(channel_for(room))
            if subscribers == 0:
                break
            time.sleep(0.05)
        assert subscribers == 0  # each socket's subscription was closed with it
    finally:
        store.close()
