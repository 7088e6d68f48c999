"""``make serve``: the production topology on loopback ports, stopped cleanly by Ctrl+C.

nginx (static files, compression) in front of the HTTP pool and the websocket pool, with
the repo's gunicorn.conf.py and deploy/nginx.conf.template; SQLite in instance/ (or
DATABASE_URL) and a private Redis when redis-server is installed (or REDIS_URL), else the
embedded session store.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topology import ROOT
from topology import Topology
from topology import local_env
from topology import start_redis


def instance_secret() -> str:
    """Read (or create) the secret in instance/, the one `make run` uses too."""
    path = ROOT / "instance" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    """Start everything, wait for Ctrl+C (or SIGTERM), then stop everything."""
    if shutil.which("nginx") is None:
        print("nginx is missing: apt-get install -y nginx libnginx-mod-http-brotli-static", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="insideflask-serve-"))
    redis = None
    topology = None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis = start_redis(workdir)
            redis_url = redis[1] if redis else None
        sqlite = ROOT / "instance" / "inside_flask.sqlite3"
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite}"
        env = local_env(database_url, redis_url, instance_secret())
        # Migrate once; in production this also builds and checks the content.
        subprocess.run([sys.executable, "manage.py", "db", "upgrade"], cwd=ROOT, env=env, check=True)
        topology = Topology(workdir, env).start()
        sessions = "Redis at " + redis_url if redis_url else "the embedded session store (no Redis)"
        print(
            f"\n  Inside Flask: {topology.url}/  (nginx :{topology.proxy_port} -> HTTP pool "
            f":{topology.http_ports[0]}, websocket pool :{topology.ws_port}; sessions in {sessions})"
            f"\n  cold start to the first lesson: {topology.cold_start}\n  Ctrl+C stops it.\n",
            flush=True,
        )
        while not stop.wait(1):
            if any(proc.poll() is not None for proc in topology.processes):
                print("a server process exited; stopping the rest", file=sys.stderr)
                return 1
        return 0
    finally:
        if topology is not None:
            topology.stop()
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
        print("stopped nginx, the app pools" + (" and Redis" if redis else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
