"""The parts every page shows, built once per process: each equals what Flask builds per request."""

from __future__ import annotations

import re

import pytest
from conftest import csrf_token
from flask import Flask
from flask import session
from flask import url_for
from flask_wtf.csrf import generate_csrf
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup

from app.forms import _signed
from app.forms import csrf_token as page_csrf_token
from app.main.prerender import progress_bar
from app.main.prerender import static_url
from app.main.prerender import url_with_next

NEXTS = [
    None,
    "",
    "/topics/routing/routing",
    "/search?q=request context&lang=zh",
    "/topics/context/?a=1&b=%2F#top",
    "/搜索?q=上下文",
    "/a b/'quotes'\"/!$()*,;:@",
]


@pytest.mark.parametrize("endpoint", ["auth.login", "auth.register"])
@pytest.mark.parametrize("next_path", NEXTS)
def test_links_with_next_equal_url_for(app: Flask, endpoint: str, next_path: str | None):
    with app.test_request_context("/topics/routing/routing"):
        for _ in range(2):  # built, then taken from the process's cache
            assert url_with_next(endpoint, next_path) == url_for(endpoint, next=next_path)


def test_links_follow_the_script_root(app: Flask):
    with app.test_request_context("/", base_url="http://localhost/course/"):
        assert (
            url_with_next("auth.login", "/x")
            == url_for("auth.login", next="/x")
            == "/course/auth/login?next=/x"
        )
        assert static_url("js/lesson.js") == url_for("static", filename="js/lesson.js")
    with app.test_request_context("/"):
        assert url_with_next("auth.login", "/x") == "/auth/login?next=/x"


def test_static_urls_equal_url_for(app: Flask):
    with app.test_request_context("/"):
        for name in ("js/lesson.js", "js/quiz.js", "css/demos.css", "js/playground/playground.css"):
            assert static_url(name) == url_for("static", filename=name)
            assert re.search(r"\?v=|\.[0-9a-f]{8,}\.", static_url(name)), static_url(name)


def test_the_page_token_is_signed_once_per_session_and_valid(app: Flask):
    with app.test_request_context("/"):
        first = page_csrf_token()
        assert first == generate_csrf()  # the same token for the rest of the request
        validate_csrf(first)
    client = app.test_client()
    token = csrf_token(client, "/topics/routing/routing")
    before = _signed.cache_info()
    assert csrf_token(client, "/topics/routing/") == csrf_token(client, "/") == token
    assert _signed.cache_info().hits == before.hits + 2  # the pages' token came from the cache
    reply = client.post("/topics/routing/routing/done", data={"csrf_token": token})
    assert reply.status_code == 303
    # Another session gets another token.
    assert csrf_token(app.test_client(), "/topics/routing/routing") != token


def test_with_a_time_limit_every_request_signs_afresh(app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    before = _signed.cache_info()
    for _ in range(2):
        with app.test_request_context("/"):
            session["csrf_token"] = "a" * 40
            validate_csrf(page_csrf_token())
    # Flask-WTF signed each one (with its timestamp); no token kept from before was used.
    after = _signed.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)


@pytest.mark.parametrize(
    ("fraction", "label", "expected"),
    [
        (0.125, "Progress in <Routing>", 'value="12" aria-label="Progress in &lt;Routing&gt;">12%'),
        (0.5, Markup("“路由”的进度"), 'value="50" aria-label="“路由”的进度">50%'),
        (1.0, 'say "done"', 'value="100" aria-label="say &#34;done&#34;">100%'),
    ],
)
def test_progress_bars_round_as_the_template_did_and_escape_their_label(fraction, label, expected):
    # Jinja's ``round | int`` rounded half to even, as Python's round() does: 12.5 → 12.
    assert progress_bar(fraction, label) == f'<progress class="bar" max="100" {expected}</progress>'
