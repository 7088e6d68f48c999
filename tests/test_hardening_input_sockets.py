"""Every WebSocket route is closed when idle and capped per IP, on a real server."""

from __future__ import annotations

import contextlib
import http.client
import json
import secrets
import time

import pytest
import redis
from simple_websocket import Client
from simple_websocket import ConnectionClosed
from test_demos_websockets import HANDSHAKE
from test_demos_websockets import serve_in_thread

from app import create_app
from app.topics.websockets.guard import IDLE_CLOSE_CODE

ECHO = "/topics/websockets/ws/echo"


def handshake_status(base: str, path: str = ECHO) -> int:
    """Send a WebSocket handshake over plain HTTP and return the status the server answers."""
    connection = http.client.HTTPConnection(base.removeprefix("ws://"), timeout=5)
    try:
        connection.request("GET", path, headers=HANDSHAKE)
        response = connection.getresponse()
        return response.status
    finally:
        connection.close()


def wait_closed(ws: Client, within: float) -> float:
    """Return how long the server took to close ``ws``; fail if it stays open ``within`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            ws.receive(timeout=0.2)
        except ConnectionClosed:
            return time.monotonic() - started
    raise AssertionError(f"the socket was still open after {within} s")


@pytest.fixture
def limits(app_settings):
    """Return settings for sockets that close after 1 s idle, at most 3 per IP, under a private prefix."""
    prefix = f"test:{secrets.token_hex(6)}:ws:"
    yield {
        **app_settings,
        "WEBSOCKET_IDLE_TIMEOUT": 1,
        "WEBSOCKET_MAX_PER_IP": 3,
        "WEBSOCKET_KEY_PREFIX": prefix,
    }
    if app_settings.get("REDIS_URL"):
        client = redis.Redis.from_url(app_settings["REDIS_URL"])
        client.delete(f"{prefix}ip:127.0.0.1")
        client.close()


@pytest.fixture
def limited_app(limits):
    """Return an app with those limits."""
    return create_app("testing", limits)


@pytest.mark.slow
@pytest.mark.parametrize("path", [ECHO, "/topics/websockets/ws/chat/lobby"])
def test_an_idle_socket_is_closed_by_the_server(limited_app, path):
    with serve_in_thread(limited_app) as base:
        ws = Client.connect(base + path)
        try:
            if "chat" in path:
                ws.send(json.dumps({"type": "join"}))
                assert json.loads(ws.receive(timeout=5))["type"] == "joined"
            assert wait_closed(ws, within=6) < 6
            assert (ws.close_reason, ws.close_message) == (IDLE_CLOSE_CODE, "idle")
        finally:
            with contextlib.suppress(ConnectionClosed):
                ws.close()


@pytest.mark.slow
def test_a_talking_socket_stays_open(limited_app):
    with serve_in_thread(limited_app) as base:
        ws = Client.connect(base + ECHO)
        try:
            for number in range(5):
                time.sleep(0.4)
                ws.send(f"m{number}")
                assert json.loads(ws.receive(timeout=5))["text"] == f"m{number}"
        finally:
            ws.close()


@pytest.mark.slow
def test_one_socket_over_the_cap_is_refused_before_the_handshake(limited_app):
    with serve_in_thread(limited_app) as base:
        sockets = [Client.connect(base + ECHO) for _ in range(3)]
        try:
            assert handshake_status(base) == 429
            assert handshake_status(base, "/topics/websockets/ws/chat/lobby") == 429
            # Ordinary pages are not counted.
            page = http.client.HTTPConnection(base.removeprefix("ws://"), timeout=5)
            page.request("GET", "/healthz")
            assert page.getresponse().status == 200
            page.close()
        finally:
            for ws in sockets:
                ws.close()
        # A closed socket gives its slot back.
        deadline = time.monotonic() + 5
        while handshake_status(base) != 101:
            assert time.monotonic() < deadline, "the slots were not given back"
            time.sleep(0.1)


@pytest.mark.slow
def test_the_cap_is_counted_in_redis_across_processes(redis_url, limits, limited_app):
    """With Redis, every server process adds its sockets to one sorted set per IP."""
    prefix = limits["WEBSOCKET_KEY_PREFIX"]
    counter = redis.Redis.from_url(redis_url)
    other = create_app("testing", limits)
    try:
        with serve_in_thread(limited_app) as first, serve_in_thread(other) as second:
            sockets = [
                Client.connect(first + ECHO),
                Client.connect(first + ECHO),
                Client.connect(second + ECHO),
            ]
            try:
                assert counter.zcard(f"{prefix}ip:127.0.0.1") == 3
                assert handshake_status(second) == 429
                assert handshake_status(first) == 429
            finally:
                for ws in sockets:
                    ws.close()
            deadline = time.monotonic() + 5
            while counter.zcard(f"{prefix}ip:127.0.0.1"):
                assert time.monotonic() < deadline, "the Redis slots were not given back"
                time.sleep(0.1)
    finally:
        counter.close()


def test_a_refused_handshake_is_a_429_with_retry_after(limited_app):
    """Over the cap the answer is a plain 429 with Retry-After, never an upgrade."""
    limited_app.config["WEBSOCKET_MAX_PER_IP"] = 0
    response = limited_app.test_client().get(ECHO, headers=HANDSHAKE)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "10"
