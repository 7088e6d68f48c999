"""Saving playground edits to an account: the JSON endpoints, their limits, and the page's hooks."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import AuthActions

from app.extensions import db as _db
from app.playground import saves
from app.playground.models import PlaygroundSave

pytestmark = pytest.mark.storage

LESSON = "/topics/hooks/request-hooks"
BLOCK = "request-hooks.en.p1"
SAVES = "/playground/saves"
CODE = "from flask import Flask\napp = Flask(__name__)\n# mine\n"


def meta(html: str, name: str) -> str | None:
    """Return the content of the page's ``<meta name=name>``, if it has one."""
    found = re.search(rf'<meta name="{name}" content="([^"]*)">', html)
    return found.group(1) if found else None


def saved_rows(app) -> int:
    """Return how many saves are stored (in an app context of its own: requests must not share one)."""
    with app.app_context():
        return _db.session.scalar(sa.select(sa.func.count()).select_from(PlaygroundSave))


def signed_in(auth, client) -> dict:
    """Log in as a learner and return the JSON headers (with the CSRF token) a lesson page gives."""
    auth.create_user()
    auth.login()
    html = client.get(LESSON).get_data(as_text=True)
    token = meta(html, "playground-csrf")
    assert token and meta(html, "playground-saves") == SAVES
    return {"X-CSRFToken": token, "Accept": "application/json"}


def test_the_lesson_has_a_playground_with_that_id(client):
    assert f'data-playground-id="{BLOCK}"' in client.get(LESSON).get_data(as_text=True)


def test_anonymous_visitors_keep_edits_in_the_browser_and_are_told_about_logging_in(client):
    html = client.get(LESSON).get_data(as_text=True)
    assert meta(html, "playground-saves") is None and meta(html, "playground-csrf") is None
    assert meta(html, "playground-login") == f"/auth/login?next={LESSON}"
    assert "Log in to save them to your account" in html  # the strings the page's script shows
    response = client.get(f"{SAVES}?id={BLOCK}", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "Log in" in response.json["message"]
    response = client.post(f"{SAVES}/{BLOCK}", json={"code": CODE}, headers={"Accept": "application/json"})
    assert response.status_code in (400, 401)  # no session, so no CSRF token either


def test_a_save_comes_back_in_another_browser(app, auth, client):
    headers = signed_in(auth, client)
    response = client.post(f"{SAVES}/{BLOCK}", json={"code": CODE}, headers=headers)
    assert response.status_code == 200, response.json
    first = response.json["saved_at"]
    again = client.post(f"{SAVES}/{BLOCK}", json={"code": CODE + "# again\n"}, headers=headers)
    assert again.status_code == 200
    assert saved_rows(app) == 1

    other = app.test_client()  # another browser: no localStorage, only the account
    assert AuthActions(app, other).login().status_code == 303
    query = f"{SAVES}?id={BLOCK}&id=nope.en.p1&id=request-hooks.en.s2"
    response = other.get(query, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert list(response.json["saves"]) == [BLOCK]
    saved = response.json["saves"][BLOCK]
    assert saved["code"] == CODE + "# again\n" and saved["saved_at"] >= first


def test_a_save_of_older_code_is_not_offered(app, auth, client):
    headers = signed_in(auth, client)
    client.post(f"{SAVES}/{BLOCK}", json={"code": CODE}, headers=headers)
    assert list(client.get(f"{SAVES}?id={BLOCK}").json["saves"]) == [BLOCK]
    with app.app_context():
        _db.session.execute(sa.update(PlaygroundSave).values(base=saves.digest("the lesson's code before")))
        _db.session.commit()
    assert client.get(f"{SAVES}?id={BLOCK}").json["saves"] == {}


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        (f"{SAVES}/nope.en.p1", {"code": CODE}, 404, "no playground with that id"),
        (f"{SAVES}/{BLOCK}", {"code": 42}, 400, "Send the code as text"),
        (f"{SAVES}/{BLOCK}", {"code": CODE, "extra": 1}, 400, "Send the code as text"),
        (f"{SAVES}/{BLOCK}", ["code"], 400, "must be a JSON object"),
        (f"{SAVES}/{BLOCK}", {"code": "é" * 40_000}, 413, "at most 64 KB"),
        (f"{SAVES}/{'x' * 300}", {"code": CODE}, 404, "no playground with that id"),
    ],
)
def test_bad_saves_are_refused_clearly(app, auth, client, path, body, status, message):
    headers = signed_in(auth, client)
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status
    assert message in response.json["message"]
    assert saved_rows(app) == 0


def test_a_save_needs_the_csrf_token_and_json(auth, client):
    headers = signed_in(auth, client)
    response = client.post(f"{SAVES}/{BLOCK}", json={"code": CODE}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "form expired" in response.json["message"]
    response = client.post(
        f"{SAVES}/{BLOCK}", data="not json", headers={**headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    response = client.post(
        f"{SAVES}/{BLOCK}", data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_a_page_asks_about_a_bounded_number_of_playgrounds(auth, client):
    signed_in(auth, client)
    query = "&".join(f"id=b{n}.en.p1" for n in range(saves.MAX_IDS + 1))
    response = client.get(f"{SAVES}?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_a_snippet_page_offers_saving_too(auth, client):
    signed_in(auth, client)
    html = client.get("/playground/request-hooks.en.s2").get_data(as_text=True)
    assert meta(html, "playground-saves") == SAVES and 'data-playground-id="request-hooks.en.s2"' in html


def test_what_the_page_says_about_saving_is_in_chinese_on_chinese_pages(auth, client):
    headers = signed_in(auth, client)
    html = client.get(LESSON, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "保存到我的账户" in meta(html, "playground-strings")
    big = {"code": "x" * (saves.MAX_CODE_BYTES + 1)}
    response = client.post(f"{SAVES}/{BLOCK}", json=big, headers={**headers, "Accept-Language": "zh"})
    assert response.status_code == 413 and "最多保存 64 KB" in response.json["message"]
