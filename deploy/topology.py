"""The production topology on one machine: nginx in front of the HTTP pool and the websocket pool.

Used by ``make serve`` (deploy/serve.py), the benchmark (bench/run.py) and the serving tests,
so all of them run the same files as the container: gunicorn.conf.py and
deploy/nginx.conf.template. Only the Python standard library is needed here: the proxy image
renders its config with Debian's python3.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
STATIC_ROOT = ROOT / "app" / "static"
#: Where Debian's libnginx-mod-http-brotli-{static,filter} put their modules.
NGINX_MODULES = Path("/usr/lib/nginx/modules")
BROTLI_STATIC = "ngx_http_brotli_static_module.so"
BROTLI_FILTER = "ngx_http_brotli_filter_module.so"
#: A lesson page: what "the process is ready" means for a learner.
FIRST_LESSON = "/topics/routing/routing"
#: An instance that refused a connection is skipped for 2 s, not nginx's default 10 s: one
#: that was restarted or recreated gets requests again 2 s after it listens.
UPSTREAM_HEALTH = "max_fails=1 fail_timeout=2s"
COMPRESSED_TYPES = "text/css application/javascript application/json image/svg+xml text/plain application/xml"


def render_nginx(
    *,
    listen: str,
    http_servers: list[str],
    ws_servers: list[str],
    prefix: Path,
    static_root: Path = STATIC_ROOT,
    worker_processes: str = "auto",
    access_log: str = "off",
    error_log: str = "stderr",
    modules_dir: Path = NGINX_MODULES,
    user: str | None = None,
) -> str:
    """Return deploy/nginx.conf.template with every placeholder filled in.

    Brotli is used when Debian's brotli modules are installed; gzip alone otherwise.
    ``user`` is who the workers run as when the master is root (they must be able to write
    the temp directories under ``prefix``); by default the master's own user.
    """
    if user is None and os.geteuid() == 0:
        user = "root"  # a local run as root: workers that can use the private temp dirs
    brotli = (modules_dir / BROTLI_STATIC).is_file() and (modules_dir / BROTLI_FILTER).is_file()
    values = {
        "load_modules": (
            f"load_module {modules_dir / BROTLI_STATIC};\nload_module {modules_dir / BROTLI_FILTER};"
            if brotli
            else "# Brotli modules not installed (libnginx-mod-http-brotli-*): gzip only."
        ),
        "user": f"user {user};" if user else "# Workers run as the user who started nginx.",
        "worker_processes": worker_processes,
        "prefix": str(prefix),
        "error_log": error_log,
        "access_log": access_log,
        "brotli_filter": (
            "    brotli on;\n    brotli_comp_level 1;\n    brotli_min_length 512;\n"
            f"    brotli_types {COMPRESSED_TYPES};"
            if brotli
            else ""
        ),
        "brotli_static": "            brotli_static on;" if brotli else "",
        "http_servers": "\n".join(f"        server {server} {UPSTREAM_HEALTH};" for server in http_servers),
        "ws_servers": "\n".join(f"        server {server} {UPSTREAM_HEALTH};" for server in ws_servers),
        "listen": listen,
        "static_root": str(static_root),
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled placeholder in {TEMPLATE}: {text[text.index('{{') :][:40]}")
    return text


def write_nginx_config(path: Path, **kwargs) -> Path:
    """Render the config into ``path`` and create the temp directories nginx writes to."""
    prefix = kwargs["prefix"]
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / name).mkdir(parents=True, exist_ok=True)
    path.write_text(render_nginx(**kwargs))
    return path


def nginx_command(config: Path, prefix: Path, *extra: str) -> list[str]:
    """Return the command running Debian's nginx on ``config`` (``extra``: e.g. ``-t``)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, *extra, "-c", str(config), "-p", str(prefix), "-e", "stderr"]


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct free loopback ports below the ephemeral range (32768+)."""
    rng = secrets.SystemRandom()
    ports: set[int] = set()
    for _ in range(2000):
        port = rng.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.add(port)
        if len(ports) == count:
            return sorted(ports)
    raise RuntimeError("no free ports between 20000 and 32000")


def gunicorn_command(port: int, target: str = "wsgi:app", host: str = "127.0.0.1") -> list[str]:
    """Return the one way this project starts gunicorn: ``-c gunicorn.conf.py --bind …``."""
    local = Path(sys.executable).parent / "gunicorn"
    gunicorn = str(local) if local.exists() else "gunicorn"
    return [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"{host}:{port}", target]


def wait_for(port: int, path: str, timeout: float, proc: subprocess.Popen | None = None) -> float:
    """Poll ``path`` on ``port`` until it answers 200; return the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"nothing answered 200 on 127.0.0.1:{port}{path} within {timeout:.0f} s")


