"""A WebSocket route whose every close is a clean closing handshake (code 1000 unless said otherwise).

flask-sock's ``sock.route`` ends a socket in two ways that a browser reports as an abnormal
closure (1006):

- on Werkzeug's development server, the route's "response" is a real ``200 OK`` that the
  server writes onto the upgraded connection after the last frame: the browser reads
  ``HTTP/1.1 200 OK`` where it expects a frame header ("Invalid frame header");
- when the client closes, ``simple_websocket`` wakes the route *before* its reader thread
  has sent the close reply, so the server may close the connection (gunicorn) or write
  that ``200 OK`` (Werkzeug) first: the browser never sees the close frame it waits for.

:func:`websocket_view` fixes both: it waits for the reader thread, which sends the close
reply (or reads the client's), before the view returns, and then hands the connection back
to the server without writing anything onto it.
"""

from __future__ import annotations

import contextlib
import functools
import socket
from collections.abc import Callable
from typing import Any

from flask import Response
from flask import current_app
from flask import request
from simple_websocket import ConnectionClosed
from simple_websocket import Server

#: Close code of a normal closure (RFC 6455, section 7.4.1).
NORMAL_CLOSURE = 1000
#: How long the server waits for the client's close reply before it drops the connection.
CLOSE_REPLY_SECONDS = 5.0


def close_cleanly(ws: Server) -> None:
    """Finish the closing handshake: send our close frame if none was sent, wait for the reply.

    Notice: the reader thread ends only after it has sent its close reply (when the client
    closed first) or read the client's (when we did); joining it is what makes the close clean.
    """
    if ws.connected:
        with contextlib.suppress(ConnectionClosed, OSError):
            ws.close(NORMAL_CLOSURE)
    ws.thread.join(timeout=CLOSE_REPLY_SECONDS)
    # The server still holds the connection's file objects: shut it down so that its
    # next read ends at once instead of waiting for the client to hang up.
    with contextlib.suppress(OSError):
        ws.sock.shutdown(socket.SHUT_RDWR)


class Upgraded:
    """What a WebSocket view returns: nothing more may be written to the upgraded connection.

    It is mixed into the app's own response class (``upgraded_response``): Flask turns a
    response of any other class into one of ``app.response_class``, and that one would write
    a ``200 OK`` onto the socket the client has already closed.
    """

    mode = "unknown"

    def __call__(self, environ: Any, start_response: Any) -> Any:
        """Tell the server the connection is finished, in the way each server understands."""
        if self.mode == "gunicorn":
            raise StopIteration  # gunicorn closes the connection without writing
        if self.mode == "werkzeug":
            # Werkzeug's handler treats a dropped connection as the end, silently.
            raise ConnectionAbortedError("the WebSocket is closed")
        return []


@functools.cache
def upgraded_class(base: type[Response]) -> type[Response]:
    """Return ``base`` (the app's response class) with :class:`Upgraded`'s ending."""
    return type("UpgradedResponse", (Upgraded, base), {})


def upgraded_response(mode: str) -> Response:
    """Return the response that ends a WebSocket view served by ``mode``'s server."""
    response = upgraded_class(current_app.response_class)()
    response.mode = mode
    return response


def websocket_view(view: Callable[..., None]) -> Callable[..., Response]:
    """Wrap ``view(ws, **kwargs)`` as a WSGI view that accepts the socket and closes it cleanly."""

    @functools.wraps(view)
    def endpoint(*args: Any, **kwargs: Any) -> Response:
        ws = Server(request.environ, **current_app.config.get("SOCK_SERVER_OPTIONS", {}))
        try:
            view(ws, *args, **kwargs)
        except ConnectionClosed:
            pass
        finally:
            close_cleanly(ws)
        return upgraded_response(ws.mode)

    return endpoint
