"""The one gunicorn configuration: the HTTP pool, or the websocket pool with INSIDE_FLASK_ROLE=ws.

Every way of serving the site uses this file (the container, docker-compose, ``make serve``,
the benchmark and the serving tests)::

    gunicorn -c gunicorn.conf.py --bind 127.0.0.1:8001 wsgi:app                      # HTTP pool
    INSIDE_FLASK_ROLE=ws gunicorn -c gunicorn.conf.py --bind 127.0.0.1:8002 wsgi:app  # websockets

The two roles are separate processes behind the front proxy (deploy/nginx.conf.template),
which routes the websocket paths to the ``ws`` pool: an open websocket holds a greenlet
there and never a thread or slot of the HTTP pool, so no number of open sockets can delay
an HTTP request.

Why these workers: the pages are CPU-bound (rendering, a query, a session read). On two
cores ``gthread`` gave the best throughput with a p99 of a few tens of ms at 32 connections,
while ``gevent`` workers served the same pages with a p99 of 1-3 s (one greenlet rendering
holds the whole process). Websockets are the opposite: mostly idle, so one gevent worker holds
thousands of them cheaply (~135 KB each).

Environment knobs: ``WEB_CONCURRENCY`` (HTTP workers, default: the core count),
``WEB_THREADS`` (threads per HTTP worker, default 4), ``WS_WORKER_CONNECTIONS`` (sockets per
ws worker, default 10000), ``FORWARDED_ALLOW_IPS`` (who may set X-Forwarded-*, default
loopback), ``GUNICORN_ACCESS_LOG`` (a path or ``-``; the proxy keeps the access log).
"""

from __future__ import annotations

import os

ROLE = os.environ.get("INSIDE_FLASK_ROLE", "http")
if ROLE not in ("http", "ws"):
    raise SystemExit(f"INSIDE_FLASK_ROLE must be 'http' or 'ws', not {ROLE!r}")

if ROLE == "ws":
    # Patch before the app is imported in the master (preload_app): the app's Redis and
    # database clients must be created on gevent's sockets, not the blocking ones.
    from gevent import monkey

    monkey.patch_all()

# Build the app (and its content catalog) once in the master, then fork: workers share
# the catalog's memory and start serving at once.
preload_app = True

# gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl, and a second instance
# silently takes it over from the first: every process here is one of several.
control_socket_disable = True

if ROLE == "http":
    worker_class = "gthread"
    workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
    threads = int(os.environ.get("WEB_THREADS", 4))
    # Keep the proxy's upstream connections open between requests.
    keepalive = 30
    timeout = 30
else:
    worker_class = "gevent"
    workers = int(os.environ.get("WS_WORKERS", 1))
    worker_connections = int(os.environ.get("WS_WORKER_CONNECTIONS", 10000))
    # The gevent worker's heartbeat does not depend on requests finishing: sockets may
    # stay open for minutes while the worker stays alive.
    timeout = 30

graceful_timeout = 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = f"insideflask-{ROLE}"


def post_fork(server, worker) -> None:
    """Drop database connections the master opened: a worker must never share a socket."""
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not this project's app (the benchmark's bare "hello")
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
