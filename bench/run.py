"""Benchmark the production topology side by side with a bare Flask app, in one run.

Both are served the same way, with the same files as production: nginx
(deploy/nginx.conf.template) in front of gunicorn (gunicorn.conf.py, HTTP role), on this
machine, loaded by wrk one after the other at 1, 8 and 32 connections. The ratios (page /
bare hello) are comparable across machines; absolute numbers are not (wrk shares the cores).

The page rows run on SQLite and, when ``TEST_DATABASE_URL`` names a PostgreSQL server, again
on a throwaway database created there for the run (and dropped at the end, even on failure);
each database's rows are compared with hello rows measured just before them. The websocket
rows, which do not touch the database, run once.

    make bench                      # or: REDIS_URL=... .venv/bin/python bench/run.py
    BENCH_QUICK=1 make bench        # 8 connections, 2 s rows, 1,000 sockets, both databases

Writes bench/results/latest.json and bench/results/latest.md (git-ignored).
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import redis
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

import history  # noqa: E402  (bench/history.py, beside this script)
from topology import Topology  # noqa: E402
from topology import local_env  # noqa: E402
from topology import start_redis  # noqa: E402

RESULTS = ROOT / "bench" / "results"
QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = os.environ.get("BENCH_DURATION", "2s" if QUICK else "5s")
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "8" if QUICK else "1,8,32").split(",")]
HISTORY = int(os.environ.get("BENCH_HISTORY", "5000"))
IDLE_SOCKETS = [1000] if QUICK else [1000, 5000]
CHAT_SUBSCRIBERS = 1000
TICKS = os.sysconf("SC_CLK_TCK")
LESSON = "/topics/routing/routing"
QUIZ = "/topics/routing/quiz"
#: The search rows: an API name, and a Chinese word (the other tokenizer).
SEARCHES = ["before_request", "上下文"]


# ---- wrk and /proc ----------------------------------------------------------------------


def wrk(url: str, connections: int, cookie: str = "", script: Path | None = None) -> dict:
    """Run wrk; return req/s, p50/p90/p99 (ms), requests and errors (non-2xx/3xx and socket)."""
    args = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{DURATION}", "--latency"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args += ["-H", "Accept-Encoding: gzip, br"]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p90_ms": latency(out, "90%"),
        "p99_ms": latency(out, "99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": errors,
    }


def latency(out: str, label: str) -> float:
    """Parse one latency percentile of wrk's output into milliseconds."""
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", out)
    value, unit = float(match.group(1)), match.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)


def children(pid: int) -> list[int]:
    """Return the direct children of ``pid`` (gunicorn's workers, nginx's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cpu_ticks(pids: list[int]) -> int:
    """Return utime + stime of ``pids`` and their children, in clock ticks."""
    return sum(cpu_ticks_of(proc) for pid in pids for proc in [pid, *children(pid)])


def memory_kb(pid: int, key: str) -> int:
    """Return a memory figure (``VmRSS`` from status, ``Pss`` from smaps_rollup) in KB."""
    source = "smaps_rollup" if key == "Pss" else "status"
    match = re.search(rf"^{key}:\s+(\d+) kB", Path(f"/proc/{pid}/{source}").read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def ticks_by_pid(pids: list[int]) -> dict[int, int]:
    """Return each process's own utime + stime (no children), in clock ticks."""
    return {pid: cpu_ticks_of(pid) for pid in pids}


