"""The proxy container's entrypoint: render deploy/nginx.conf.template, run nginx, follow the pools.

``APP_UPSTREAMS`` and ``WS_UPSTREAMS`` (comma-separated ``host:port``) name the HTTP and
websocket pools; a compose service name with N replicas resolves to all N.

nginx resolves those names only when it loads its configuration. Without help it would never
see a replica added by ``docker compose up --scale app=3``, and it would keep sending requests
to the old addresses of an instance that compose recreated (502s until the proxy restarts).
So this process stays in front of nginx as PID 1: it resolves the names again every
``PROXY_RESOLVE_SECONDS`` (5) and, when the set of addresses changes, reloads nginx with
SIGHUP (nginx's graceful reload: open connections finish on the old workers). It passes
SIGTERM, SIGINT and SIGQUIT on to nginx and exits with nginx's status.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topology import nginx_command
from topology import write_nginx_config

PREFIX = Path("/var/lib/nginx/insideflask")
#: Debian's unprivileged user for nginx's workers.
WORKER_USER = "www-data"
#: Signals the container runtime sends to stop us; nginx gets them unchanged.
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)

Resolver = Callable[..., list[tuple]]


def addresses(servers: Iterable[str], resolve: Resolver = socket.getaddrinfo) -> frozenset[str] | None:
    """Return every ``ip:port`` the ``host:port`` entries of ``servers`` resolve to now.

    ``None`` when a name does not resolve at the moment (e.g. every replica is restarting):
    nginx would refuse a configuration naming it, so the caller keeps the one it has.
    """
    found: set[str] = set()
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            infos = resolve(host, int(port), type=socket.SOCK_STREAM)
        except OSError:
            return None
        found.update(f"{info[4][0]}:{info[4][1]}" for info in infos)
    return frozenset(found)


def follow(
    nginx: subprocess.Popen,
    servers: list[str],
    *,
    every: float,
    resolve: Resolver = socket.getaddrinfo,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> int:
    """Reload ``nginx`` whenever the addresses of ``servers`` change; return its exit status."""
    known = addresses(servers, resolve)
    while True:
        try:
            return nginx.wait(timeout=every)
        except subprocess.TimeoutExpired:
            pass
        now = addresses(servers, resolve)
        if now is None or now == known:
            continue
        log(f"proxy: upstream addresses changed to {', '.join(sorted(now))}: reloading nginx")
        nginx.send_signal(signal.SIGHUP)
        known = now


def main() -> None:
    """Write the config, start nginx in the foreground and follow the pools' addresses."""
    http_servers = os.environ.get("APP_UPSTREAMS", "app:8000").split(",")
    ws_servers = os.environ.get("WS_UPSTREAMS", "ws:8000").split(",")
    PREFIX.mkdir(parents=True, exist_ok=True)
    config = write_nginx_config(
        PREFIX / "nginx.conf",
        listen=os.environ.get("PROXY_LISTEN", "80"),
        http_servers=http_servers,
        ws_servers=ws_servers,
        prefix=PREFIX,
        access_log="/dev/stdout",
        user=WORKER_USER,
    )
    # The workers buffer request and response bodies here.
    for path in PREFIX.iterdir():
        if path.is_dir():
            shutil.chown(path, WORKER_USER)
    nginx = subprocess.Popen(nginx_command(config, PREFIX))  # noqa: S603 (a fixed command built above)
    for signum in FORWARDED:
        signal.signal(signum, lambda received, _frame: nginx.send_signal(received))
    every = float(os.environ.get("PROXY_RESOLVE_SECONDS", "5"))
    sys.exit(follow(nginx, http_servers + ws_servers, every=every))


if __name__ == "__main__":
    main()
