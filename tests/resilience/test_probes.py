"""Security probes against a real production server: each defect class of issue 9 as a regression test."""

from __future__ import annotations

import secrets
import statistics
import threading
from collections.abc import Iterator
from urllib.parse import quote
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from tests.resilience.harness import SECRET_MARKERS
from tests.resilience.harness import Database
from tests.resilience.harness import GunicornServer
from tests.resilience.harness import HttpClient
from tests.resilience.harness import RedisServer
from tests.resilience.harness import server_environment
from tests.resilience.harness import start_all

PASSWORD = "Quartz-zebra-7193"
SESSION_COOKIE = "insideflask_session"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
REDIRECT_TARGETS = [
    "/\t/evil.example",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "https://evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    " //evil.example",
    "/%09/evil.example",
    "/ok\r\nSet-Cookie: planted=1",
    "/ok\nLocation: https://evil.example",
    "javascript:alert(1)",
]


@pytest.fixture(scope="module")
def server(sqlite_database: Database, redis_server: RedisServer, workdir) -> Iterator[GunicornServer]:
    """Serve the production config, with secrets planted in its config and environment."""
    server = GunicornServer(server_environment(sqlite_database, redis_server.url), workdir, workers=1)
    start_all(server)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def account(server: GunicornServer) -> str:
    """Register one account for the module; return its email."""
    email = "probe@example.com"
    register(HttpClient(server.base), email)
    return email


def register(client: HttpClient, email: str, name: str = "Probe", password: str = PASSWORD, query: str = ""):
    """Post the register form; return the reply."""
    token = client.csrf("/auth/register")
    form = {
        "email": email,
        "display_name": name,
        "password": password,
        "confirm": password,
        "csrf_token": token,
    }
    return client.post_form(f"/auth/register{query}", form)


def login(client: HttpClient, email: str, password: str = PASSWORD, query: str = ""):
    """Post the login form; return the reply."""
    token = client.csrf("/auth/login")
    return client.post_form(
        f"/auth/login{query}", {"email": email, "password": password, "csrf_token": token}
    )


def assert_same_site(server: GunicornServer, reply, path: str) -> None:
    """Assert ``reply`` is a clear 400 or a redirect that no browser follows to another host."""
    assert reply.status in (302, 303, 400), (reply.status, reply.text[:200])
    if reply.status == 400:
        return
    location = reply.header("Location") or ""
    assert not any(ch in location for ch in "\r\n\t\\"), repr(location)
    # Browsers drop tabs and newlines and read a backslash as a slash before resolving.
    as_browser = location.replace("\\", "/")
    resolved = urlsplit(urljoin(server.base + path, as_browser))
    assert (resolved.scheme, resolved.netloc) == ("http", f"127.0.0.1:{server.port}"), repr(location)
    assert "planted" not in " ".join(reply.headers.get("set-cookie", []))


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
def test_login_next_never_leaves_the_site(server: GunicornServer, account: str, target: str) -> None:
    """Issue 9 item 1 (open redirect): ``next=`` after login stays on this site; CR/LF is a 400 or safe."""
    reply = login(HttpClient(server.base), account, query=f"?next={quote(target, safe='')}")
    assert_same_site(server, reply, "/auth/login")


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
def test_register_next_never_leaves_the_site(server: GunicornServer, target: str) -> None:
    """Issue 9 item 1 (open redirect): ``next=`` after register stays on this site."""
    email = f"redirect-{secrets.token_hex(4)}@example.com"
    reply = register(HttpClient(server.base), email, query=f"?next={quote(target, safe='')}")
    assert_same_site(server, reply, "/auth/register")


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
def test_language_switch_never_leaves_the_site(server: GunicornServer, target: str) -> None:
    """Issue 9 item 1 (open redirect): the language switch's ``next`` stays on this site."""
    client = HttpClient(server.base)
    token = client.csrf("/auth/login")
    reply = client.post_form("/language", {"lang": "zh", "next": target, "csrf_token": token})
    assert_same_site(server, reply, "/language")


