"""The suite's threaded Werkzeug server closes every response body, even on a reset connection."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

from conftest import serve_threaded
from flask import Flask
from flask import send_file


def test_a_file_is_closed_when_the_client_resets_right_after_the_last_byte(tmp_path: Path) -> None:
    """Werkzeug's server skips ``close()`` here; the wrapper in ``serve_threaded`` must not."""
    payload = tmp_path / "big.bin"
    payload.write_bytes(b"x" * 200_000)
    app = Flask(__name__)
    sent = []

    @app.get("/file")
    def file():  # type: ignore[no-untyped-def]
        response = send_file(payload)
        sent.append(response.response)
        return response

    with serve_threaded(app) as server:
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", server.server_port)) as sock:
                sock.sendall(b"GET /file HTTP/1.1\r\nHost: test\r\n\r\n")
                received = b""
                while len(received) < 200_000:
                    chunk = sock.recv(1 << 20)
                    if not chunk:
                        break
                    received += chunk
                # Close with RST, as a browser does when a page is closed mid-connection.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(body.file.closed for body in sent):
            time.sleep(0.02)
    assert len(sent) == 5
    assert all(body.file.closed for body in sent)
