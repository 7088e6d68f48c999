"""Limits every WebSocket route shares: a per-IP cap on open sockets and a server-side idle timeout.

An open socket holds a worker thread (gthread) or a connection slot (gevent) for as long as
it lives, so a few idle clients could starve the site. Two rules, applied once for every
``websocket=True`` rule of the app:

- **per-IP cap** (``WEBSOCKET_MAX_PER_IP``, default 20): the handshake of one socket too
  many is refused with ``429 Too Many Requests`` *before* the upgrade. With ``REDIS_URL``
  the count is shared by every worker process and server (a sorted set per IP in Redis,
  whose entries expire on their own if a process dies); without it, each process counts
  its own sockets.
- **idle timeout** (``WEBSOCKET_IDLE_TIMEOUT``, default 60 seconds): a socket from which
  the client sent no message for that long is closed by the server (close code 1001).
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask_babel import gettext as _
from simple_websocket import ConnectionClosed
from simple_websocket import Server
from werkzeug.exceptions import TooManyRequests

from app import redisclient
from app.topics.websockets.closing import websocket_view

DEFAULTS = {
    "WEBSOCKET_IDLE_TIMEOUT": 60,
    "WEBSOCKET_MAX_PER_IP": 20,
    "WEBSOCKET_KEY_PREFIX": "insideflask:ws:",
}
#: Close code sent to an idle client: 1001, "going away".
IDLE_CLOSE_CODE = 1001
#: How long after the idle timeout a Redis entry of a vanished process stays counted.
SLOT_GRACE_SECONDS = 30


class LocalSlots:
    """Open sockets per IP in this process only (used without Redis)."""

    mode = "local"

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()
        self.lock = threading.Lock()

    def acquire(self, ip: str, cap: int, ttl: float) -> str | None:
        """Count one more socket for ``ip``; return a slot id, or None when at the cap."""
        with self.lock:
            if self.open[ip] >= cap:
                return None
            self.open[ip] += 1
        return ip

    def refresh(self, ip: str, slot: str, ttl: float) -> None:
        """Nothing to refresh: a process's own counter cannot outlive it."""

    def release(self, ip: str, slot: str) -> None:
        """Count one socket fewer for ``ip``."""
        with self.lock:
            self.open[ip] -= 1
            if self.open[ip] <= 0:
                del self.open[ip]


class RedisSlots:
    """Open sockets per IP shared by every process: one sorted set per IP, scored by expiry."""

    mode = "redis"

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def key(self, ip: str) -> str:
        """Return the sorted set holding ``ip``'s open sockets."""
        return f"{self.prefix}ip:{ip}"

    def acquire(self, ip: str, cap: int, ttl: float) -> str | None:
        """Add a slot for ``ip`` unless that makes more than ``cap``; return its id or None."""
        key, slot, now = self.key(ip), secrets.token_hex(8), time.time()
        # One transaction: drop expired slots, add ours, count. Two racing handshakes may
        # both see the cap exceeded and both give up: never more than ``cap`` are open.
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zadd(key, {slot: now + ttl})
        pipe.zcard(key)
        pipe.expire(key, int(ttl) + 1)
        count = pipe.execute()[2]
        if count > cap:
            self.client.zrem(key, slot)
            return None
        return slot

    def refresh(self, ip: str, slot: str, ttl: float) -> None:
        """Push the slot's expiry forward: its socket is still open."""
        key = self.key(ip)
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(key, {slot: time.time() + ttl}, xx=True)
        pipe.expire(key, int(ttl) + 1)
        pipe.execute()

    def release(self, ip: str, slot: str) -> None:
        """Remove the slot of a closed socket."""
        self.client.zrem(self.key(ip), slot)


LOCAL_SLOTS = LocalSlots()


@functools.cache
def redis_slots(url: str, prefix: str) -> RedisSlots:
    """Return the shared counter for ``url``: one client (and pool) per process."""
    client = redisclient.connect(url, socket_timeout=2)
    return RedisSlots(client, prefix)


