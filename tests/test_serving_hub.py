"""The chat hub: one Redis subscriber per process, fanned out to every local socket."""

from __future__ import annotations

import secrets
import time

import redis

from app.topics.websockets.hub import RedisHub
from app.topics.websockets.hub import channel_for


def subscriber_count(client: redis.Redis, room: str) -> int:
    """Return how many Redis connections are subscribed to the room's channel."""
    return dict(client.pubsub_numsub(channel_for(room)))[channel_for(room).encode()]


def test_many_local_sockets_share_one_redis_subscription(redis_url):
    client = redis.Redis.from_url(redis_url)
    hub = RedisHub(client)
    room = f"t{secrets.token_hex(4)}"
    subscriptions = [hub.subscribe(room) for _ in range(50)]
    try:
        assert subscriber_count(client, room) == 1
        assert hub.publish(room, "hello") == 1
        assert [s.get_message(timeout=3) for s in subscriptions] == ["hello"] * 50
        assert all(s.get_message() is None for s in subscriptions)
    finally:
        for subscription in subscriptions:
            subscription.close()
    deadline = time.monotonic() + 3
    while subscriber_count(client, room) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert subscriber_count(client, room) == 0


def test_waiting_subscriber_wakes_on_publish_not_on_a_poll(redis_url):
    client = redis.Redis.from_url(redis_url)
    hub = RedisHub(client)
    room = f"t{secrets.token_hex(4)}"
    subscription = hub.subscribe(room)
    try:
        other = RedisHub(redis.Redis.from_url(redis_url))  # another process, as far as Redis knows
        started = time.monotonic()
        other.publish(room, "ping")
        assert subscription.get_message(timeout=5) == "ping"
        assert time.monotonic() - started < 0.5
        assert subscription.get_message(timeout=0.2) is None
    finally:
        subscription.close()
