"""The signals demos: Flask's signals in order, and a custom blinker signal per learner."""

from __future__ import annotations

import pytest
from conftest import csrf_token
from flask import signals

from app.topics.signals.demos import local_receiver_after_gc

TRACE = "/topics/signals/demo/trace"
CUSTOM = "/topics/signals/demo/custom"
JSON = {"Accept": "application/json"}


def trace(client, path):
    response = client.get(TRACE, query_string={"path": path}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def test_signal_order_of_a_normal_request(client):
    result = trace(client, "/")
    assert result["status"] == 200
    assert result["signals"] == [
        "appcontext_pushed",
        "request_started",
        "message_flashed",
        "before_render_template",
        "template_rendered",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    flashed = result["events"][2]
    assert flashed["kwargs"] == {"message": "'Welcome to the sandbox'", "category": "'info'"}
    assert result["events"][5]["kwargs"]["response"] == "<Response 200 OK>"
    assert result["events"][6]["kwargs"]["exc"] == "None"


def test_signal_order_of_a_failing_request(client):
    result = trace(client, "/fail")
    assert result["status"] == 500
    names = result["signals"]
    assert names[names.index("got_request_exception") + 1] == "request_finished"
    assert "before_render_template" not in names
    events = {event["signal"]: event for event in result["events"]}
    assert events["got_request_exception"]["kwargs"]["exception"] == "ZeroDivisionError('division by zero')"
    assert events["request_finished"]["kwargs"]["response"] == "<Response 500 INTERNAL SERVER ERROR>"
    assert events["request_tearing_down"]["kwargs"]["exc"].startswith("ZeroDivisionError")


def test_a_404_is_not_an_exception_signal(client):
    result = trace(client, "/missing")
    assert result["status"] == 404
    assert "got_request_exception" not in result["signals"]


def test_trace_receivers_are_disconnected_afterwards(client):
    before = {name: len(getattr(signals, name).receivers) for name in ("request_started", "message_flashed")}
    trace(client, "/")
    after = {name: len(getattr(signals, name).receivers) for name in ("request_started", "message_flashed")}
    assert after == before


def test_unknown_trace_path_is_a_400(client):
    assert client.get(TRACE, query_string={"path": "/etc/passwd"}, headers=JSON).status_code == 400


def test_trace_page_renders(client):
    html = client.get(TRACE, query_string={"path": "/fail"}).get_data(as_text=True)
    assert "got_request_exception" in html
    assert "trace_signals" in html


def test_xray_of_the_trace_demo_has_the_sites_own_signals(client):
    body = client.get(TRACE, headers=JSON).json
    events = client.get(body["xray_url"]).json["events"]
    signal_names = [event["name"] for event in events if event["kind"] == "signal"]
    assert signal_names[0] == "request_started"
    assert signal_names[-3:] == ["request_tearing_down", "appcontext_tearing_down", "appcontext_popped"]
    # The sandbox's flash and template signals had the sandbox as sender, not this site.
    assert "message_flashed" not in signal_names


@pytest.fixture
def post(client):
    token = csrf_token(client, CUSTOM)

    def send(**data):
        return client.post(CUSTOM, data={"csrf_token": token, **data}, headers=JSON)

    return send


def test_send_returns_each_receivers_value(post):
    post(action="subscribe", receiver=["shout", "count_words", "notify_shop_team"])
    result = post(action="send", sender="shop", payload="two blue teapots").json["result"]
    # blinker does not promise an order between receivers.
    assert dict(result["returned"]) == {
        "count_words": 3,
        "shout": "TWO BLUE TEAPOTS",
        "notify_shop_team": "the shop team was told about 'two blue teapots'",
    }


def test_a_receiver_connected_for_one_sender_ignores_others(post):
    post(action="subscribe", receiver=["notify_shop_team", "audit_log"])
    result = post(action="send", sender="blog", payload="hello").json["result"]
    assert result["returned"] == [["audit_log", "logged an order from blog"]]


def test_no_subscription_means_send_returns_nothing(post):
    assert post(action="send", sender="shop", payload="x").json["result"]["returned"] == []


def test_subscriptions_belong_to_one_learner(app, post):
    post(action="subscribe", receiver=["shout"])
    other = app.test_client()
    token = csrf_token(other, CUSTOM)
    result = other.post(
        CUSTOM, data={"csrf_token": token, "action": "send", "sender": "shop", "payload": "x"}, headers=JSON
    ).json["result"]
    assert result["returned"] == []


def test_weak_receiver_is_collected_and_strong_one_stays(post):
    result = post(action="weakref").json["result"]
    assert result["weak"]["receivers_before"] == ["on_ping"]
    assert result["weak"]["send_before"] == [["on_ping", "pong"]]
    assert result["weak"]["receivers_after_gc"] == []
    assert result["weak"]["send_after_gc"] == []
    assert result["strong"]["receivers_after_gc"] == ["on_ping"]
    assert result["strong"]["send_after_gc"] == [["on_ping", "pong"]]


def test_weak_reference_function_directly():
    assert local_receiver_after_gc(weak=True)["receivers_after_gc"] == []
    assert local_receiver_after_gc(weak=False)["receivers_after_gc"] == ["on_ping"]


@pytest.mark.parametrize(
    "data",
    [
        {"action": "subscribe", "receiver": ["os.system"]},
        {"action": "send", "sender": "mallory", "payload": "x"},
        {"action": "send", "sender": "shop", "payload": "x" * 201},
        {"action": "nothing"},
    ],
)
def test_bad_custom_input_is_a_400(post, data):
    assert post(**data).status_code == 400


def test_custom_page_renders(client, post):
    post(action="subscribe", receiver=["shout"])
    html = client.get(CUSTOM).get_data(as_text=True)
    assert 'value="shout" checked' in html
    assert "local_receiver_after_gc" in html
