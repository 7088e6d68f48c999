"""Malformed input is a clear 400, 404 or 413, never a 500: one place checks it for every view."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from test_learn_catalog import use_catalog

from app.extensions import db
from app.inputs import MAX_ID
from app.progress.models import QuestionResponse

JSON = {"Accept": "application/json"}
DEEP_JSON = "[" * 1000 + "]" * 1000


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    """Switch CSRF off so every hostile body reaches the input checks and the views."""
    return {**app_settings, "WTF_CSRF_ENABLED": False}


@pytest.fixture
def course(app):
    """Serve the small test course (one routing quiz with every question type)."""
    return use_catalog(app)


def post_routes(app) -> list[str]:
    """Return the path of every POST route without URL arguments, found in the URL map."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.arguments and not getattr(rule, "websocket", False)
    )


def test_the_url_map_has_post_routes_to_check(app):
    assert {"/auth/login", "/auth/register", "/instructor/preview.json"} <= set(post_routes(app))
    assert len(post_routes(app)) >= 10


# ---- JSON bodies --------------------------------------------------------------------------


def test_json_nested_a_thousand_deep_is_a_400_on_every_json_post(app, client, course):
    paths = [*post_routes(app), "/topics/routing/quiz/answer", "/topics/routing/quiz/start"]
    for path in paths:
        response = client.post(path, data=DEEP_JSON, content_type="application/json", headers=JSON)
        assert response.status_code == 400, (path, response.status_code)
        assert "nested deeper than" in response.json["message"], path