def cpu_ticks_of(pid: int) -> int:
    """Return utime + stime of one process in clock ticks (0 once it has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])


def measure(
    url: str,
    connections: int,
    app_pids: list[int],
    proxy_pid: int,
    database_pids: Callable[[], list[int]] | None = None,
    **kwargs,
) -> dict:
    """Load ``url`` with wrk and add the server CPU per request (app pool, proxy, database).

    ``database_pids`` lists the database server's processes serving the site (PostgreSQL's
    client backends); SQLite runs inside the app's workers, so its CPU is the app's.
    """
    app_before, proxy_before = cpu_ticks(app_pids), cpu_ticks([proxy_pid])
    database_before = ticks_by_pid(database_pids()) if database_pids else {}
    result = wrk(url, connections, **kwargs)
    app_ticks, proxy_ticks = cpu_ticks(app_pids) - app_before, cpu_ticks([proxy_pid]) - proxy_before
    requests = max(result["requests"], 1)
    result["app_cpu_ms"] = round(app_ticks * 1000 / TICKS / requests, 3)
    result["proxy_cpu_ms"] = round(proxy_ticks * 1000 / TICKS / requests, 3)
    if database_pids:
        # A backend the pool opened during the run counts from zero: all its work is this run's.
        after = ticks_by_pid(database_pids())
        database_ticks = sum(ticks - database_before.get(pid, 0) for pid, ticks in after.items())
        result["db_cpu_ms"] = round(database_ticks * 1000 / TICKS / requests, 3)
    return result


# ---- a returning learner ----------------------------------------------------------------


class Browser:
    """Just enough of a browser: one cookie jar of session cookies, plain HTTP/1.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        """Return the Cookie header this browser sends."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """Send one request; keep the cookies it sets; return (response, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Cookie": self.cookie, **(headers or {})} if self.cookies else dict(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response, data


def csrf_from(html: bytes) -> str:
    """Return the CSRF token of the page's first form."""
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()


def make_learner(port: int) -> Browser:
    """Become a returning learner: open a lesson, mark it done, answer a question."""
    browser = Browser(port)
    _, html = browser.request("GET", LESSON)
    token = csrf_from(html)
    form = f"csrf_token={token}".encode()
    response, _ = browser.request(
        "POST", f"{LESSON}/done", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status in (200, 303), f"marking the lesson done answered {response.status}"
    return browser


def answer_request(browser: Browser) -> tuple[bytes, dict]:
    """Return a JSON quiz answer (body, headers) this learner's session accepts."""
    _, html = browser.request("GET", QUIZ)
    token = csrf_from(html)
    question = re.search(rb'name="question_id"[^>]*value="([^"]+)"', html).group(1).decode()
    choice = re.search(rb'name="answer"[^>]*value="([^"]+)"', html)
    answer = choice.group(1).decode() if choice else "x"
    body = json.dumps({"question_id": question, "answer": answer}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}
    response, data = browser.request("POST", f"{QUIZ}/answer", body, headers)
    assert response.status == 200, f"the quiz answer was refused: {response.status} {data[:200]!r}"
    return body, headers


def add_history(database_url: str, count: int) -> None:
    """Give the newest learner ``count`` stored answers to the real quizzes, summaries included.

    ``bench/history.py`` writes the attempts and answers in bulk and rebuilds the
    learner's summary rows from them, so the pages see the history the progress
    service would have kept.
    """
    quizzes = {}
    for path in sorted((ROOT / "quizzes").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        quizzes[data["id"]] = [question["id"] for question in data["questions"]]
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        learner = conn.execute(sa.text("SELECT max(id) FROM learners")).scalar_one()
        history.add_history(conn, learner, quizzes, count)
    engine.dispose()


def post_script(workdir: Path, path: str, body: bytes, headers: dict) -> Path:
    """Write a wrk Lua script that POSTs ``body`` to ``path``."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.path = {json.dumps(path)}",
        f"wrk.body = {json.dumps(body.decode())}",
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    script = workdir / "post.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def per_request_costs(browser: Browser, redis_client: redis.Redis, method: str, path: str, **kw) -> dict:
    """Return SQL statements (header) and Redis commands (INFO deltas) of one request."""
    samples = 10

    def commands() -> int:
        stats = redis_client.info("commandstats")
        return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")

    # Requests of the previous wrk run may still be finishing: count from a quiet server.
    before = commands()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = commands()
        if now == before:
            break
        before = now
    sql = []
    for _ in range(samples):
        response, data = browser.request(method, path, **kw)
        # A refusal is cheap: measuring one would flatter the page.
        assert response.status < 300, f"{method} {path} answered {response.status}: {data[:200]!r}"
        sql.append(int(response.getheader("X-SQL-Statements", "-1")))
    return {"sql_statements": statistics.median(sql), "redis_commands": (commands() - before) / samples}


# ---- websockets ------------------------------------------------------------------------


async def ws_open(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a websocket through the proxy (a bare RFC 6455 client: cheap enough for thousands)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
    return reader, writer


def ws_frame(text: str, opcode: int = 0x1) -> bytes:
    """Return a masked client frame carrying ``text``."""
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, 0x80 | size])
    else:
        header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def ws_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
    """Return the next text message, answering pings on the way."""
    while True:
        first, second = await reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(await reader.readexactly(2), "big")
        elif size == 127:
            size = int.from_bytes(await reader.readexactly(8), "big")
        data = await reader.readexactly(size)
        opcode = first & 0x0F
        if opcode == 0x9:
            writer.write(ws_frame(data.decode(errors="replace"), 0xA))
        elif opcode == 0x8:
            raise ConnectionError("closed by the server")
        elif opcode == 0x1:
            return data.decode()


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of ``values``, in ms rounded."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return round(ordered[index] * 1000, 2)


async def idle_sockets_case(port: int, count: int) -> dict:
    """Open ``count`` idle echo sockets, then measure /healthz through the proxy meanwhile."""
    sockets = []
    started = time.monotonic()
    try:
        for start in range(0, count, 200):
            batch = [ws_open(port, "/topics/websockets/ws/echo") for _ in range(min(200, count - start))]
            sockets += await asyncio.gather(*batch)
        opened = time.monotonic() - started
        healthz = await asyncio.to_thread(wrk, f"http://127.0.0.1:{port}/healthz", 8)
        # The sockets are still open (nothing was read from them, nothing closed them).
        alive = sum(1 for _, writer in sockets if not writer.is_closing())
    finally:
        for _, writer in sockets:
            writer.close()
    return {
        "sockets": count,
        "alive": alive,
        "open_s": round(opened, 2),
        "healthz_rps": healthz["rps"],
        "healthz_p99_ms": healthz["p99_ms"],
        "healthz_errors": healthz["errors"],
    }


async def echo_case(port: int, clients: int = 40, messages: int = 5) -> dict:
    """Send a few messages on each of ``clients`` echo sockets; return the round-trip p50/p99."""
    times = []

    async def one() -> None:
        reader, writer = await ws_open(port, "/topics/websockets/ws/echo")
        try:
            for n in range(messages):
                started = time.monotonic()
                writer.write(ws_frame(f"ping {n}"))
                reply = json.loads(await ws_read(reader, writer))
                times.append(time.monotonic() - started)
                assert reply["type"] == "echo", reply
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(clients)))
    return {"messages": len(times), "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99)}


async def chat_case(port: int, subscribers: int, rounds: int = 5) -> dict:
    """Join ``subscribers`` sockets to a room; time each message from send to every receiver."""
    room = f"bench{os.getpid() % 10000}"
    members = []

    async def join() -> tuple:
        reader, writer = await ws_open(port, f"/topics/websockets/ws/chat/{room}")
        writer.write(ws_frame(json.dumps({"type": "join"})))
        while json.loads(await ws_read(reader, writer))["type"] != "joined":
            pass
        return reader, writer

    try:
        for start in range(0, subscribers, 100):
            members += await asyncio.gather(*(join() for _ in range(min(100, subscribers - start))))
        sender = members[0]
        latencies: list[float] = []
        for n in range(rounds):
            marker = f"round {n}"

            async def receive(reader, writer, marker=marker) -> float:
                while True:
                    message = json.loads(await ws_read(reader, writer))
                    if message.get("text") == marker:
                        return time.monotonic()

            waiters = [asyncio.ensure_future(receive(r, w)) for r, w in members]
            started = time.monotonic()
            sender[1].write(ws_frame(json.dumps({"name": "bench", "text": marker})))
            arrivals = await asyncio.wait_for(asyncio.gather(*waiters), timeout=60)
            latencies += [arrival - started for arrival in arrivals]
            await asyncio.sleep(0.3)  # the sender's rate limit: 5 messages per second
    finally:
        for _, writer in members:
            writer.close()
    return {
        "subscribers": subscribers,
        "deliveries": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


# ---- the databases ---------------------------------------------------------------------


@dataclass
class PostgresDatabase:
    """A throwaway database on the PostgreSQL server at ``TEST_DATABASE_URL``, for one run."""

    #: The server's maintenance connection (AUTOCOMMIT, on the server URL's own database).
    server: sa.Engine
    name: str
    url: str
    version: str
    #: Whether the server's processes are this machine's (then their CPU can be read).
    local: bool

    def backend_pids(self) -> list[int]:
        """Return the client backends connected to this database (the site's pooled connections)."""
        with self.server.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = :name AND backend_type = :type"
            rows = conn.execute(sa.text(query), {"name": self.name, "type": "client backend"})
            return list(rows.scalars())


def is_local_backend(pid: int, database: str) -> bool:
    """Tell whether ``pid`` is this machine's PostgreSQL backend serving ``database``.

    A server in a container or on another host has pids of its own: reading this machine's
    /proc for them would measure some other process, so the title is checked first.
    """
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return title.startswith(b"postgres: ") and f" {database} ".encode() in title


@contextmanager
def throwaway_postgres(server_url: str) -> Iterator[PostgresDatabase]:
    """Create ``insideflask_bench_<pid>`` on the server; drop it afterwards, even on failure."""
    name = f"insideflask_bench_{os.getpid()}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            version = conn.execute(sa.text("SHOW server_version")).scalar_one()
            own_pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            local = is_local_backend(own_pid, conn.execute(sa.text("SELECT current_database()")).scalar_one())
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield PostgresDatabase(server, name, url, version.split()[0], local)
        finally:
            with server.connect() as conn:
                # FORCE (PostgreSQL 13+): a connection left behind by a crashed worker must not keep it.
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def database_label(report: dict, database: str) -> str:
    """Return the database's name as the tables show it (with PostgreSQL's version)."""
    if database == "postgresql":
        return f"PostgreSQL {report.get('postgresql_version', '')}".strip()
    return "SQLite"


# ---- the run ---------------------------------------------------------------------------


def git_commit() -> str:
    """Return the commit being measured (with +dirty when the tree has changes)."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return commit + ("+dirty" if dirty.strip() else "")


def site_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Return the production environment of the site and the hello app (same settings)."""
    env = local_env(database_url, redis_url, "bench-only-secret")
    env.update(FLASK_COUNT_SQL="true", GUNICORN_LOG_LEVEL="warning")
    # The websocket rows open thousands of sockets from one address: lift the per-IP cap.
    env.update(FLASK_WEBSOCKET_MAX_PER_IP="20000")
    return env


@dataclass
class Run:
    """What every database's rows share: the hello topology, Redis, the report being filled."""

    workdir: Path
    redis_url: str
    hello: Topology
    report: dict

    def hello_rows(self, database: str) -> dict[int, dict]:
        """Measure the bare app at each connection count: the baseline of ``database``'s rows."""
        pid, proxy = self.hello.processes[0].pid, self.hello.processes[-1].pid
        wrk(f"{self.hello.url}/", 8)  # warm up
        rows = {}
        for connections in CONNECTIONS:
            rows[connections] = measure(f"{self.hello.url}/", connections, [pid], proxy)
            self.report["pages"].append(
                {
                    "database": database,
                    "page": "bare Flask hello",
                    "connections": connections,
                    **rows[connections],
                }
            )
        return rows


def page_cases(site: Topology, database_url: str) -> tuple[list[tuple], Browser, bytes, dict]:
    """Make the two learners (one given ``HISTORY`` answers) and return the page cases.

    Also returns the fresh learner and the quiz answer (body, headers) the POST row sends.
    """
    fresh = make_learner(site.proxy_port)
    body, headers = answer_request(fresh)
    veteran = make_learner(site.proxy_port)
    answer_request(veteran)
    add_history(database_url, HISTORY)
    _, lesson_html = fresh.request("GET", LESSON)
    static_url = re.search(rb'href="(/static/css/site\.css\?v=[0-9a-f]+)"', lesson_html).group(1).decode()
    searches = [f"/search?q={quote(query)}" for query in SEARCHES]
    for path in searches:
        _, html = fresh.request("GET", path)
        assert b"search-snippet" in html, f"{path} found nothing: the row would measure an empty page"
    cases = [
        ("course map", "/", fresh),
        ("topic", "/topics/routing/", fresh),
        ("lesson (0 responses)", LESSON, fresh),
        (f"lesson ({HISTORY:,} responses)", LESSON, veteran),
        ("quiz page", QUIZ, fresh),
        ("quiz answer POST", f"{QUIZ}/answer", fresh),
        ("dashboard (0 responses)", "/dashboard", fresh),
        (f"dashboard ({HISTORY:,} responses)", "/dashboard", veteran),
        ("demo", "/topics/routing/demo/match?path=/users/42&method=GET", fresh),
        *((f"search “{query}”", path, fresh) for query, path in zip(SEARCHES, searches, strict=True)),
        ("static asset (nginx)", static_url, fresh),
    ]
    return cases, fresh, body, headers


def page_rows(run: Run, database: str, site: Topology, postgres: PostgresDatabase | None) -> Browser:
    """Measure every page case on ``site`` (serving ``database``); return the fresh learner."""
    workdir = run.workdir / database
    cases, fresh, body, headers = page_cases(site, site.env["DATABASE_URL"])
    script = post_script(workdir, f"{QUIZ}/answer", body, headers)
    site_pids = [p.pid for p in site.processes[: len(site.http_ports)]]
    site_proxy = site.processes[-1].pid
    database_pids = postgres.backend_pids if postgres and postgres.local else None
    wrk(f"{site.url}{LESSON}", 8, cookie=fresh.cookie)  # the first run after a start is slow
    hello = run.hello_rows(database)
    redis_client = redis.Redis.from_url(run.redis_url)
    for label, path, browser in cases:
        post = path.endswith("/answer")
        method = "POST" if post else "GET"
        costs = per_request_costs(
            browser, redis_client, method, path, **({"body": body, "headers": headers} if post else {})
        )
        for connections in CONNECTIONS:
            row = measure(
                f"{site.url}{path}",
                connections,
                site_pids,
                site_proxy,
                database_pids,
                cookie=browser.cookie,
                script=script if post else None,
            )
            row["ratio"] = round(row["rps"] / hello[connections]["rps"], 3)
            run.report["pages"].append(
                {
                    "database": database,
                    "page": label,
                    "path": path,
                    "connections": connections,
                    **row,
                    **costs,
                }
            )
    redis_client.close()
    return fresh


def lesson_view(browser: Browser) -> dict:
    """Count the app requests of a whole lesson view with a warm cache (assets not immutable)."""
    _, lesson_html = browser.request("GET", LESSON)
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', lesson_html)
    revalidated = []
    for url in assets:
        response, _ = browser.request("GET", url.decode())
        if "immutable" not in (response.getheader("Cache-Control") or ""):
            revalidated.append(url.decode())
    return {
        "assets": len(assets),
        "app_requests_warm_cache": 1 + len(revalidated),
        "revalidated": revalidated,
    }


def worker_memory(site: Topology) -> dict:
    """Return RSS and PSS of each HTTP worker and of the websocket worker, in KB."""
    masters = [p.pid for p in site.processes[: len(site.http_ports)]]
    ws_master = site.processes[len(site.http_ports)].pid
    return {
        "http_workers": [
            {"rss": memory_kb(pid, "VmRSS"), "pss": memory_kb(pid, "Pss")}
            for master in masters
            for pid in children(master)
        ],
        "ws_worker": [
            {"rss": memory_kb(pid, "VmRSS"), "pss": memory_kb(pid, "Pss")} for pid in children(ws_master)
        ],
    }


def websocket_rows(port: int) -> dict:
    """Measure idle sockets, the echo round trip and the chat broadcast through the proxy."""
    ws = {"idle": [], "echo": None, "chat": None}
    try:
        for count in IDLE_SOCKETS:
            ws["idle"].append(asyncio.run(idle_sockets_case(port, count)))
        ws["echo"] = asyncio.run(echo_case(port))
        ws["chat"] = asyncio.run(chat_case(port, CHAT_SUBSCRIBERS))
    except ConnectionError as exc:
        # A refused socket (the per-address cap answers 429) must not lose the page rows.
        ws["error"] = str(exc)
    return ws


def run_database(run: Run, database: str, url: str, postgres: PostgresDatabase | None, first: bool) -> None:
    """Migrate ``url``, serve the site on it, and measure its pages (and, once, the rest)."""
    env = site_env(url, run.redis_url)
    subprocess.run(
        [sys.executable, "manage.py", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    (run.workdir / database).mkdir()
    site = Topology(run.workdir / database, env)
    try:
        site.start(timeout=180)
        run.report["cold_start_s"][database] = site.cold_start
        fresh = page_rows(run, database, site, postgres)
        run.report["memory_kb"][database] = worker_memory(site)
        if first:
            # Neither depends on the database: measured once, on the first one.
            run.report["lesson_view"] = lesson_view(fresh)
            run.report["websockets"] = websocket_rows(site.proxy_port)
    finally:
        site.stop()


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so the cleanup (servers, the throwaway database) runs."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def run_redis(workdir: Path, cleanup: ExitStack, report: dict) -> str | None:
    """Return the run's Redis URL: a private server stopped by ``cleanup``, else ``REDIS_URL``.

    A private server makes the command counts this run's alone. None without either.
    """
    private = start_redis(workdir)
    report["redis"] = "private" if private else "REDIS_URL"
    if private is None:
        return os.environ.get("REDIS_URL")
    process, url = private
    cleanup.callback(process.wait, timeout=10)
    cleanup.callback(process.terminate)
    return url


def run_databases(workdir: Path, cleanup: ExitStack, report: dict) -> list[tuple]:
    """Return (name, URL, throwaway PostgreSQL database or None) for each database measured.

    SQLite always; PostgreSQL when ``TEST_DATABASE_URL`` is set, on a database created now
    (an unreachable server fails the run before anything is measured) and dropped by ``cleanup``.
    """
    databases: list[tuple[str, str, PostgresDatabase | None]] = [
        ("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", None)
    ]
    server_url = os.environ.get("TEST_DATABASE_URL")
    if server_url:
        postgres = cleanup.enter_context(throwaway_postgres(server_url))
        databases.append(("postgresql", postgres.url, postgres))
        report["postgresql_version"] = postgres.version
        report["postgresql_cpu_measured"] = postgres.local
    report["databases"] = [name for name, _, _ in databases]
    return databases


def main() -> int:
    """Start the hello topology, measure every case on each database, print and save the table."""
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        print("wrk and nginx are needed: apt-get install -y wrk nginx", file=sys.stderr)
        return 1
    stop_on_sigterm()
    started = time.monotonic()
    report: dict = {
        "commit": git_commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "quick": QUICK,
        "duration": DURATION,
        "connections": CONNECTIONS,
        "pages": [],
        "cold_start_s": {},
        "memory_kb": {},
    }
    with ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="insideflask-bench-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        redis_url = run_redis(workdir, cleanup, report)
        if redis_url is None:
            print("redis-server (or REDIS_URL) is needed", file=sys.stderr)
            return 1
        databases = run_databases(workdir, cleanup, report)
        subprocess.run([sys.executable, "deploy/build_assets.py"], cwd=ROOT, check=True, capture_output=True)
        (workdir / "hello").mkdir()
        env = site_env(databases[0][1], redis_url)
        hello = Topology(
            workdir / "hello", env, target="bench.hello:app", ready_path="/", websocket_pool=False
        )
        cleanup.callback(hello.stop)
        hello.start(timeout=60)
        report["cold_start_s"]["hello"] = hello.cold_start["http"]
        run = Run(workdir, redis_url, hello, report)
        for index, (database, url, throwaway) in enumerate(databases):
            run_database(run, database, url, throwaway, first=index == 0)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / "latest.md").write_text(table)
    print(table)
    return 0


def cost(row: dict, key: str) -> str:
    """Format a per-request count; blank where the app was not asked (hello, nginx's files).

    Only the site's app sends the statement count header: without it the row is not the app's.
    """
    value = row.get(key)
    if value is None or row.get("sql_statements", -1) < 0:
        return ""
    return f"{value:g}"


def cpu(row: dict) -> str:
    """Format the server CPU per request: app pool / nginx, and / database when measured."""
    text = f"{row['app_cpu_ms']:.2f} / {row['proxy_cpu_ms']:.2f}"
    return text + (f" / {row['db_cpu_ms']:.2f}" if "db_cpu_ms" in row else "")


def page_table(report: dict, database: str) -> list[str]:
    """Return the table of one database's page rows, under a heading naming it."""
    measured = database == "postgresql" and report.get("postgresql_cpu_measured")
    lines = [
        f"### {database_label(report, database)}",
        "",
        f"| page | conns | req/s | p50 ms | p90 ms | p99 ms | errors | vs hello "
        f"| CPU ms app/nginx{'/db' if measured else ''} | SQL | Redis |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["pages"]:
        if row["database"] != database:
            continue
        lines.append(
            f"| {row['page']} | {row['connections']} | {row['rps']:,.0f} | {row['p50_ms']} | {row['p90_ms']} "
            f"| {row['p99_ms']} | {row['errors']} | {row.get('ratio', 1.0):.2f} | {cpu(row)} "
            f"| {cost(row, 'sql_statements')} | {cost(row, 'redis_commands')} |"
        )
    memory = report["memory_kb"].get(database)
    if memory:
        rss = ", ".join(f"{m['rss'] // 1024} MB (PSS {m['pss'] // 1024})" for m in memory["http_workers"])
        ws = ", ".join(f"{m['rss'] // 1024} MB" for m in memory["ws_worker"])
        lines += ["", f"Cold start to the first lesson served (s): {report['cold_start_s'].get(database)}."]
        lines.append(f"HTTP workers: {rss}; ws worker: {ws}.")
    return [*lines, ""]


def total_cpu(row: dict) -> str:
    """Format the whole server CPU per request: app pool + nginx (+ database backends)."""
    return f"{row['app_cpu_ms'] + row['proxy_cpu_ms'] + row.get('db_cpu_ms', 0):.2f}"


def comparison_table(report: dict) -> list[str]:
    """Return each page side by side on both databases, at the highest connection count."""
    connections = max(report["connections"])
    rows: dict[str, dict[str, dict]] = {}
    for row in report["pages"]:
        if row["connections"] == connections and "ratio" in row:
            rows.setdefault(row["page"], {})[row["database"]] = row
    lines = [
        f"### Side by side ({connections} connections; CPU ms per request: app pool + nginx"
        f"{' + PostgreSQL backends' if report.get('postgresql_cpu_measured') else ''})",
        "",
        "| page | vs hello, SQLite | vs hello, PostgreSQL | CPU, SQLite | CPU, PostgreSQL "
        "| SQL, SQLite | SQL, PostgreSQL |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page, by_database in rows.items():
        a, b = by_database.get("sqlite"), by_database.get("postgresql")
        if a is None or b is None:
            continue
        lines.append(
            f"| {page} | {a['ratio']:.2f} | {b['ratio']:.2f} | {total_cpu(a)} | {total_cpu(b)} "
            f"| {cost(a, 'sql_statements')} | {cost(b, 'sql_statements')} |"
        )
    return [*lines, ""]


def websocket_table(ws: dict) -> list[str]:
    """Return the websocket rows as a table."""
    lines = ["| websockets | result |", "|---|---|"]
    for idle in ws["idle"]:
        lines.append(
            f"| {idle['sockets']:,} idle sockets ({idle['alive']:,} alive, opened in {idle['open_s']} s) "
            f"| /healthz {idle['healthz_rps']:,.0f} req/s, p99 {idle['healthz_p99_ms']} ms, "
            f"{idle['healthz_errors']} errors |"
        )
    if ws.get("error"):
        lines.append(f"| websocket cases stopped | {ws['error']} |")
    echo, chat = ws["echo"] or {}, ws["chat"] or {}
    if echo:
        lines.append(
            f"| echo round trip ({echo['messages']} messages) "
            f"| p50 {echo['p50_ms']} ms, p99 {echo['p99_ms']} ms |"
        )
    if chat:
        lines.append(
            f"| chat broadcast to {chat['subscribers']:,} subscribers ({chat['deliveries']:,} deliveries) "
            f"| p50 {chat['p50_ms']} ms, p99 {chat['p99_ms']} ms |"
        )
    return lines


def markdown(report: dict) -> str:
    """Return the run as Markdown: one page table per database, then what was measured once."""
    databases = report["databases"]
    names = " and ".join(database_label(report, d) for d in databases)
    lines = [
        f"Commit `{report['commit'][:12]}`, {report['cores']} cores, {report['when']}, {names}, "
        f"wrk {report['duration']} per row{' (quick)' if report['quick'] else ''}. "
        "CPU: server CPU ms per request (app pool / nginx, and / the PostgreSQL backends when "
        "they run on this machine; SQLite works inside the app pool). Each database's rows are "
        "compared with the hello rows measured just before them.",
        "",
    ]
    for database in databases:
        lines += page_table(report, database)
    if len(databases) > 1:
        lines += comparison_table(report)
    view = report["lesson_view"]
    lines += [
        f"Measured once, on {database_label(report, databases[0])}:",
        "",
        f"Whole lesson view, warm browser cache: {view['app_requests_warm_cache']} app request(s) "
        f"({view['assets']} assets, all immutable unless listed: {view['revalidated'] or 'none'}).",
        f"Cold start of the bare hello app (s): {report['cold_start_s']['hello']}.",
        "",
        *websocket_table(report["websockets"]),
        f"\nRun took {report['elapsed_s']} s.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
