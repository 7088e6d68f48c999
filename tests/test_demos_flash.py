"""The flash demo: flash() and get_flashed_messages() on a sandbox app's own session."""

from __future__ import annotations

import pytest
from conftest import csrf_token

URL = "/topics/flash/demo/flash"
JSON = {"Accept": "application/json"}


@pytest.fixture
def post(client):
    """Return a helper posting one action to the demo as JSON, with a valid CSRF token."""
    token = csrf_token(client, URL)

    def send(**data):
        return client.post(URL, data={"csrf_token": token, **data}, headers=JSON)

    return send


def flash_three(post):
    for message, category in [("saved", "success"), ("disk almost full", "warning"), ("boom", "error")]:
        assert post(action="flash", message=message, category=category).status_code == 200


def test_flash_stores_tuples_in_the_sandbox_session_and_sends_the_signal(post):
    body = post(action="flash", message="Saved <b>", category="success").json
    result = body["result"]
    assert result["_flashes_after"] == [["success", "Saved <b>"]]
    assert result["received"] == [
        {"sender": "app.topics.flash.demos", "message": "Saved <b>", "category": "success"}
    ]
    assert result["sandbox_flashes"] == [["success", "Saved <b>"]]


def test_a_filtered_read_consumes_every_message(post):
    flash_three(post)
    result = post(action="read", mode="category_filter", categories="error").json["result"]
    steps = result["steps"]
    assert [pair[0] for pair in steps[0]["_flashes"]] == ["success", "warning", "error"]
    assert steps[1]["first"] == [["error", "boom"]]
    # In the same request the cache on the request context still has all three.
    assert len(steps[1]["second_call_same_request"]) == 3
    # The filtered-out ones are gone too: the session has no _flashes at all.
    assert steps[2]["_flashes"] is None
    assert steps[3]["returned"] == []
    assert result["sandbox_flashes"] == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("plain", ["saved", "disk almost full", "boom"]),
        ("with_categories", [["success", "saved"], ["warning", "disk almost full"], ["error", "boom"]]),
    ],
)
def test_read_modes(post, mode, expected):
    flash_three(post)
    steps = post(action="read", mode=mode).json["result"]["steps"]
    assert steps[1]["first"] == expected


def test_the_sites_own_flash_area_is_untouched(client, post):
    post(action="flash", message="only in the sandbox", category="info")
    with client.session_transaction() as session:
        assert "_flashes" not in session
    # base.html shows the site's own flashes above every page, this one included.
    html = client.get(URL).get_data(as_text=True)
    assert 'class="flashes"' not in html


def test_reset_empties_the_sandbox(post):
    flash_three(post)
    assert post(action="reset").json["result"]["sandbox_flashes"] == []
    assert post(action="read", mode="plain").json["result"]["steps"][0]["_flashes"] is None


@pytest.mark.parametrize(
    "data",
    [
        {"action": "flash", "message": "x" * 201},
        {"action": "flash", "message": ""},
        {"action": "flash", "message": "hi", "category": "c" * 21},
        {"action": "read", "mode": "sideways"},
        {"action": "read", "mode": "category_filter", "categories": "a,b,c,d,e,f"},
        {"action": "explode"},
    ],
)
def test_bad_input_is_a_400(post, data):
    response = post(**data)
    assert response.status_code == 400
    assert response.json["message"]


def test_the_sandbox_holds_at_most_eight_messages(post):
    for number in range(8):
        assert post(action="flash", message=f"m{number}").status_code == 200
    response = post(action="flash", message="one too many")
    assert response.status_code == 400
    assert "8" in response.json["message"]


def test_page_renders_the_steps(client, post):
    flash_three(post)
    token = csrf_token(client, URL)
    html = client.post(
        URL, data={"csrf_token": token, "action": "read", "mode": "category_filter", "categories": "error"}
    ).get_data(as_text=True)
    assert "no _flashes key in the session" in html
    assert "read_once" in html


def test_xray_shows_the_flash_demo_request(client, post):
    body = post(action="flash", message="traced", category="info").json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "flash.demo_flash"
    assert trace["blueprint"] == "flash"
    assert trace["rule"] == "/topics/flash/demo/flash"
    names = [event["name"] for event in trace["events"] if event["kind"] != "sandbox"]
    # The sandbox's message_flashed is not the site's: it is listed as the sandbox app's.
    assert "message_flashed" not in names
    sandbox = [(e["name"], e["detail"]) for e in trace["events"] if e["kind"] == "sandbox"]
    assert ("message_flashed", "app.topics.flash.demos: info: 'traced'") in sandbox
    assert names.index("flash.demo_flash") < names.index("request_finished")
