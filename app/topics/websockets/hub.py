"""Fan-out for the chat demo: Redis pub/sub across processes, or queues inside one process.

A hub has two methods, ``publish(room, message)`` and ``subscribe(room)``; a subscription
has ``get_message(timeout=0.0)`` and ``close()``. The chat socket does not care which hub
it got.

With Redis, each process holds **one** subscriber connection, and one listener thread (a
greenlet under gevent) blocks on it and hands every message to the local sockets' queues.
A thousand sockets in a room are one Redis subscription and no Redis round trip while
they wait: ``get_message`` only looks at the socket's own in-memory queue.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import threading
import time
from collections import defaultdict

import redis

from app import redisclient

CHANNEL_PREFIX = "insideflask:chat:"
#: Messages a slow in-process subscriber may fall behind before new ones are dropped for it.
LOCAL_BACKLOG = 100
#: How long a new subscriber waits for Redis to confirm its room's subscription.
SUBSCRIBE_SECONDS = 2.0
#: The longest the listener blocks on Redis before it looks whether it should stop.
LISTEN_SECONDS = 1.0
#: Pause before the listener reconnects after Redis went away.
RECONNECT_SECONDS = 0.5

logger = logging.getLogger(__name__)


def channel_for(room: str) -> str:
    """Return the Redis channel of a chat room."""
    return f"{CHANNEL_PREFIX}{room}"


def room_of(channel: str) -> str:
    """Return the chat room of a Redis channel."""
    return channel.removeprefix(CHANNEL_PREFIX)


class LocalSubscription:
    """One socket's queue in an in-process room."""

    def __init__(self, hub: LocalHub, room: str) -> None:
        self.hub = hub
        self.room = room
        self.queue: queue.Queue[str] = queue.Queue(maxsize=LOCAL_BACKLOG)

    def get_message(self, timeout: float = 0.0) -> str | None:
        """Return the next message of the room, waiting up to ``timeout`` s; None when none came."""
        try:
            if timeout <= 0:
                return self.queue.get_nowait()
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Leave the room."""
        self.hub.leave(self)


class LocalHub:
    """Fan-out inside this process: only sockets served by the same process share a room."""

    mode = "local"

    def __init__(self) -> None:
        self.rooms: dict[str, set[LocalSubscription]] = defaultdict(set)
        self.lock = threading.Lock()

    def publish(self, room: str, message: str) -> int:
        """Put ``message`` in the queue of every subscriber of the room."""
        with self.lock:
            subscribers = list(self.rooms.get(room, ()))
        for subscription in subscribers:
            # A subscriber that stopped reading loses messages; the others do not wait for it.
            with contextlib.suppress(queue.Full):
                subscription.queue.put_nowait(message)
        return len(subscribers)

    def subscribe(self, room: str) -> LocalSubscription:
        """Join the room."""
        return self.join(LocalSubscription(self, room))

    def join(self, subscription: LocalSubscription) -> LocalSubscription:
        """Add ``subscription`` to its room; return it."""
        with self.lock:
            self.rooms[subscription.room].add(subscription)
        return subscription

    def leave(self, subscription: LocalSubscription) -> bool:
        """Remove a subscription, and its room once empty; return whether the room emptied."""
        with self.lock:
            members = self.rooms.get(subscription.room)
            if members is None:
                return False
            members.discard(subscription)
            if not members:
                del self.rooms[subscription.room]
                return True
            return False


class RedisSubscription(LocalSubscription):
    """One socket's queue, filled by its process's single Redis listener."""

    def __init__(self, hub: RedisHub, room: str) -> None:
        super().__init__(hub.local, room)
        self.redis_hub = hub

    def close(self) -> None:
        """Leave the room; the process unsubscribes from Redis when its last socket leaves."""
        self.redis_hub.leave(self)


class RedisHub:
    """Fan-out through Redis: every process subscribed to the channel gets every message."""

    mode = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.lock = threading.Lock()
        self.pid = 0
        self.pubsub: redis.client.PubSub | None = None
        self.local = LocalHub()
        #: Channel -> set once Redis confirmed this process's subscription.
        self.confirmed: dict[str, threading.Event] = {}

    def publish(self, room: str, message: str) -> int:
        """Publish ``message`` to the room; return how many processes (subscribers) Redis reached."""
        return self.client.publish(channel_for(room), message)

    def subscribe(self, room: str) -> RedisSubscription:
        """Join the room; return once Redis delivers its messages to this process."""
        channel = channel_for(room)
        with self.lock:
            self.start_listener()
            subscription = RedisSubscription(self, room)
            self.local.join(subscription)
            confirmed = self.confirmed.get(channel)
            if confirmed is None:
                confirmed = self.confirmed[channel] = threading.Event()
                self.pubsub.subscribe(channel)
        # So that a message published right after the socket says "joined" reaches it.
        if not confirmed.wait(SUBSCRIBE_SECONDS):
            logger.warning("Redis did not confirm the subscription to %s in %s s", channel, SUBSCRIBE_SECONDS)
        return subscription

    def leave(self, subscription: RedisSubscription) -> None:
        """Drop a socket's queue; unsubscribe the process when its room is empty."""
        channel = channel_for(subscription.room)
        with self.lock:
            if self.local.leave(subscription) and self.confirmed.pop(channel, None) is not None:
                with contextlib.suppress(redis.RedisError):
                    self.pubsub.unsubscribe(channel)

    def start_listener(self) -> None:
        """Open this process's subscriber connection and its listener, once (again after a fork)."""
        if self.pid == os.getpid() and self.pubsub is not None:
            return
        # A forked child inherits neither the listener thread nor the rooms of its parent.
        self.pid = os.getpid()
        self.local = LocalHub()
        self.confirmed = {}
        self.pubsub = self.client.pubsub()
        listener = threading.Thread(target=self.listen, args=(self.pubsub,), name="chat-hub", daemon=True)
        listener.start()

    def listen(self, pubsub: redis.client.PubSub) -> None:
        """Block on Redis and hand each message to the local sockets of its room, forever."""
        while True:
            try:
                reply = pubsub.get_message(timeout=LISTEN_SECONDS)
            except (redis.RedisError, OSError, ValueError):
                # Redis went away: the next call reconnects and subscribes to every channel again.
                logger.warning("chat hub lost Redis; reconnecting", exc_info=True)
                time.sleep(RECONNECT_SECONDS)
                continue
            if reply is not None:
                self.dispatch(reply)

    def dispatch(self, reply: dict) -> None:
        """Deliver one pub/sub reply: a message to the room's queues, a confirmation to its waiters."""
        channel = reply["channel"].decode() if isinstance(reply["channel"], bytes) else reply["channel"]
        if reply["type"] == "subscribe":
            event = self.confirmed.get(channel)
            if event is not None:
                event.set()
        elif reply["type"] == "message":
            data = reply["data"]
            self.local.publish(room_of(channel), data.decode() if isinstance(data, bytes) else data)


#: The one in-process hub, used when REDIS_URL is not set.
LOCAL_HUB = LocalHub()


@functools.cache
def redis_hub(url: str) -> RedisHub:
    """Return the Redis hub for ``url``: one client (and connection pool) per process."""
    return RedisHub(redisclient.connect(url, health_check_interval=30))