def socket_slots() -> LocalSlots | RedisSlots:
    """Return the counter for this app: Redis when REDIS_URL is set, else this process's."""
    url = current_app.config.get("REDIS_URL")
    return redis_slots(url, current_app.config["WEBSOCKET_KEY_PREFIX"]) if url else LOCAL_SLOTS


def slot_ttl() -> float:
    """Return how long a slot stays counted without a refresh."""
    return current_app.config["WEBSOCKET_IDLE_TIMEOUT"] + SLOT_GRACE_SECONDS


def is_websocket_request() -> bool:
    """Return whether the request matched a ``websocket=True`` rule."""
    rule = request.url_rule
    return rule is not None and bool(rule.websocket)


def take_socket_slot() -> None:
    """Refuse (429) a handshake from an IP that already holds ``WEBSOCKET_MAX_PER_IP`` sockets."""
    if not is_websocket_request():
        return
    ip = request.remote_addr or "unknown"
    slots = socket_slots()
    slot = slots.acquire(ip, current_app.config["WEBSOCKET_MAX_PER_IP"], slot_ttl())
    if slot is None:
        error = TooManyRequests(_("Too many open WebSockets from your address; close one and try again."))
        error.retry_after = 10
        raise error
    g.websocket_slot = (slots, ip, slot)


def give_back_socket_slot(_error: BaseException | None = None) -> None:
    """Release the request's socket slot once its socket (or its refused handshake) is over."""
    taken = g.pop("websocket_slot", None)
    if taken is not None:
        slots, ip, slot = taken
        slots.release(ip, slot)


class IdleTimeoutSocket:
    """A ``simple_websocket.Server`` that the server closes after ``seconds`` without a client message.

    Notice: ``receive(timeout)`` never waits past the idle deadline; at the deadline the
    socket is closed and ``ConnectionClosed`` ends the route, whatever loop it runs.
    """

    def __init__(self, ws: Server, seconds: float, on_activity: Callable[[], None] | None = None) -> None:
        self.ws = ws
        self.seconds = seconds
        self.on_activity = on_activity
        self.last_heard = time.monotonic()

    def receive(self, timeout: float | None = None) -> Any:
        """Return the next message, or None after ``timeout``; close the socket when idle too long."""
        remaining = self.seconds - (time.monotonic() - self.last_heard)
        if remaining > 0:
            data = self.ws.receive(timeout=remaining if timeout is None else min(timeout, remaining))
            if data is not None:
                self.last_heard = time.monotonic()
                if self.on_activity is not None:
                    self.on_activity()
                return data
            if time.monotonic() - self.last_heard < self.seconds:
                return None
        self.ws.close(IDLE_CLOSE_CODE, "idle")
        raise ConnectionClosed(IDLE_CLOSE_CODE, "idle")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ws, name)


def slot_refresher() -> Callable[[], None] | None:
    """Return a callback keeping this request's Redis slot alive, at most every few seconds."""
    taken = g.get("websocket_slot")
    if taken is None:
        return None
    slots, ip, slot = taken
    ttl = slot_ttl()
    last = [time.monotonic()]

    def refresh() -> None:
        if time.monotonic() - last[0] > ttl / 3:
            last[0] = time.monotonic()
            slots.refresh(ip, slot, ttl)

    return refresh


def socket_route(path: str, bp: Any) -> Callable[[Callable], Callable]:
    """Register ``view(ws, ...)`` as a WebSocket route of ``bp``, with the idle timeout applied.

    Like flask-sock's ``sock.route``, but every close is a clean closing handshake
    (``closing.websocket_view``). The per-IP cap is checked by an app-wide hook
    (``init_socket_limits``), before the handshake, for every WebSocket rule.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(ws: Server, *args: Any, **kwargs: Any) -> None:
            seconds = current_app.config["WEBSOCKET_IDLE_TIMEOUT"]
            view(IdleTimeoutSocket(ws, seconds, slot_refresher()), *args, **kwargs)

        bp.route(path, websocket=True)(websocket_view(guarded))
        return view

    return decorator


def init_socket_limits(app: Flask) -> None:
    """Fill in the default limits and check the per-IP cap on every WebSocket handshake."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.before_request(take_socket_slot)
    app.teardown_request(give_back_socket_slot)
