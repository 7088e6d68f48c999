"""The hooks demo: the order of request hooks for a normal, a short-circuited and a failing request."""

from __future__ import annotations

import pytest

URL = "/topics/hooks/demo/trace"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def traces(client, failure="unhandled"):
    response = client.get(URL, query_string={"failure": failure}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]["traces"]


def steps(trace):
    return [(step["kind"], step["detail"]) for step in trace["trace"]]


def test_normal_request_order(client):
    normal = traces(client)["normal"]
    assert normal["status"] == "200 OK"
    assert steps(normal) == [
        ("before_request", "first_before"),
        ("before_request", "second_before"),
        ("before_request", "third_before"),
        ("view", "hello"),
        ("after_request", "second_after (registered second), status 200"),
        ("after_request", "first_after (registered first), status 200"),
        ("teardown_request", "second_teardown (error=None)"),
        ("teardown_request", "first_teardown (error=None)"),
    ]
    assert normal["x_hooks"] == "after_request ran"


def test_a_before_request_that_returns_skips_the_rest_but_not_after_request(client):
    stopped = traces(client)["short_circuit"]
    assert stopped["status"] == "403 FORBIDDEN"
    assert stopped["body"] == "stopped early by second_before\n"
    kinds = [kind for kind, _detail in steps(stopped)]
    assert (
        kinds
        == ["before_request", "before_request", "after_request", "after_request"] + ["teardown_request"] * 2
    )
    assert ("before_request", "third_before") not in steps(stopped)


def test_an_unhandled_error_reaches_the_500_handler_and_teardown(client):
    failing = traces(client, "unhandled")["failing"]
    assert failing["status"] == "500 INTERNAL SERVER ERROR"
    assert steps(failing)[3:] == [
        ("view", "fail raises"),
        ("errorhandler", "500: server_error (original_exception=ZeroDivisionError)"),
        ("after_request", "second_after (registered second), status 500"),
        ("after_request", "first_after (registered first), status 500"),
        ("teardown_request", "second_teardown (error=ZeroDivisionError)"),
        ("teardown_request", "first_teardown (error=ZeroDivisionError)"),
    ]


def test_a_handled_error_leaves_teardown_without_an_exception(client):
    failing = traces(client, "handled")["failing"]
    assert failing["status"] == "404 NOT FOUND"
    assert ("errorhandler", "404: not_found") in steps(failing)
    assert steps(failing)[-1] == ("teardown_request", "first_teardown (error=None)")


def test_unknown_failure_is_a_400(client):
    assert client.get(URL, query_string={"failure": "explode"}, headers=JSON).status_code == 400


def test_page_shows_three_traces(client):
    html = client.get(URL).get_data(as_text=True)
    for name in ("normal", "short_circuit", "failing"):
        assert f'data-trace="{name}"' in html


def test_xray_shows_the_real_hooks_in_order(client):
    body = client.get(URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["rule"] == "/topics/hooks/demo/trace"
    assert (trace["endpoint"], trace["blueprint"]) == ("hooks.demo_trace", "hooks")
    events = [(event["kind"], event["name"], event["detail"]) for event in trace["events"]]
    names = [name for _kind, name, _detail in events]
    assert names.index("request_started") < names.index("before_request") < names.index("hooks.demo_trace")
    after = [detail for _kind, name, detail in events if name == "after_request"]
    security = "app.security.init_security.<locals>.set_security_headers"
    remember = "flask_login.login_manager.LoginManager._update_remember_cookie"
    # Flask-Login registered its hook before init_security did, so it runs after it (reverse order).
    assert after.index(security) < after.index(remember)
    assert (
        names.index("request_finished")
        < names.index("request_tearing_down")
        < names.index("appcontext_popped")
    )
    # The sandbox's hooks never show up in the site's trace.
    assert not any("first_before" in detail for _kind, _name, detail in events)
