"""Benchmark the site's hot pages side by side with a bare Flask app, in one run.

Both apps are served by gunicorn with the same worker settings on this machine, and
loaded by wrk one after the other, so the ratios (page / bare hello) are comparable even
though the absolute numbers depend on the machine. Results go to bench/results/.

    make bench            # or: REDIS_URL=... .venv/bin/python bench/run.py
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GUNICORN = [
    str(ROOT / ".venv" / "bin" / "gunicorn"),
    "--worker-class",
    "gthread",
    "--workers",
    "2",
    "--threads",
    "4",
    "--no-control-socket",
    "--log-level",
    "warning",
]
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")

#: (label, path) of the site's pages measured; the cookie makes them a returning visitor's.
PAGES = [
    ("healthz", "/healthz"),
    ("course map", "/"),
    ("topic page", "/topics/routing/"),
    ("lesson page", "/topics/routing/routing"),
    ("quiz page", "/topics/routing/quiz"),
    ("demo page", "/topics/routing/demo/match?path=/users/42&method=GET"),
    ("dashboard", "/dashboard"),
]


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct free loopback ports below the ephemeral range."""
    ports: list[int] = []
    for port in range(21000, 32000, 7):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free port")


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Start gunicorn for ``target`` and wait until it answers."""
    proc = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", target], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start on port {port}")


def session_cookie(port: int) -> str:
    """Visit the home page once and return the session cookie, as a browser keeps it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "")
    return cookie.split(";", 1)[0]


def wrk(url: str, cookie: str = "") -> dict[str, float]:
    """Run wrk against ``url`` and return requests/s, p50 and p99 latency in ms."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def latency(out: str, label: str) -> float:
    """Parse one latency percentile of wrk's output into milliseconds."""
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def main() -> int:
    """Measure the bare app and every page, then print and save the ratios."""
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="insideflask-bench-"))
    env = {
        **os.environ,
        "INSIDE_FLASK_CONFIG": "production",
        "SECRET_KEY": "bench-only-secret",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "FLASK_SESSION_COOKIE_SECURE": "false",
    }
    if not env["REDIS_URL"]:
        print("REDIS_URL is required (make bench starts a throwaway Redis)", file=sys.stderr)
        return 1
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    rows = []
    hello_port, site_port = free_ports(2)
    hello = serve("bench.hello:app", hello_port, env)
    site = serve("wsgi:app", site_port, env)
    try:
        cookie = session_cookie(site_port)
        wrk(f"http://127.0.0.1:{hello_port}/")  # warm-up: the first run after a start is slow
        wrk(f"http://127.0.0.1:{site_port}/", cookie)
        base = wrk(f"http://127.0.0.1:{hello_port}/")
        rows.append(("bare Flask hello", "/", base))
        for label, path in PAGES:
            rows.append((label, path, wrk(f"http://127.0.0.1:{site_port}{path}", cookie)))
    finally:
        for proc in (hello, site):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'page':<18}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs hello':>10}{'non-2xx':>9}")
    for label, _path, r in rows:
        ratio = r["rps"] / base["rps"]
        print(
            f"{label:<18}{r['rps']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{ratio:>10.2f}{r['errors']:>9}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = [{"page": label, "path": path, **r, "ratio": r["rps"] / base["rps"]} for label, path, r in rows]
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
