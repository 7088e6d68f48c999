"""Websockets on their own pool: idle sockets do not starve the site, are closed, and are capped per IP."""

from __future__ import annotations

import contextlib
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

IDLE_TIMEOUT = 4
MAX_PER_IP = 60
MANY = 55
LESSON = "/topics/routing/routing"
ECHO = "/topics/websockets/ws/echo"


@pytest.fixture(scope="module")
def pools(
    sqlite_database: Database, redis_server: RedisServer, workdir
) -> Iterator[dict[str, GunicornServer]]:
    """Start the HTTP pool and the websocket pool with a short idle timeout and a per-IP cap."""
    limits = {
        "WEBSOCKET_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
        "WEBSOCKET_MAX_PER_IP": str(MAX_PER_IP),
        "FLASK_WEBSOCKET_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
        "FLASK_WEBSOCKET_MAX_PER_IP": str(MAX_PER_IP),
    }
    env = server_environment(sqlite_database, redis_server.url, **limits)
    servers = {"http": GunicornServer(env, workdir, workers=1), "ws": GunicornServer(env, workdir, role="ws")}
    start_all(*servers.values())
    yield servers
    for server in servers.values():
        server.stop()


class Client(simple_websocket.Client):
    """simple-websocket's client, closing its socket when the server refuses the handshake."""

    def handshake(self) -> None:
        """Do the opening handshake; on a refusal, close the TCP socket before raising."""
        try:
            super().handshake()
        except (simple_websocket.ConnectionError, OSError):
            self.sock.close()
            raise


def open_echo(ws_pool: GunicornServer, origin: str | None = None) -> simple_websocket.Client | None:
    """Open an echo socket and check it echoes; return None when the server refused or dropped it."""
    headers = {"Origin": origin} if origin else None
    try:
        ws = Client.connect(f"ws://127.0.0.1:{ws_pool.port}{ECHO}", headers=headers)
    except (simple_websocket.ConnectionError, OSError):
        return None
    try:
        ws.send("hello")
        raw = ws.receive(timeout=5)
    except simple_websocket.ConnectionClosed:
        ws.close()
        return None
    if raw is None or json.loads(raw).get("type") != "echo":
        ws.close()
        return None
    return ws


def close_all(sockets: list) -> None:
    """Close the client side of every socket, then give the server a moment to notice."""
    for ws in sockets:
        with contextlib.suppress(Exception):  # already closed by the server
            ws.close()
    time.sleep(0.5)


def test_many_idle_sockets_leave_the_site_answering(pools) -> None:
    """Issue 9 item 5 (websockets starve the site):

    55 idle sockets open, /healthz and a lesson still answer.
    """
    http = HttpClient(pools["http"].base)
    assert http.get(LESSON).status == 200  # warm the worker
    sockets = []
    try:
        started = time.monotonic()
        for _ in range(MANY):
            ws = open_echo(pools["ws"])
            assert ws is not None, f"socket {len(sockets) + 1} was refused below the cap"
            sockets.append(ws)
        opened_in = time.monotonic() - started
        health = HttpClient(pools["http"].base).get("/healthz", timeout=5)
        lesson = HttpClient(pools["http"].base).get(LESSON, timeout=5)
        ws_health = HttpClient(pools["ws"].base).get("/healthz", timeout=5)
        print(
            f"{MANY} sockets in {opened_in:.2f} s; /healthz {health.elapsed * 1000:.0f} ms, "
            f"lesson {lesson.elapsed * 1000:.0f} ms, ws-pool /healthz {ws_health.elapsed * 1000:.0f} ms"
        )
        assert (health.status, lesson.status, ws_health.status) == (200, 200, 200)
        assert health.elapsed < 1.0 and lesson.elapsed < 2.0 and ws_health.elapsed < 1.0
    finally:
        close_all(sockets)


def test_the_socket_over_the_per_ip_cap_is_refused(pools) -> None:
    """Issue 9 item 5 (per-IP cap):

    with WEBSOCKET_MAX_PER_IP open, the next socket from that IP is refused.
    """
    sockets = []
    refused_at = None
    try:
        for i in range(MAX_PER_IP + 5):
            ws = open_echo(pools["ws"])
            if ws is None:
                refused_at = i + 1
                break
            sockets.append(ws)
        print(f"cap {MAX_PER_IP}: {len(sockets)} sockets accepted, socket {refused_at} refused")
        assert refused_at is not None, f"{len(sockets)} sockets from one IP were all accepted"
        assert MAX_PER_IP - 5 <= len(sockets) <= MAX_PER_IP
    finally:
        close_all(sockets)
    # Closing frees the slots again.
    again = open_echo(pools["ws"])
    assert again is not None
    again.close()


def test_an_idle_socket_is_closed_after_the_idle_timeout(pools) -> None:
    """Issue 9 item 5 (server-side idle timeout): a socket silent for WEBSOCKET_IDLE_TIMEOUT is closed."""
    ws = open_echo(pools["ws"])
    assert ws is not None
    quiet_since = time.monotonic()
    closed_after = None
    try:
        while time.monotonic() - quiet_since < IDLE_TIMEOUT + 6:
            try:
                ws.receive(timeout=0.25)
            except simple_websocket.ConnectionClosed:
                closed_after = time.monotonic() - quiet_since
                assert ws.close_reason == 1001, (ws.close_reason, ws.close_message)
                break
    finally:
        # The server's close frame (1001 "idle") already closed the client's side.
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            ws.close()
    print(f"idle socket closed after {closed_after} s (timeout {IDLE_TIMEOUT} s)")
    assert closed_after is not None, f"the server kept a silent socket open for {IDLE_TIMEOUT + 6} s"
    assert IDLE_TIMEOUT - 1 <= closed_after <= IDLE_TIMEOUT + 3


def test_a_cross_origin_handshake_is_refused(pools) -> None:
    """Issue 9, security probes:

    cross-origin websocket handshakes are refused (holds today, must keep holding).
    """
    assert open_echo(pools["ws"], origin="https://evil.example") is None
    # simple-websocket sends ``Host: 127.0.0.1`` (no port), so that is the page's own origin.
    same = open_echo(pools["ws"], origin="http://127.0.0.1")
    assert same is not None
    same.close()
