"""Live demos of the websockets topic: an echo socket and a chat room shared across processes.

The sockets are flask-sock routes on this topic's blueprint (``sock.route(path, bp=bp)``),
so they live under /topics/websockets/ws/… next to the demo pages that use them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from simple_websocket import ConnectionClosed
from simple_websocket import Server
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import TooManyRequests

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.websockets import bp
from app.topics.websockets.guard import IdleTimeoutSocket
from app.topics.websockets.guard import socket_route
from app.topics.websockets.hub import LOCAL_HUB
from app.topics.websockets.hub import channel_for
from app.topics.websockets.hub import redis_hub

MAX_ECHO = 1000
MAX_NAME = 30
MAX_TEXT = 500
#: The largest raw frame a chat socket reads: a JSON object with a name and a text.
MAX_FRAME = 2000
MESSAGES_PER_SECOND = 5
#: The longest the room's forwarder waits for a message before it looks whether the socket closed.
ROOM_WAIT_SECONDS = 1.0
#: How long a new chat socket has to send its opening {"type": "join"}.
JOIN_SECONDS = 10
ROOM_PATTERN = re.compile(r"[a-z0-9-]{1,20}")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # fixed by RFC 6455


class RateLimit:
    """Allow at most ``rate`` messages per second on one socket (a token bucket)."""

    def __init__(self, rate: int = MESSAGES_PER_SECOND) -> None:
        self.rate = rate
        self.tokens = float(rate)
        self.last = time.monotonic()

    def allow(self) -> bool:
        """Spend a token if one is left; tokens come back at ``rate`` per second."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def same_origin() -> bool:
    """Return whether the request comes from one of our pages (or from no page at all)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


@bp.before_request
def refuse_cross_site_sockets() -> None:
    """Answer 403 to a WebSocket handshake sent by another site's page, before accepting it.

    Browsers send cookies with a WebSocket handshake from any site and apply no CORS to it,
    so the server checks ``Origin`` itself. Clients that send none (scripts, tests) pass.
    """
    rule = request.url_rule
    if rule is not None and rule.websocket and not same_origin():
        abort(403)


def slow_down(limit: RateLimit) -> str:
    """Return the message a client gets when it sends faster than the limit."""
    return _("slow down: %(n)d messages per second", n=limit.rate)


def socket_strings() -> dict[str, str]:
    """Return the words the page's script shows (state, log), in the learner's language."""
    return {
        "connecting": _("connecting…"),
        "open": _("open"),
        "closing": _("closing…"),
        "closed": _("closed ({code})"),
        "kind_open": _("open"),
        "kind_sent": _("sent"),
        "kind_received": _("received"),
        "kind_message": _("message"),
        "kind_error": _("error"),
        "kind_closed": _("closed"),
        "handshake_done": _("101 Switching Protocols · {url}"),
        "echoed": _("{text} ({n} characters)"),
        "close_sent": _("close frame, code {code}"),
        "close_frame": _("close frame from the server, code {code}"),
        "close_abnormal": _("connection lost without a close frame (code {code})"),
        "reason": _(" · reason: {reason}"),
        "joined": _("open · room {room} · {mode} · served by process {pid}"),
        "mode_redis": _("Redis fan-out"),
        "mode_local": _("in-process fan-out"),
        "message": _("{name}: {text}  (via process {pid})"),
    }


# ---- websockets.demo_echo -------------------------------------------------------------


def echo_socket(ws: Server) -> None:
    """Send every text message back, as JSON, until the client leaves or goes quiet.

    Notice: the view never returns a response; flask-sock took the raw socket from the
    server (``environ["werkzeug.socket"]`` or ``environ["gunicorn.socket"]``). The loop
    has no end of its own: ``socket_route`` closes a socket that stays quiet too long.
    """
    limit = RateLimit()
    while True:
        data = ws.receive()
        if not limit.allow():
            ws.send(json.dumps({"type": "error", "error": slow_down(limit)}))
        elif not isinstance(data, str) or len(data) > MAX_ECHO:
            error = _("text messages of at most %(n)d characters", n=MAX_ECHO)
            ws.send(json.dumps({"type": "error", "error": error}))
        else:
            ws.send(json.dumps({"type": "echo", "text": data, "length": len(data)}))


# socket_route() registers the view through flask-sock's sock.route(), with the site's
# limits (per-IP cap, idle timeout), and returns the view itself, whose source the page shows.
socket_route("/ws/echo", bp=bp)(echo_socket)


def accept_value(client_key: str) -> str:
    """Return the ``Sec-WebSocket-Accept`` a server answers to ``Sec-WebSocket-Key``.

    Notice: this hash is the whole of the handshake's "proof": the server read the key.
    """
    digest = hashlib.sha1((client_key + WS_GUID).encode()).digest()  # noqa: S324 (fixed by RFC 6455)
    return base64.b64encode(digest).decode()


def checked_key(key: str) -> str:
    """Return ``key`` if it is a valid Sec-WebSocket-Key (16 random bytes in base64), else 400."""
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:  # binascii.Error, or text that is not ASCII at all
        valid = False
    if not valid:
        raise BadRequest(_("A Sec-WebSocket-Key is 16 bytes in base64, 24 characters such as the example."))
    return key


@demo(
    bp,
    "/echo",
    title=_l("An echo over a WebSocket"),
    summary=_l(
        "Open a socket to a flask-sock route, send text, and get it back; compute the handshake yourself."
    ),
)
def demo_echo():
    """Describe the echo socket and compute the handshake answer for a key."""
    key = checked_key(field_text("key", "dGhlIHNhbXBsZSBub25jZQ==", limit=40).strip())
    # url_for() builds a full ws:// (or wss://) URL for a websocket rule; the page wants the path.
    socket_url = url_for("websockets.echo_socket")
    socket_path = urlsplit(socket_url).path
    result = {
        "socket_url": socket_url,
        "socket_path": socket_path,
        "max_chars": MAX_ECHO,
        "messages_per_second": MESSAGES_PER_SECOND,
        "handshake": {
            "request": [
                f"GET {socket_path} HTTP/1.1",
                f"Host: {request.host}",
                "Connection: Upgrade",
                "Upgrade: websocket",
                "Sec-WebSocket-Version: 13",
                f"Sec-WebSocket-Key: {key}",
            ],
            "response": [
                "HTTP/1.1 101 Switching Protocols",
                "Connection: Upgrade",
                "Upgrade: websocket",
                f"Sec-WebSocket-Accept: {accept_value(key)}",
            ],
        },
    }
    return render_demo(
        "websockets/echo.html",
        result=result,
        sources=[echo_socket, accept_value, refuse_cross_site_sockets, RateLimit, IdleTimeoutSocket],
        socket_strings=socket_strings(),
    )


# ---- websockets.demo_chat -------------------------------------------------------------


def chat_hub():
    """Return the hub for this process: Redis when REDIS_URL is set, else in-process queues."""
    url = current_app.config.get("REDIS_URL")
    return redis_hub(url) if url else LOCAL_HUB


def chat_message(raw: Any) -> dict[str, Any]:
    """Turn what a client sent into a message for the room, or raise ValueError saying why."""
    if not isinstance(raw, str) or len(raw) > MAX_FRAME:
        raise ValueError(_("send a JSON text frame of at most %(n)d characters", n=MAX_FRAME))
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(_('send JSON: {"name": …, "text": …}')) from None
    if not isinstance(data, dict):
        raise ValueError(_("send a JSON object"))
    name = str(data.get("name", "")).strip()[:MAX_NAME] or "anonymous"
    text = str(data.get("text", "")).strip()
    if not text or len(text) > MAX_TEXT:
        raise ValueError(_("a message has 1 to %(n)d characters", n=MAX_TEXT))
    return {"type": "message", "name": name, "text": text, "pid": os.getpid(), "at": time.time()}


def says_join(ws: Server) -> bool:
    """Wait for the client's opening ``{"type": "join"}``; the client always speaks first."""
    raw = ws.receive(timeout=JOIN_SECONDS)
    try:
        return isinstance(raw, str) and len(raw) <= MAX_FRAME and json.loads(raw).get("type") == "join"
    except (json.JSONDecodeError, AttributeError):
        return False


