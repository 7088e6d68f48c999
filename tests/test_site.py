"""The base site: pages, error pages, JSON errors, security headers, CSRF, health checks."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from app import create_app
from app.extensions import db as _db
from app.security import SECURITY_HEADERS


def test_home_page_has_the_base_layout(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en"' in html
    assert 'class="site-header"' in html
    assert "/topics/routing/" in html
    assert 'class="site-footer"' in html


def test_security_headers_on_every_response(client):
    for path in ("/", "/topics/routing/", "/no-such-page"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp


def test_no_inline_scripts_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    for chunk in html.split("<script")[1:]:
        assert " src=" in chunk.split(">", 1)[0]


@pytest.mark.parametrize(
    ("method", "path", "code", "text"),
    [
        ("get", "/definitely/not/here", 404, "Page not found"),
        ("post", "/healthz", 405, "Method not allowed"),
    ],
)
def test_error_pages_in_site_style(client, method, path, code, text):
    response = getattr(client, method)(path)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert text in html
    assert 'class="site-header"' in html


def test_405_keeps_the_allow_header(client):
    response = client.post("/healthz")
    assert "GET" in response.headers["Allow"]


def test_json_errors_for_json_clients(client):
    response = client.get("/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": "Not Found", "status": 404, "message": response.json["message"]}


def test_413_page_for_a_large_body(client):
    response = client.post("/auth/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_csrf_rejects_a_form_without_token(client):
    response = client.post("/auth/login", data={"email": "a@b.co", "password": "whatever"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_csrf_rejects_language_switch_without_token(client):
    assert client.post("/language", data={"lang": "zh"}).status_code == 400


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "session_store": "ok"}


def test_readyz_names_the_session_store_when_redis_is_down(app_settings, redis_url):
    settings = {**app_settings, "REDIS_URL": "redis://127.0.0.1:1/0"}
    app = create_app("testing", settings)
    with app.app_context():
        _db.create_all()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["session_store"]
    assert response.json["checks"]["database"] == "ok"
    assert "127.0.0.1:1" not in response.get_data(as_text=True)


def test_pages_answer_503_not_500_when_redis_is_down(app_settings, redis_url):
    # PROPAGATE_EXCEPTIONS off, as in production, so the error handlers answer.
    settings = {**app_settings, "REDIS_URL": "redis://127.0.0.1:1/0", "PROPAGATE_EXCEPTIONS": False}
    app = create_app("testing", settings)
    client = app.test_client()
    client.set_cookie("insideflask_session", "some-old-session-id")
    response = client.get("/")
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.get_data(as_text=True)


def test_login_page_and_bad_credentials(client, auth):
    auth.create_user()
    assert client.get("/auth/login").status_code == 200
    response = auth.login(password="wrong password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_login_then_logout(client, auth):
    auth.create_user()
    assert auth.login().status_code == 303
    assert "ada" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_language_switch_sets_html_lang(client):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "zh", "next": "/", "csrf_token": token})
    assert response.status_code == 303
    assert '<html lang="zh"' in client.get("/").get_data(as_text=True)


def test_language_switch_rejects_unknown_language(client):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "xx", "csrf_token": token})
    assert response.status_code == 400


def test_language_switch_refuses_offsite_redirect(client):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/", "csrf_token": token})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("body", [[1, 2], "text", 42, True])
def test_a_json_body_that_is_not_an_object_is_a_400(client, body):
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "must be a JSON object" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/topics/forms/demo/register"])
@pytest.mark.parametrize("value", [1.5, {"a": 1}, [1, 2], None])
def test_form_fields_sent_as_json_must_be_text(client, path, value):
    token = csrf_token(client, "/auth/login")
    body = {"email": value, "password": value, "username": value, "confirm": value}
    response = client.post(path, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "must be strings" in response.get_data(as_text=True)


def test_form_fields_sent_as_json_strings_are_validated_normally(client, auth):
    auth.create_user()
    token = csrf_token(client, "/auth/login")
    body = {"email": "ada@example.com", "password": "correct horse"}
    response = client.post("/auth/login", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 303


def test_the_log_in_first_message_is_translated(client):
    response = client.get("/instructor/preview", headers={"Accept-Language": "zh"})
    assert response.status_code == 302
    page = client.get(response.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "请先登录再访问此页面。" in page
    assert "Please log in" not in page


def test_a_graders_refusal_is_in_the_readers_language(app_settings, request):
    app_settings["WTF_CSRF_ENABLED"] = False
    client = request.getfixturevalue("client")
    body = {"question_id": "routing-endpoint-collision", "answer": "maybe"}
    zh = client.post("/topics/routing/quiz/answer", json=body, headers={"Accept-Language": "zh"})
    assert zh.status_code == 400
    assert "请回答“对”或“错”。" in zh.json["message"]
    en = client.post("/topics/routing/quiz/answer", json=body, headers={"Accept-Language": "en"})
    assert "Answer true or false." in en.json["message"]