@pytest.mark.parametrize(
    "body",
    [
        '{"question_id": "rt-short", "answer": "\\ud800"}',
        '{"question_id": "rt-short", "answer": "a\\u0000b"}',
        '{"question_id": "rt-short", "answer": "ok", "x": {"\\udfff": 1}}',
    ],
)
def test_json_text_must_be_valid_unicode(app, client, course, body):
    response = client.post("/topics/routing/quiz/answer", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "valid Unicode" in response.json["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse)) == 0


def test_json_that_does_not_parse_is_a_400_with_json(client):
    response = client.post("/auth/login", data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_a_stored_lone_surrogate_still_renders(app, client, course):
    """Data stored before input was checked must not turn its page into a 500."""
    response = client.post("/topics/routing/quiz/answer", json={"question_id": "rt-short", "answer": "x"})
    assert response.status_code == 200
    with app.app_context():
        db.session.execute(sa.update(QuestionResponse).values(answer="bad \ud800 text"))
        db.session.commit()
        response_id = db.session.scalar(sa.select(QuestionResponse.id))
    page = client.get(f"/topics/routing/quiz/feedback/{response_id}")
    assert page.status_code == 200
    assert "bad ? text" in page.get_data(as_text=True)
    assert client.get("/topics/routing/quiz").status_code == 200
    assert client.get("/dashboard").status_code == 200


# ---- form data ----------------------------------------------------------------------------


def test_form_values_with_nul_are_a_400(client):
    response = client.post("/auth/login", data={"email": "a\x00@example.com", "password": "x"})
    assert response.status_code == 400
    assert client.get("/topics/routing/demo/match", query_string={"path": "/\x00"}).status_code == 400


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/auth/login", "email"),
        ("/auth/login", "password"),
        ("/auth/register", "display_name"),
        ("/auth/register", "email"),
        ("/topics/forms/demo/register", "email"),
        ("/topics/forms/demo/register", "confirm"),
    ],
)
def test_a_file_where_text_is_expected_is_a_400(client, path, field):
    data = {"email": "ada@example.com", "password": "correct horse battery", "display_name": "Ada"}
    data[field] = (io.BytesIO(b"\xff\xfe not text"), "f.txt")
    response = client.post(path, data=data, content_type="multipart/form-data", headers=JSON)
    assert response.status_code == 400
    assert f"{field} takes text, not a file" in response.json["message"]


def test_a_file_as_preview_markdown_is_a_400(app, client, auth):
    auth.create_user("teach@example.com", role="instructor")
    auth.login("teach@example.com")
    data = {"markdown": (io.BytesIO(b"# hi"), "lesson.md")}
    response = client.post("/instructor/preview", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "takes text, not a file" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/auth/login", "/topics/routing/quiz/answer", "/topics/config/demo/sources"]
)
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_900_kb_form_field_is_a_413_whatever_the_encoding(client, course, path, encoding):
    big = "x" * 900_000
    if encoding == "multipart":
        # Encoded by hand: the test client would spool a body this big to a temporary file.
        body = f'--b\r\nContent-Disposition: form-data; name="answer"\r\n\r\n{big}\r\n--b--\r\n'
        kwargs = {"data": body.encode(), "content_type": "multipart/form-data; boundary=b"}
    else:
        kwargs = {"data": {"answer": big, "email": "a@example.com"}}
    response = client.post(path, headers=JSON, **kwargs)
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_a_form_field_under_the_limit_is_not_a_413(client, course):
    response = client.post(
        "/topics/routing/quiz/answer", data={"question_id": "rt-short", "answer": "x" * 3000}
    )
    assert response.status_code == 400  # the answer is too long for the question, not for the server


# ---- ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [2**70, 2**31, 0, -1, "²", "1e3", True, 1.5, [1], "99999999999999999999"])
def test_attempt_ids_out_of_range_in_json_are_a_400(client, course, value):
    body = {"question_id": "rt-single", "answer": "b", "attempt_id": value}
    response = client.post("/topics/routing/quiz/answer", json=body)
    assert response.status_code == 400
    assert "whole number from 1 to" in response.json["message"]


@pytest.mark.parametrize("value", [str(2**70), str(2**31), "²", "-5"])
def test_attempt_ids_out_of_range_in_forms_are_a_400(client, course, value):
    response = client.post("/topics/routing/quiz/start", data={"mode": "missed", "attempt_id": value})
    assert response.status_code == 400
    body = {"question_id": "rt-single", "answer": "b", "attempt_id": value}
    assert client.post("/topics/routing/quiz/answer", data=body).status_code == 400


@pytest.mark.parametrize("value", [2**70, 2**31, 0])
@pytest.mark.parametrize("page", ["attempts", "feedback"])
def test_ids_out_of_range_in_urls_are_a_404(client, course, page, value):
    assert client.get(f"/topics/routing/quiz/{page}/{value}").status_code == 404


def test_the_largest_id_is_in_range(client, course):
    assert client.get(f"/topics/routing/quiz/attempts/{MAX_ID}").status_code == 404  # no such attempt
    body = {"question_id": "rt-single", "answer": "b", "attempt_id": MAX_ID}
    response = client.post("/topics/routing/quiz/answer", json=body)
    assert response.status_code == 400
    assert "does not exist" in response.json["message"]


@pytest.mark.storage
def test_big_ids_never_reach_the_database(database_url, client, course):
    """On PostgreSQL an INTEGER column overflows at 2**31: such an id must be refused first."""
    for value in (2**31, 2**63):
        body = {"question_id": "rt-single", "answer": "b", "attempt_id": value}
        assert client.post("/topics/routing/quiz/answer", json=body).status_code == 400
        assert client.get(f"/topics/routing/quiz/attempts/{value}").status_code == 404


# ---- quiz answers -------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [[], "", {}, None])
def test_an_empty_ordering_is_refused(client, course, answer):
    body = {"question_id": "rt-order", "answer": answer}
    response = client.post("/topics/routing/quiz/answer", json=body)
    assert response.status_code == 400
    assert "empty order" in response.json["message"]


def test_an_ordering_form_without_positions_is_refused(client, course):
    response = client.post("/topics/routing/quiz/answer", data={"question_id": "rt-order"})
    assert response.status_code == 400


# ---- demo parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/topics/middleware/demo/wrap", {"delay_ms": "²"}),
        ("/topics/middleware/demo/wrap", {"delay_ms": "-1"}),
        ("/topics/database/demo/pool", {"checkouts": "²"}),
        ("/topics/database/demo/pool", {"pool_size": "٣"}),
        ("/topics/sessions/demo/cookie", {"cookie": "A.A.A"}),
        ("/topics/sessions/demo/cookie", {"cookie": ".A.A.A"}),
        ("/topics/sessions/demo/cookie", {"cookie": "e30.__________.x"}),
        ("/topics/sessions/demo/cookie", {"action": "drop"}),
        ("/topics/routing/demo/url-for", {"values": "endpoint=x"}),
        ("/topics/routing/demo/url-for", {"values": "user_id=1\n_external=1"}),
        ("/topics/websockets/demo/echo", {"key": "é" * 24}),
        ("/topics/websockets/demo/echo", {"key": "²"}),
    ],
)
def test_bad_demo_parameters_are_a_400(client, path, params):
    response = client.get(path, query_string=params, headers=JSON)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["message"]


def test_typed_demo_fields_still_take_good_values(client):
    result = client.get("/topics/middleware/demo/wrap", query_string={"delay_ms": "5"}, headers=JSON).json
    assert result["result"]
    response = client.get("/topics/database/demo/pool", query_string={"checkouts": ""}, headers=JSON)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("request_args", "chinese"),
    [
        ({"path": "/auth/login", "data": DEEP_JSON, "content_type": "application/json"}, "JSON"),
        ({"path": "/topics/routing/quiz/answer", "json": {"question_id": "rt-order", "answer": []}}, "顺序"),
        (
            {"path": "/topics/routing/quiz/answer", "json": {"question_id": "rt-tf", "attempt_id": "x"}},
            "整数",
        ),
        ({"path": "/auth/login", "data": {"email": (io.BytesIO(b"x"), "f.txt")}}, "文件"),
    ],
)
def test_messages_of_400_answers_are_translated(client, course, request_args, chinese):
    response = client.post(**request_args, headers={"Accept-Language": "zh", **JSON})
    assert response.status_code == 400
    assert chinese in response.json["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in response.json["message"])