def chat_socket(ws: Server, room: str) -> None:
    """Relay the room's messages to this client and this client's messages to the room.

    Notice: after the client's "join", two loops run side by side and both *block*: this
    one waits for the client (``ws.receive()``, until the idle timeout), a second thread
    waits for the room (``forward_room``). Nothing wakes up while the room is quiet; the
    ``finally`` unsubscribes when the client leaves (or ``socket_route`` closes it).
    """
    if not ROOM_PATTERN.fullmatch(room) or not says_join(ws):
        ws.close(1008, "unknown room, or no join")
        return
    hub = chat_hub()
    subscription = hub.subscribe(room)
    out = LockedSender(ws)
    forwarder = threading.Thread(target=forward_room, args=(subscription, out), daemon=True)
    try:
        out.send(json.dumps({"type": "joined", "room": room, "mode": hub.mode, "pid": os.getpid()}))
        forwarder.start()
        limit = RateLimit()
        while True:
            raw = ws.receive()
            if raw is not None:
                relay_from_client(out, hub, room, raw, limit)
    finally:
        out.closed.set()
        subscription.close()
        if forwarder.is_alive():
            forwarder.join(timeout=ROOM_WAIT_SECONDS + 1)


class LockedSender:
    """Send frames on one socket from two threads, one frame at a time."""

    def __init__(self, ws: Server) -> None:
        self.ws = ws
        self.lock = threading.Lock()
        self.closed = threading.Event()

    def send(self, data: str) -> None:
        """Send one text frame, unless the socket is closing."""
        with self.lock:
            if not self.closed.is_set():
                self.ws.send(data)