def test_posts_without_a_csrf_token_are_refused(server: GunicornServer, account: str) -> None:
    """Issue 9, security probes (CSRF, holds today): a form or JSON post without a valid token is a 400."""
    client = HttpClient(server.base)
    client.csrf("/auth/login")
    assert client.post_form("/auth/login", {"email": account, "password": PASSWORD}).status == 400
    assert client.post_form("/language", {"lang": "zh", "next": "/"}).status == 400
    other = HttpClient(server.base).csrf("/auth/login")
    assert (
        client.post_form("/auth/login", {"email": account, "password": PASSWORD, "csrf_token": other}).status
        == 400
    )
    body = {"question_id": "flash-storage-key", "answer": "x"}
    assert client.post_json("/topics/flash/quiz/answer", body).status == 400
    assert SESSION_COOKIE in client.cookies and '<span class="who">' not in client.get("/").text


def test_stored_xss_is_escaped(server: GunicornServer, sqlite_database: Database) -> None:
    """Issue 9, security probes (stored XSS, holds today): display name, answers and preview are escaped."""
    client = HttpClient(server.base)
    email = f"xss-{secrets.token_hex(4)}@example.com"
    assert register(client, email, name=XSS[:80]).status == 303
    pages = [client.get("/"), client.get("/dashboard")]
    token = client.csrf("/topics/flash/quiz")
    posted = client.post_form(
        "/topics/flash/quiz/answer", {"question_id": "flash-storage-key", "answer": XSS, "csrf_token": token}
    )
    assert posted.status == 303, posted.text[:300]
    pages.append(client.get(urlsplit(posted.header("Location")).path))
    engine = sqlite_database.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET role = 'instructor' WHERE email = ?", (email,))
    engine.dispose()
    token = client.csrf("/instructor/preview")
    pages.append(client.post_form("/instructor/preview", {"markdown": XSS, "csrf_token": token}))
    pages.append(client.post_json("/instructor/preview.json", {"markdown": XSS}, token))
    for page in pages:
        assert page.status == 200, page.text[:300]
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert any("&lt;script&gt;" in page.text or "\\u003cscript" in page.text for page in pages)


def test_a_lone_surrogate_answer_is_refused_and_pages_survive(server: GunicornServer) -> None:
    """Issue 9 item 4 (lone surrogate):

    ``"\\ud800"`` in a JSON answer is a 400, and no quiz page becomes a 500.
    """
    client = HttpClient(server.base)
    token = client.csrf("/topics/flash/quiz")
    body = b'{"question_id": "flash-storage-key", "answer": "\\ud800"}'
    headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}
    reply = client.request("POST", "/topics/flash/quiz/answer", body=body, headers=headers)
    pages = [client.get("/topics/flash/quiz"), client.get("/dashboard")]
    if reply.status == 200:
        pages.append(client.get(urlsplit(reply.json()["result_url"]).path))
    form = client.post_form(
        "/topics/flash/quiz/answer",
        {"question_id": "flash-default-category", "answer": "ok", "csrf_token": token},
    )
    if form.status == 303:
        pages.append(client.get(urlsplit(form.header("Location")).path))
    assert all(page.status < 500 for page in pages), [page.status for page in pages]
    assert reply.status == 400, reply.text[:200]


def test_the_session_id_changes_at_login(server: GunicornServer, account: str) -> None:
    """Issue 9, security probes (session fixation, holds today):

    a new session id at login; the old one is not logged in.
    """
    client = HttpClient(server.base)
    client.csrf("/auth/login")
    before = client.session_cookie()
    assert before
    assert login(client, account).status == 303
    assert client.session_cookie() not in (None, before)
    fixed = HttpClient(server.base)
    fixed.cookies = {SESSION_COOKIE: before}
    assert '<span class="who">' not in fixed.get("/").text


