"""The proxy container's entrypoint: render deploy/nginx.conf.template, then become nginx.

``APP_UPSTREAMS`` and ``WS_UPSTREAMS`` (comma-separated ``host:port``) name the HTTP and
websocket pools; a compose service name with N replicas resolves to all N at start.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topology import nginx_command
from topology import write_nginx_config

PREFIX = Path("/var/lib/nginx/insideflask")
#: Debian's unprivileged user for nginx's workers.
WORKER_USER = "www-data"


def main() -> None:
    """Write the config and exec nginx in the foreground."""
    PREFIX.mkdir(parents=True, exist_ok=True)
    config = write_nginx_config(
        PREFIX / "nginx.conf",
        listen=os.environ.get("PROXY_LISTEN", "80"),
        http_servers=os.environ.get("APP_UPSTREAMS", "app:8000").split(","),
        ws_servers=os.environ.get("WS_UPSTREAMS", "ws:8000").split(","),
        prefix=PREFIX,
        access_log="/dev/stdout",
        user=WORKER_USER,
    )
    # The workers buffer request and response bodies here.
    for path in PREFIX.iterdir():
        if path.is_dir():
            shutil.chown(path, WORKER_USER)
    command = nginx_command(config, PREFIX)
    os.execv(command[0], command)  # noqa: S606 (a fixed command built above)


if __name__ == "__main__":
    main()
