"""The production topology end to end: nginx in front of the HTTP pool and the websocket pool.

Starts the same files production uses (gunicorn.conf.py, deploy/nginx.conf.template) on free
loopback ports, with the real Redis and a throwaway SQLite database.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_service
from simple_websocket import Client
from test_serving_config import nginx_or_skip

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

from topology import Topology  # noqa: E402
from topology import local_env  # noqa: E402


@pytest.fixture(scope="module")
def topology(tmp_path_factory) -> Iterator[Topology]:
    """Migrate a fresh SQLite database, build the assets, start nginx + both pools."""
    nginx_or_skip()
    redis_url = require_service("REDIS_URL", os.environ.get("REDIS_URL"))
    workdir = tmp_path_factory.mktemp("topology")
    env = local_env(f"sqlite:///{workdir / 'site.sqlite3'}", redis_url, "topology-test-secret")
    env.update(WEB_CONCURRENCY="1", GUNICORN_LOG_LEVEL="warning")
    subprocess.run([sys.executable, "deploy/build_assets.py"], cwd=ROOT, check=True, capture_output=True)
    # Migrate under the testing config: it builds no catalog (the pools build theirs).
    migrate_env = {**env, "INSIDE_FLASK_CONFIG": "testing"}
    command = [sys.executable, "manage.py", "db", "upgrade"]
    subprocess.run(command, cwd=ROOT, env=migrate_env, check=True, capture_output=True)
    running = Topology(workdir, env, nginx_workers="1").start(timeout=120)
    try:
        yield running
    finally:
        running.stop()


def get(topology: Topology, path: str, headers: dict | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    """GET ``path`` through the proxy; return the response and its raw body."""
    conn = http.client.HTTPConnection("127.0.0.1", topology.proxy_port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_static_files_come_from_nginx_precompressed_and_immutable(topology):
    _, page = get(topology, "/")
    url = re.search(rb'href="(/static/css/site\.css\?v=[0-9a-f]+)"', page).group(1).decode()
    response, body = get(topology, url, {"Accept-Encoding": "br, gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "br"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("Set-Cookie") is None
    assert "cookie" not in (response.getheader("Vary") or "").lower()
    assert body == (ROOT / "app" / "static" / "css" / "site.css.br").read_bytes()
    response, body = get(topology, url, {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (ROOT / "app" / "static" / "css" / "site.css").read_bytes()


def test_html_is_compressed_by_the_proxy(topology):
    response, body = get(topology, "/topics/routing/routing", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert b"</html>" in gzip.decompress(body)
    assert response.getheader("Cache-Control") == "no-cache"


def parent_pid(pid: int) -> int:
    """Return a process's parent, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))


def test_websockets_reach_the_gevent_pool_through_the_proxy(topology):
    ws = Client.connect(f"ws://127.0.0.1:{topology.proxy_port}/topics/websockets/ws/chat/lobby")
    try:
        ws.send(json.dumps({"type": "join"}))
        joined = json.loads(ws.receive(timeout=10))
    finally:
        ws.close()
    ws_master = topology.processes[len(topology.http_ports)].pid
    assert joined["type"] == "joined"
    assert parent_pid(joined["pid"]) == ws_master


def open_idle_socket(port: int) -> socket.socket:
    """Complete a websocket handshake to the echo socket and leave the connection idle."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /topics/websockets/ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert sock.recv(1024).startswith(b"HTTP/1.1 101")
    return sock


def test_open_websockets_do_not_delay_http(topology):
    sockets = [open_idle_socket(topology.proxy_port) for _ in range(200)]
    try:
        timings = []
        for _ in range(20):
            started = time.monotonic()
            response, _ = get(topology, "/healthz")
            timings.append(time.monotonic() - started)
            assert response.status == 200
        assert max(timings) < 1.0
    finally:
        for sock in sockets:
            sock.close()
