"""One way to make a Redis client: its pool waits for a free connection instead of failing.

redis-py 8 caps a connection pool at 100 connections and raises ``MaxConnectionsError``
for the 101st. A gevent worker serves a thousand websockets at once, and a burst of
handshakes asks for more connections than that in the same instant: each one holds a
connection for well under a millisecond, so waiting for one (up to ``POOL_WAIT``
seconds) is right, and failing the handshake with a 503 was not.
"""

from __future__ import annotations

from typing import Any

import redis

#: Connections one process opens to Redis at most (redis-py's default cap).
POOL_SIZE = 100
#: Seconds a request waits for a free connection before the store counts as unreachable.
POOL_WAIT = 5


def connect(url: str, **options: Any) -> redis.Redis:
    """Return a client of ``url`` (``options`` as for ``redis.Redis``) over a blocking pool."""
    options.setdefault("socket_connect_timeout", 2)
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **options)
    return redis.Redis(connection_pool=pool)
