"""The live-demo framework: registration, JSON answers, shown source and the Request X-ray."""

from __future__ import annotations

import inspect

import pytest
from werkzeug.exceptions import BadRequest

from app.demos import DEMOS
from app.demos import demos_for
from app.demos import field_text
from app.demos.source import source_block
from app.topics.intro import demos as intro_demos

JSON = {"Accept": "application/json"}


def test_demos_register_with_their_topic_endpoint(app):
    assert "intro.demo_environ" in DEMOS
    assert DEMOS["intro.demo_environ"].topic == "intro"
    assert "intro.demo_environ" in [info.endpoint for info in demos_for("intro")]
    assert "intro.demo_environ" in app.view_functions


def test_shown_source_is_the_running_source():
    block = source_block(intro_demos.visible_environ)
    assert block.code == inspect.getsource(intro_demos.visible_environ)
    assert block.location.startswith("app/topics/intro/demos.py:")
    assert 'class="highlight"' in block.html


def test_demo_answers_json_when_asked(client):
    response = client.get("/topics/intro/demo/environ?q=42", headers=JSON)
    assert response.status_code == 200
    body = response.json
    assert body["demo"] == "intro.demo_environ"
    assert body["result"]["environ"]["QUERY_STRING"] == "q=42"
    assert body["sources"] == ["demo_environ", "visible_environ"]


def test_demo_page_shows_source_and_xray(client):
    html = client.get("/topics/intro/demo/environ").get_data(as_text=True)
    assert '<span class="nf">visible_environ</span>' in html
    assert "Request X-ray" in html
    assert "data-xray-url=" in html


def test_sensitive_headers_are_redacted(client):
    client.set_cookie("tracking", "do-not-show-me")
    body = client.get("/topics/intro/demo/environ", headers={**JSON, "Authorization": "Bearer abc"}).json
    environ = body["result"]["environ"]
    assert environ["HTTP_AUTHORIZATION"] == "«redacted»"
    assert environ["HTTP_COOKIE"] == "«redacted»"
    assert "do-not-show-me" not in str(body)


def test_partial_xray_stops_at_the_view(client):
    xray = client.get("/topics/intro/demo/environ", headers=JSON).json["xray"]
    assert xray["rule"] == "/topics/intro/demo/environ"
    assert xray["endpoint"] == "intro.demo_environ"
    assert xray["blueprint"] == "intro"
    names = [event["name"] for event in xray["events"]]
    assert names[:3] == ["app context pushed", "request context pushed", "request_started"]
    assert names[-1] == "intro.demo_environ"
    assert "request_finished" not in names


def test_finished_xray_has_the_whole_request_in_order(client):
    body = client.get("/topics/intro/demo/environ", headers=JSON).json
    trace = client.get(body["xray_url"]).json
    events = [(event["kind"], event["name"]) for event in trace["events"]]
    names = [name for _, name in events]
    order = [
        "request_started",
        "before_request",
        "intro.demo_environ",
        "after_request",
        "request_finished",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
        "app context popped",
    ]
    positions = [names.index(name) for name in order]
    assert positions == sorted(positions)
    hooks = [event["detail"] for event in trace["events"] if event["kind"] == "hook"]
    assert any("csrf_protect" in detail for detail in hooks)
    assert any("set_security_headers" in detail for detail in hooks)
    assert trace["endpoint"] == "intro.demo_environ"
    assert "xray_id" in trace["g"]


def test_xray_never_shows_the_csrf_token(client):
    client.get("/auth/login")  # puts a CSRF token in the session
    body = client.get("/topics/intro/demo/environ", headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert "csrf_token" in trace["session_keys"]
    with client.session_transaction() as session:
        token = session["csrf_token"]
    assert token not in str(trace)
    assert not any("csrf" in key for key in trace["g"])


def stored_traces(app) -> int:
    """Count the finished traces in the app's store (Redis or memory)."""
    store = app.extensions["xray_store"]
    if store.redis is not None:
        return len(list(store.redis.scan_iter(store.prefix + "*")))
    return len(store.memory)


def test_xray_is_off_for_ordinary_pages(app, client):
    before = stored_traces(app)
    html = client.get("/").get_data(as_text=True)
    assert "data-xray-url" not in html
    assert stored_traces(app) == before
    client.get("/topics/intro/demo/environ")
    assert stored_traces(app) == before + 1


def test_unknown_xray_is_404(client):
    assert client.get("/demo-xray/nope").status_code == 404
    assert client.get("/demo-xray/" + "x" * 100).status_code == 404


def test_oversized_demo_field_is_a_400(app):
    with app.test_request_context("/?name=" + "x" * 3000), pytest.raises(BadRequest) as info:
        field_text("name")
    assert "limited to 2000 characters" in info.value.description
