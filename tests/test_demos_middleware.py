"""The middleware demos: a WSGI middleware around wsgi_app, and DispatcherMiddleware."""

from __future__ import annotations

import pytest
from flask import Flask

from app.topics.middleware.demos import TimingMiddleware
from app.topics.middleware.demos import make_sandbox
from app.topics.middleware.demos import wrap_wsgi_app

WRAP = "/topics/middleware/demo/wrap"
DISPATCH = "/topics/middleware/demo/dispatcher"
JSON = {"Accept": "application/json"}


def test_middleware_adds_headers_only_when_wrapped(client):
    result = client.get(WRAP, query_string={"name": "Ada", "delay_ms": "20"}, headers=JSON).json["result"]
    assert set(result["added_headers"]) == {"X-Elapsed-Ms", "X-Powered-By-Middleware"}
    assert float(result["added_headers"]["X-Elapsed-Ms"]) >= 20
    assert result["added_headers"]["X-Powered-By-Middleware"] == "TimingMiddleware"
    assert result["without"].startswith("HTTP/1.1 200 OK\n")
    assert "X-Elapsed-Ms" not in result["without"]
    assert "X-Elapsed-Ms:" in result["with"]
    assert result["with"].endswith("\n\nHello, Ada!")


def test_wrapping_the_app_object_loses_flask(client):
    lost = client.get(WRAP, headers=JSON).json["result"]["wrapping_app_itself"]
    assert lost == {
        "type": "TimingMiddleware",
        "has_route": False,
        "has_config": False,
        "has_test_client": False,
    }


def test_wrapping_wsgi_app_keeps_a_flask_app():
    sandbox = wrap_wsgi_app(make_sandbox())
    assert isinstance(sandbox, Flask)
    assert isinstance(sandbox.wsgi_app, TimingMiddleware)
    assert "X-Elapsed-Ms" in sandbox.test_client().get("/hello").headers


@pytest.mark.parametrize(
    "query", [{"delay_ms": "101"}, {"delay_ms": "-1"}, {"delay_ms": "abc"}, {"name": "x" * 41}]
)
def test_wrap_bounds_its_inputs(client, query):
    assert client.get(WRAP, query_string=query, headers=JSON).status_code == 400


def dispatch(client, path):
    response = client.get(DISPATCH, query_string={"path": path}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


@pytest.mark.parametrize(
    ("path", "answered_by", "script_name", "path_info", "status"),
    [
        ("/", "main", "", "/", 200),
        ("/about", "main", "", "/about", 200),
        ("/blog/", "blog", "/blog", "/", 200),
        ("/blog/post/7", "blog", "/blog", "/post/7", 200),
        ("/blogger", "main", "", "/blogger", 404),
        ("/blog/nope", "blog", "/blog", "/nope", 404),
    ],
)
def test_dispatcher_splits_script_name_and_path_info(
    client, path, answered_by, script_name, path_info, status
):
    result = dispatch(client, path)
    assert result["status"] == status
    assert result["answered_by"] == answered_by
    assert result["seen"]["app"] == answered_by
    assert result["seen"]["SCRIPT_NAME"] == script_name
    assert result["seen"]["PATH_INFO"] == path_info
    assert result["before_dispatch"] == {"SCRIPT_NAME": "", "PATH_INFO": path}


def test_url_for_in_the_mounted_app_includes_the_prefix(client):
    seen = dispatch(client, "/blog/post/7")["seen"]
    assert seen["request.path"] == "/post/7"
    assert seen["request.script_root"] == "/blog"
    assert seen["url_for"] == {"post": "/blog/post/7", "index": "/blog/"}


def test_blog_without_slash_redirects_inside_the_blog(client):
    result = dispatch(client, "/blog")
    assert result["status"] == 308
    assert result["answered_by"] == "blog"
    assert result["location"].endswith("/blog/")


@pytest.mark.parametrize("path", ["blog", "//evil.example/", "/a b", "/x#y", "/" + "x" * 101])
def test_dispatcher_refuses_what_is_not_a_path(client, path):
    response = client.get(DISPATCH, query_string={"path": path}, headers=JSON)
    assert response.status_code == 400


def test_pages_render(client):
    assert "TimingMiddleware" in client.get(WRAP).get_data(as_text=True)
    html = client.get(DISPATCH, query_string={"path": "/blog/post/7"}).get_data(as_text=True)
    assert "data-answered-by>blog<" in html


def test_xray_of_the_dispatcher_demo(client):
    body = client.get(DISPATCH, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "middleware.demo_dispatcher"
    assert trace["blueprint"] == "middleware"
    names = [event["name"] for event in trace["events"] if event["kind"] != "sandbox"]
    assert (
        names.index("middleware.demo_dispatcher")
        < names.index("after_request")
        < names.index("appcontext_popped")
    )
