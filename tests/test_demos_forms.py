"""The registration form demo: validation errors, rendered HTML and FormMeta's work, nothing stored."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from app.topics.forms.forms import RegisterForm

URL = "/topics/forms/demo/register"
JSON = {"Accept": "application/json"}
GOOD = {
    "username": "ada_l",
    "email": "ada@example.com",
    "password": "correct horse",
    "confirm": "correct horse",
    "accept_terms": "y",
}


@pytest.fixture
def token(client):
    return csrf_token(client, URL)


def submit(client, token, headers=JSON, **data):
    return client.post(URL, data={"csrf_token": token, **data}, headers=headers)


def test_valid_submission(client, token):
    result = submit(client, token, **GOOD).json["result"]
    assert result["validate"] is True
    assert result["errors"] == {}
    assert result["data"]["username"] == "ada_l"
    assert result["data"]["accept_terms"] is True


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "ab"}, "username", "Field must be between 3 and 20 characters long."),
        ({"username": "ada lovelace"}, "username", "Letters, digits and _ only."),
        ({"email": "not-an-email"}, "email", "Invalid email address."),
        (
            {"password": "short", "confirm": "short"},
            "password",
            "Field must be between 8 and 128 characters long.",
        ),
        ({"confirm": "something else"}, "confirm", "The two passwords differ."),
        ({"accept_terms": ""}, "accept_terms", "This field is required."),
    ],
)
def test_validation_errors(client, token, change, field, message):
    result = submit(client, token, **{**GOOD, **change}).json["result"]
    assert result["validate"] is False
    assert result["errors"][field] == [message]


def test_errors_are_rendered_next_to_their_fields(client, token):
    html = submit(client, token, headers={}, **{**GOOD, "confirm": "nope nope"}).get_data(as_text=True)
    start = html.index('id="confirm-errors"')
    assert "The two passwords differ." in html[start : start + 200]
    assert 'aria-describedby="confirm-errors"' in html


def test_the_password_is_never_sent_back(client, token):
    secret = "hunter2-very-secret"
    data = {**GOOD, "password": secret, "confirm": secret, "username": "x"}
    body = submit(client, token, **data).get_data(as_text=True)
    html = submit(client, token, headers={}, **data).get_data(as_text=True)
    assert secret not in body
    assert secret not in html
    result = submit(client, token, **data).json["result"]
    assert result["data"]["password"] == "•••• (19 characters)"


def test_unbound_field_on_the_class_bound_field_on_the_instance(client):
    internals = client.get(URL, headers=JSON).json["result"]["internals"]
    assert internals["metaclass"] == "FormMeta"
    assert internals["class_attribute"]["type"] == "UnboundField"
    assert internals["class_attribute"]["field_class"] == "StringField"
    assert internals["class_attribute"]["creation_counter"] == RegisterForm.username.creation_counter
    assert internals["instance_attribute"]["type"] == "StringField"
    assert [name for name, _ in internals["unbound_fields"]] == [
        "username",
        "email",
        "password",
        "confirm",
        "accept_terms",
    ]
    counters = [counter for _, counter in internals["unbound_fields"]]
    assert counters == sorted(counters)
    assert internals["fields_order"] == [
        "username",
        "email",
        "password",
        "confirm",
        "accept_terms",
        "csrf_token",
    ]


def test_rendered_html_shows_validator_attributes_and_hides_the_token(client, token):
    body = client.get(URL, headers=JSON)
    html = body.json["result"]["html"]
    assert 'minlength="3"' in html["username"] and 'maxlength="20"' in html["username"]
    assert "required" in html["email"]
    assert 'value="«redacted»"' in html["csrf_token"]
    assert token not in body.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client):
    response = client.post(URL, data=GOOD, headers=JSON)
    assert response.status_code == 400
    assert "CSRF" in response.json["message"]


@pytest.mark.parametrize("field", ["username", "email", "password", "confirm"])
def test_oversize_input_is_a_400(client, token, field):
    response = submit(client, token, **{**GOOD, field: "x" * 301})
    assert response.status_code == 400


def test_nothing_is_stored(app, client, token):
    from app.extensions import db
    from app.models import User

    submit(client, token, **GOOD)
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_xray_of_the_register_demo(client, token):
    body = submit(client, token, **GOOD).json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "forms.demo_register"
    assert trace["methods"] == ["GET", "HEAD", "OPTIONS", "POST"]
    hooks = [event["detail"] for event in trace["events"] if event["name"] == "before_request"]
    assert any("csrf_protect" in detail for detail in hooks)
    assert token not in str(trace)
