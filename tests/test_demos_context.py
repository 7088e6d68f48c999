"""The context demos: pushing contexts step by step, and two concurrent requests."""

from __future__ import annotations

import pytest

CONTEXTS_URL = "/topics/context/demo/contexts"
CONCURRENT_URL = "/topics/context/demo/concurrent"
JSON = {"Accept": "application/json"}
OUTSIDE_APP = "RuntimeError: Working outside of application context."
OUTSIDE_REQUEST = "RuntimeError: Working outside of request context."


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def replay(client, ops):
    response = client.get(CONTEXTS_URL, query_string={"ops": ops}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]["steps"]


def test_nothing_is_available_before_a_push(client):
    start = replay(client, "")[0]
    assert start["current_app"] == OUTSIDE_APP
    assert start["g"] == OUTSIDE_APP
    assert start["request"] == OUTSIDE_REQUEST
    assert (start["_cv_app"], start["_cv_request"]) == ("NoneType", "NoneType")


def test_g_lives_for_one_app_context(client):
    steps = replay(client, "push_app,set_g,pop,push_app")
    assert steps[1]["current_app"] == "sandbox_app"
    assert steps[1]["request"] == OUTSIDE_REQUEST
    assert steps[2]["outcome"] == "g.visits = 1"
    assert steps[2]["g"] == "{'visits': 1}"
    assert steps[3]["current_app"] == OUTSIDE_APP
    assert steps[4]["g"] == "{}"


def test_a_request_context_brings_an_app_context_and_a_second_app_shadows_the_first(client):
    steps = replay(client, "push_request,set_g,push_other_app,pop,pop")
    assert steps[1]["request"] == "GET /hello?lang=zh"
    assert steps[1]["session"] == "SecureCookieSession {}"
    assert (steps[1]["_cv_app"], steps[1]["_cv_request"]) == ("AppContext", "RequestContext")
    assert steps[3]["current_app"] == "other_app"
    assert steps[3]["g"] == "{}"
    assert steps[3]["request"] == "GET /hello?lang=zh"
    assert steps[4]["current_app"] == "sandbox_app"
    assert steps[4]["g"] == "{'visits': 1}"
    assert steps[5]["current_app"] == OUTSIDE_APP


def test_setting_g_outside_a_context_fails_and_popping_nothing_is_reported(client):
    steps = replay(client, "set_g,pop")
    assert steps[1]["outcome"] == OUTSIDE_APP
    assert steps[2]["outcome"] == "nothing to pop"


def test_replay_leaves_this_request_untouched(client):
    result = client.get(CONTEXTS_URL, query_string={"ops": "push_app,push_request"}, headers=JSON).json[
        "result"
    ]
    assert result["this_request"]["current_app"] == "app"


@pytest.mark.parametrize("ops", ["push_app,explode", ",".join(["push_app"] * 13)])
def test_bad_steps_are_a_400(client, ops):
    assert client.get(CONTEXTS_URL, query_string={"ops": ops}, headers=JSON).status_code == 400


def test_each_concurrent_request_sees_its_own_request_and_g(client):
    query = {"name_a": "alice", "delay_a": "0.2", "name_b": "bob", "delay_b": "0.05"}
    result = client.get(CONCURRENT_URL, query_string=query, headers=JSON).json["result"]
    alice, bob = result["requests"]["alice"], result["requests"]["bob"]
    assert (alice["path"], alice["g_name"]) == ("/work/alice", "alice")
    assert (bob["path"], bob["g_name"]) == ("/work/bob", "bob")
    assert alice["thread"] != bob["thread"]
    # The plain shared dict was overwritten by bob while alice slept.
    assert alice["shared_name"] == "bob"
    # They overlapped: bob started before alice finished.
    whats = [event["what"] for event in result["timeline"]]
    assert whats[0].startswith("start: request.path=/work/alice")
    assert whats[-1].startswith("after sleep: request.path=/work/alice, g.name=alice")


def test_one_thread_two_tasks(client):
    one_thread = client.get(CONCURRENT_URL, headers=JSON).json["result"]["one_thread"]
    assert one_thread["task_a"] == "threading.local: bob · ContextVar: alice"
    assert one_thread["task_b"] == "threading.local: bob · ContextVar: bob"


@pytest.mark.parametrize(
    "query",
    [{"delay_a": "5"}, {"delay_b": "x"}, {"name_a": "a b"}, {"name_a": "same", "name_b": "same"}],
)
def test_bad_concurrency_input_is_a_400(client, query):
    assert client.get(CONCURRENT_URL, query_string=query, headers=JSON).status_code == 400


def test_xray_of_the_contexts_demo_has_one_app_context(client):
    body = client.get(CONTEXTS_URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert (trace["endpoint"], trace["blueprint"]) == ("context.demo_contexts", "context")
    names = [event["name"] for event in trace["events"]]
    # The sandbox apps' pushes happen in another contextvars.Context: the site sees only its own.
    assert names.count("app context pushed") == 1
    assert names[-1] == "app context popped"