@pytest.mark.parametrize(
    "path",
    [
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/static/..%2fconfig.py",
        "/static/..%5cconfig.py",
        "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
        "/static/....//....//etc/passwd",
        "/static//etc/passwd",
        "/topics/..%2f..%2fconfig.py/",
        "/topics/routing/..%2f..%2f..%2fetc%2fpasswd",
        "/topics/routing/%2e%2e",
        "/demo-xray/..%2f..%2fconfig.py",
    ],
)
def test_path_traversal_reads_nothing_outside(server: GunicornServer, path: str) -> None:
    """Issue 9, security probes (path traversal, holds today): no file outside static/content is served."""
    reply = HttpClient(server.base).get(path)
    assert reply.status in (301, 302, 308, 400, 403, 404), reply.status
    assert "PRODUCTION_REQUIRED" not in reply.text and "root:x:0:0" not in reply.text


def test_register_probes_are_counted_against_the_address(
    server: GunicornServer, sqlite_database: Database, account: str
) -> None:
    """Issue 9 item 3 (user enumeration): register says an email is taken, by design; probes are limited.

    Registration logs the new account in at once and the site sends no email, so no answer can
    look the same for a taken and a free address; the leak is accepted and documented in the
    ``register`` view. What bounds it: each refused registration is recorded against the
    visitor's address, like a failed login, and shares its limit (30 in 15 minutes).
    """
    before = sqlite_database.count("login_failures", "ip = :ip", ip="127.0.0.1")
    known = register(HttpClient(server.base), account, password="Other-horse-4821")
    assert known.status == 400
    assert "already exists" in known.text
    assert sqlite_database.count("login_failures", "ip = :ip", ip="127.0.0.1") == before + 1
    unknown = register(
        HttpClient(server.base), f"new-{secrets.token_hex(4)}@example.com", password="Other-horse-4821"
    )
    assert unknown.status == 303
    # An account that was created forgives its attempt.
    assert sqlite_database.count("login_failures", "ip = :ip", ip="127.0.0.1") == before + 1


def test_login_takes_as_long_for_an_unknown_email(server: GunicornServer, account: str) -> None:
    """Issue 9 item 3 (user enumeration): login time for a known and an unknown email within a small ratio."""
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(12):
        kind = "known" if i % 2 else "unknown"
        email = account if kind == "known" else f"nobody-{i}@example.com"
        client = HttpClient(server.base)
        token = client.csrf("/auth/login")
        reply = client.post_form(
            "/auth/login", {"email": email, "password": f"wrong-{i}-pw", "csrf_token": token}
        )
        assert reply.status == 400
        timings[kind].append(reply.elapsed)
    known, unknown = (statistics.median(timings[k]) for k in ("known", "unknown"))
    print(f"median login time: known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms")
    assert max(known, unknown) / min(known, unknown) < 3.0


@pytest.mark.parametrize("password", ["Short-123", "1234567890", "qwertyuiop"])
def test_weak_passwords_are_refused(server: GunicornServer, sqlite_database: Database, password: str) -> None:
    """Issue 9 item 3 (password policy): under 10 characters or a common password is refused."""
    email = f"weak-{secrets.token_hex(4)}@example.com"
    reply = register(HttpClient(server.base), email, password=password)
    assert reply.status == 400, reply.status
    assert sqlite_database.count("users", "email = :email", email=email) == 0


def test_no_demo_shows_a_planted_secret(server: GunicornServer, course) -> None:
    """Issue 9 item 6 (config demo leaks):

    every demo, HTML and JSON and X-ray, shows none of the planted secrets.
    """
    client = HttpClient(server.base)
    demo_paths = sorted(
        rule.rule
        for rule in course.url_map.iter_rules()
        if ".demo_" in rule.endpoint and not rule.arguments and "GET" in rule.methods
    )
    assert len(demo_paths) > 20
    replies = []
    for path in [*demo_paths, "/topics/config/", "/readyz", "/healthz"]:
        replies.append((path, client.get(path)))
        as_json = client.get(path, headers={"Accept": "application/json"})
        replies.append((path + " (JSON)", as_json))
        if as_json.header("Content-Type") == "application/json" and isinstance(as_json.json(), dict):
            xray = as_json.json().get("xray_url")
            if xray:
                replies.append((xray, client.get(xray, headers={"Accept": "application/json"})))
                replies.append((xray + " (HTML)", client.get(xray)))
    leaks = [(path, marker) for path, reply in replies for marker in SECRET_MARKERS if marker in reply.text]
    assert not any(reply.status >= 500 for _, reply in replies), [
        (p, r.status) for p, r in replies if r.status >= 500
    ]
    assert leaks == [], leaks


