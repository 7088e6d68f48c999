"""Fan-out for the chat demo: Redis pub/sub across processes, or queues inside one process.

A hub has two methods, ``publish(room, message)`` and ``subscribe(room)``; a subscription
has ``get_message()`` (never blocks) and ``close()``. The chat socket does not care which
hub it got.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
import time
from collections import defaultdict

import redis

CHANNEL_PREFIX = "insideflask:chat:"
#: Messages a slow in-process subscriber may fall behind before new ones are dropped for it.
LOCAL_BACKLOG = 100


def channel_for(room: str) -> str:
    """Return the Redis channel of a chat room."""
    return f"{CHANNEL_PREFIX}{room}"


class RedisSubscription:
    """One socket's subscription to a room's Redis channel, on a connection of its own."""

    def __init__(self, client: redis.Redis, room: str) -> None:
        self.pubsub = client.pubsub()
        self.pubsub.subscribe(channel_for(room))
        # Wait for Redis to confirm, so a message published right after we say
        # "joined" already reaches this subscriber.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            reply = self.pubsub.get_message(timeout=0.1)
            if reply and reply["type"] == "subscribe":
                break

    def get_message(self) -> str | None:
        """Return the next message of the room, or None when there is none yet."""
        reply = self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.0)
        if reply is None or reply["type"] != "message":
            return None
        return reply["data"].decode()

    def close(self) -> None:
        """Leave the channel and give the connection back."""
        try:
            self.pubsub.unsubscribe()
        finally:
            self.pubsub.close()


class RedisHub:
    """Fan-out through Redis: every process subscribed to the channel gets every message."""

    mode = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def publish(self, room: str, message: str) -> int:
        """Publish ``message`` to the room; return how many subscribers Redis reached."""
        return self.client.publish(channel_for(room), message)

    def subscribe(self, room: str) -> RedisSubscription:
        """Subscribe to the room."""
        return RedisSubscription(self.client, room)


class LocalSubscription:
    """One socket's queue in an in-process room."""

    def __init__(self, hub: LocalHub, room: str) -> None:
        self.hub = hub
        self.room = room
        self.queue: queue.Queue[str] = queue.Queue(maxsize=LOCAL_BACKLOG)

    def get_message(self) -> str | None:
        """Return the next message of the room, or None when there is none yet."""
        try:
            return self.queue.get_nowait()
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
        subscription = LocalSubscription(self, room)
        with self.lock:
            self.rooms[room].add(subscription)
        return subscription

    def leave(self, subscription: LocalSubscription) -> None:
        """Remove a subscription, and its room once empty."""
        with self.lock:
            members = self.rooms.get(subscription.room)
            if members is not None:
                members.discard(subscription)
                if not members:
                    del self.rooms[subscription.room]


#: The one in-process hub, used when REDIS_URL is not set.
LOCAL_HUB = LocalHub()


@functools.cache
def redis_hub(url: str) -> RedisHub:
    """Return the Redis hub for ``url``: one client (and connection pool) per process."""
    return RedisHub(redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30))