def forward_room(subscription: Any, out: LockedSender) -> None:
    """Send the room's messages to the client as they arrive, until the socket closes.

    Notice: ``get_message(timeout=…)`` blocks on the subscription's queue; the timeout only
    bounds how late this thread notices that the client has gone.
    """
    while not out.closed.is_set():
        message = subscription.get_message(timeout=ROOM_WAIT_SECONDS)
        if message is None:
            continue
        try:
            out.send(message)
        except ConnectionClosed:
            return


socket_route("/ws/chat/<room>", bp=bp)(chat_socket)


def relay_from_client(ws: Any, hub: Any, room: str, raw: Any, limit: RateLimit) -> None:
    """Publish one client message to the room, or tell the client why not."""
    if not limit.allow():
        ws.send(json.dumps({"type": "error", "error": slow_down(limit)}))
        return
    try:
        message = chat_message(raw)
    except ValueError as error:
        ws.send(json.dumps({"type": "error", "error": str(error)}))
        return
    hub.publish(room, json.dumps(message))


def chat_room() -> str:
    """Return the room the learner chose, refusing names that cannot be channels."""
    room = field_text("room", "lobby", limit=40).strip().lower() or "lobby"
    if not ROOM_PATTERN.fullmatch(room):
        raise BadRequest(_("A room name has 1 to 20 lowercase letters, digits or dashes."))
    return room


def post_without_socket(room: str) -> int:
    """Publish the form's message to the room from a plain HTTP request (one per second)."""
    now = time.time()
    if now - session.get("chat_demo_last_post", 0) < 1:
        raise TooManyRequests(_("One message per second, please."))
    session["chat_demo_last_post"] = now
    payload = json.dumps(
        {"name": field_text("name", "", limit=MAX_NAME), "text": field_text("text", "", limit=MAX_TEXT)}
    )
    try:
        message = chat_message(payload)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    return chat_hub().publish(room, json.dumps(message))


@demo(
    bp,
    "/chat",
    title=_l("A chat room across processes"),
    summary=_l("Sockets in any server process share a room through Redis pub/sub."),
    methods=("GET", "POST"),
)
def demo_chat():
    """Show the room's socket and fan-out; a POST publishes one message without a socket."""
    room = chat_room()
    hub = chat_hub()
    result: dict[str, Any] = {
        "room": room,
        "socket_path": urlsplit(url_for("websockets.chat_socket", room=room)).path,
        "mode": hub.mode,
        "channel": channel_for(room) if hub.mode == "redis" else None,
        "pid": os.getpid(),
        "limits": {"name": MAX_NAME, "text": MAX_TEXT, "messages_per_second": MESSAGES_PER_SECOND},
    }
    if request.method == "POST":
        result["posted_to_subscribers"] = post_without_socket(room)
    return render_demo(
        "websockets/chat.html",
        result=result,
        sources=[chat_socket, says_join, relay_from_client, chat_message, chat_hub],
        display_name=field_text("name", "", limit=MAX_NAME),
        socket_strings=socket_strings(),
    )