def test_readyz_is_json_and_sets_no_cookie(server: GunicornServer, account: str) -> None:
    """Issue 9 item 9 (readiness): /readyz answers JSON, with or without a session cookie, and sets none."""
    client = HttpClient(server.base)
    assert login(client, account).status == 303
    for probe in (HttpClient(server.base), client):
        reply = probe.get("/readyz", headers={"Accept": "text/html"})
        assert reply.status == 200
        assert reply.header("Content-Type") == "application/json"
        assert reply.json()["status"] == "ok"
        assert "set-cookie" not in reply.headers, reply.headers.get("set-cookie")


@pytest.mark.parametrize("path", ["/", "/topics/websockets/demo/echo", "/auth/login"])
def test_a_forged_host_is_refused(server: GunicornServer, path: str) -> None:
    """Issue 9 item 11 (Host header trust): a Host not in TRUSTED_HOSTS gets a 400, never a page naming it."""
    reply = HttpClient(server.base, host="evil.example").get(path)
    assert reply.status == 400, reply.status
    assert "evil.example" not in reply.text


def test_cookieless_visits_create_no_sessions(server: GunicornServer, redis_server: RedisServer) -> None:
    """Issue 9 item 8 (sessions for nobody): 200 cookie-less GETs create 0 session keys and set no cookie."""
    store = redis_server.client()
    before = len(list(store.scan_iter("*session*")))
    cookies: list[str] = []
    statuses: list[int] = []

    def crawl(paths: list[str]) -> None:
        for path in paths:
            reply = HttpClient(server.base).get(path)
            statuses.append(reply.status)
            cookies.extend(reply.headers.get("set-cookie", []))

    paths = ["/", "/topics/routing/", "/healthz", "/dashboard"] * 50
    threads = [threading.Thread(target=crawl, args=(paths[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    created = len(list(store.scan_iter("*session*"))) - before
    store.close()
    print(f"200 cookie-less GETs: {created} session keys created, {len(cookies)} Set-Cookie headers")
    assert len(statuses) == 200 and set(statuses) == {200}
    assert created == 0
    assert cookies == []


def cookie_flags(header: str) -> set[str]:
    """Return a Set-Cookie header's attributes other than its value and expiry, lower-cased."""
    parts = [part.strip().lower() for part in header.split(";")[1:]]
    return {part for part in parts if not part.startswith(("expires=", "max-age="))}


def test_the_logout_cookie_has_the_session_cookies_flags(server: GunicornServer, account: str) -> None:
    """Issue 9 item 12 (logout cookie flags): the deletion cookie carries the session cookie's flags."""
    client = HttpClient(server.base)
    reply = login(client, account)
    assert reply.status == 303
    set_at_login = [h for h in reply.headers["set-cookie"] if h.startswith(f"{SESSION_COOKIE}=")]
    token = client.csrf("/dashboard")
    logout = client.post_form("/auth/logout", {"csrf_token": token})
    assert logout.status == 303
    deleted = [h for h in logout.headers.get("set-cookie", []) if h.startswith(f"{SESSION_COOKIE}=")]
    assert set_at_login and deleted, (reply.headers.get("set-cookie"), logout.headers.get("set-cookie"))
    flags = cookie_flags(set_at_login[-1])
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert cookie_flags(deleted[-1]) == flags