@dataclass
class Topology:
    """nginx + ``http_instances`` HTTP pools + one websocket pool, on free loopback ports."""

    workdir: Path
    env: dict[str, str]
    http_instances: int = 1
    nginx_workers: str = "auto"
    #: The WSGI app of the HTTP pool (the benchmark puts its bare "hello" app here).
    target: str = "wsgi:app"
    #: What must answer 200 before a pool counts as started.
    ready_path: str = FIRST_LESSON
    #: Whether to start the websocket pool (without it, nginx sends the ws paths to HTTP).
    websocket_pool: bool = True
    processes: list[subprocess.Popen] = field(default_factory=list)
    http_ports: list[int] = field(default_factory=list)
    ws_port: int = 0
    proxy_port: int = 0
    #: Seconds from starting each gunicorn to its first lesson served (role -> seconds).
    cold_start: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Return the proxy's base URL: what a browser would be given."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def start(self, timeout: float = 60) -> Topology:
        """Start every process, in parallel, and wait until each answers."""
        *self.http_ports, self.ws_port, self.proxy_port = free_ports(self.http_instances + 2)
        started = time.monotonic()
        pools = [(port, "http") for port in self.http_ports]
        if self.websocket_pool:
            pools.append((self.ws_port, "ws"))
        else:
            self.ws_port = self.http_ports[0]
        launched = []
        for port, role in pools:
            env = {**self.env, "INSIDE_FLASK_ROLE": role}
            command = gunicorn_command(port, self.target)
            proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
            self.processes.append(proc)
            launched.append((port, role, proc))
        for index, (port, role, proc) in enumerate(launched):
            wait_for(port, self.ready_path, timeout, proc)
            # All started together: the time to the first lesson counts from the launch.
            label = role if role == "ws" else f"http{index}" if self.http_instances > 1 else "http"
            self.cold_start[label] = round(time.monotonic() - started, 3)
        config = write_nginx_config(
            self.workdir / "nginx.conf",
            listen=f"127.0.0.1:{self.proxy_port}",
            http_servers=[f"127.0.0.1:{port}" for port in self.http_ports],
            ws_servers=[f"127.0.0.1:{self.ws_port}"],
            prefix=self.workdir / "nginx",
            worker_processes=self.nginx_workers,
        )
        command = nginx_command(config, self.workdir / "nginx")
        proxy = subprocess.Popen(command, start_new_session=True)  # noqa: S603
        self.processes.append(proxy)
        wait_for(self.proxy_port, self.ready_path, timeout, proxy)
        return self

    def stop(self) -> None:
        """Stop every process started, newest first, and wait for each."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str] | None:
    """Start a private redis-server on a free loopback port, if one is installed."""
    server = shutil.which("redis-server")
    if server is None:
        return None
    (port,) = free_ports(1)
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(workdir), "--logfile", str(workdir / "redis.log")]
    proc = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (redis-server, fixed arguments)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def local_env(database_url: str, redis_url: str | None, secret_key: str) -> dict[str, str]:
    """Return the environment of the app processes behind the local proxy (plain HTTP)."""
    env = {
        **os.environ,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        # One proxy in front: trust exactly one hop of X-Forwarded-*.
        "PROXY_FIX_X_FOR": "1",
        "PROXY_FIX_X_PROTO": "1",
        "PROXY_FIX_X_HOST": "1",
        # Plain HTTP on loopback: a Secure cookie would never come back.
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_REMEMBER_COOKIE_SECURE": "false",
    }
    if redis_url:
        env.update(INSIDE_FLASK_CONFIG="production", REDIS_URL=redis_url)
    else:
        # Production refuses to start without Redis; without it, run the development
        # config with debug and reloading off (the embedded session store).
        env.pop("REDIS_URL", None)
        env.update(INSIDE_FLASK_CONFIG="development", FLASK_DEBUG="false", FLASK_CONTENT_AUTO_RELOAD="false")
    return env
