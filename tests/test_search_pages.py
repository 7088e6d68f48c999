"""The search pages: /search (no JavaScript needed), /search.json, the header box, reloads."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from app import create_app
from app.content.store import content_store

FIXTURES = Path(__file__).parent / "fixtures" / "content"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def lesson_ids(client, url: str, headers: dict | None = None) -> set[str]:
    """Return the element ids of the page at ``url``."""
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return set(re.findall(r'\sid="([^"]*)"', response.get_data(as_text=True)))


def test_the_page_lists_hits_that_link_to_their_sections(client):
    response = client.get("/search?q=before_request")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/topics/hooks/request-hooks#before_request-guard-and-short-circuit"' in html
    assert "<mark>before_request</mark>" in html
    assert 'value="before_request"' in html
    # No inline script: the page works without JavaScript and under the CSP.
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("before_request", {}),
        ("url_for", {}),
        ("request context", {}),
        ("上下文", ZH),
        ("蓝图", ZH),
        ("请求钩子", ZH),
    ],
)
def test_every_hit_anchor_exists_in_the_rendered_lesson(client, query, headers):
    response = client.get("/search.json", query_string={"q": query}, headers=headers)
    hits = response.get_json()["results"]
    assert hits
    for hit in hits:
        path, _, anchor = hit["url"].partition("#")
        if hit["kind"] == "question":
            assert client.get(path, headers=headers).status_code == 200
            continue
        if anchor:
            assert unquote(anchor) in lesson_ids(client, path, headers), hit["url"]


def test_chinese_page_searches_in_chinese_first(client):
    response = client.get("/search", query_string={"q": "上下文"}, headers=ZH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<mark>上下文</mark>" in html
    assert "搜索课程" in html  # the page's own strings are translated
    data = client.get("/search.json", query_string={"q": "before_request", "lang": "zh"}).get_json()
    assert data["results"][0]["lang"] == "zh"
    assert data["results"][0]["topic"] == "hooks"


def test_json_endpoint_answers_as_you_type(client):
    data = client.get("/search.json?q=befo").get_json()
    assert data["query"] == "befo"
    assert 0 < len(data["results"]) <= 8
    assert set(data["results"][0]) == {"kind", "lang", "topic", "url", "title", "heading", "snippet"}
    typo = client.get("/search.json?q=befor_request").get_json()
    assert typo["corrected"] == {"befor_request": "before_request"}
    assert typo["results"][0]["url"] == "/topics/hooks/request-hooks#before_request-guard-and-short-circuit"


def test_zero_results_suggest_the_closest_words(client):
    data = client.get("/search.json?q=teardwn_requst").get_json()
    assert data["results"] == [] and data["total"] == 0
    assert "teardown_request" in data["suggestions"]
    html = client.get("/search?q=teardwn_requst").get_data(as_text=True)
    assert 'href="/search?q=teardown_request"' in html


def test_empty_query_shows_the_form(client):
    response = client.get("/search")
    assert response.status_code == 200
    assert 'id="search-page-q"' in response.get_data(as_text=True)
    assert client.get("/search.json?q=").get_json()["results"] == []


@pytest.mark.parametrize("path", ["/search", "/search.json"])
def test_queries_over_200_characters_are_a_clear_400(client, path):
    assert client.get(path, query_string={"q": "a" * 200}).status_code == 200
    response = client.get(path, query_string={"q": "a" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.get_data(as_text=True)
    if path.endswith(".json"):
        assert response.get_json()["message"] == "A search is at most 200 characters long."


def test_markup_in_a_query_is_escaped(client):
    html = client.get("/search", query_string={"q": '<img src=x onerror="alert(1)">'}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_the_json_endpoint_writes_no_session(client):
    response = client.get("/search.json?q=url_for&lang=en")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_header_box_is_on_every_page(client):
    for path in ("/", "/topics/hooks/", "/topics/hooks/request-hooks", "/search?q=g"):
        html = client.get(path).get_data(as_text=True)
        assert '<form class="site-search" role="search" method="get" action="/search"' in html, path
        assert 'name="q"' in html and 'src="/static/js/search.js?v=' in html


def test_the_index_is_built_with_the_catalog_not_per_request(client, app):
    client.get("/search?q=url_for")
    index = app.extensions["search_index"]
    assert index.catalog is app.extensions["catalog"]
    client.get("/search?q=blueprint")
    client.get("/search.json?q=g.user")
    assert app.extensions["search_index"] is index


def test_production_indexes_the_course_at_start_up(tmp_path, redis_url):
    lessons, quizzes = tmp_path / "lessons", tmp_path / "quizzes"
    shutil.copytree(FIXTURES / "valid" / "lessons" / "intro", lessons / "intro")
    quizzes.mkdir()
    shutil.copy(FIXTURES / "valid" / "quizzes" / "intro.yaml", quizzes / "intro.yaml")
    settings = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        "LESSONS_DIR": str(lessons),
        "QUIZZES_DIR": str(quizzes),
    }
    app = create_app("production", settings)
    index = app.extensions["search_index"]
    assert index.catalog is app.extensions["catalog"]
    assert index.search("werkzeug").hits


def test_development_edits_show_up_after_reload(tmp_path, app_settings, request):
    lessons, quizzes = tmp_path / "lessons", tmp_path / "quizzes"
    shutil.copytree(FIXTURES / "valid" / "lessons" / "intro", lessons / "intro")
    quizzes.mkdir()
    shutil.copy(FIXTURES / "valid" / "quizzes" / "intro.yaml", quizzes / "intro.yaml")
    app_settings.update(LESSONS_DIR=str(lessons), QUIZZES_DIR=str(quizzes), CONTENT_AUTO_RELOAD=True)
    app = request.getfixturevalue("app")
    client = app.test_client()
    assert client.get("/search.json?q=zanzibar").get_json()["results"] == []

    path = lessons / "intro" / "01-what-is-flask.en.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n## Zanzibar routing {#zanzibar}\n\nA zanzibar rule.\n",
        encoding="utf-8",
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    content_store(app).last_scan -= 2  # a second has passed
    hits = client.get("/search.json?q=zanzibar").get_json()["results"]
    assert [hit["url"] for hit in hits] == ["/topics/intro/what-is-flask#zanzibar"]
    assert "zanzibar" in lesson_ids(client, "/topics/intro/what-is-flask")
