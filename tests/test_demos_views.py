"""The views demos: return styles turned into responses, and MethodView dispatch."""

from __future__ import annotations

import pytest

RESPONSES_URL = "/topics/views/demo/responses"
METHOD_VIEW_URL = "/topics/views/demo/method-view"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def respond(client, style):
    response = client.get(RESPONSES_URL, query_string={"style": style}, headers=JSON)
    assert response.status_code == 200
    result = response.json["result"]
    result["header_map"] = dict(result["headers"])
    return result


@pytest.mark.parametrize(
    ("style", "status_line", "content_type", "body"),
    [
        ("str", "HTTP/1.1 200 OK", "text/html; charset=utf-8", "<p>Hello from a view</p>"),
        ("dict", "HTTP/1.1 200 OK", "application/json", '{"languages":["Python","SQL"],"name":"Ada"}\n'),
        ("list", "HTTP/1.1 200 OK", "application/json", "[1,2,3]\n"),
        ("tuple_status", "HTTP/1.1 201 CREATED", "text/html; charset=utf-8", "Created"),
        ("tuple_all", "HTTP/1.1 418 I'M A TEAPOT", "application/json", '{"error":"I\'m a teapot"}\n'),
        ("jsonify", "HTTP/1.1 200 OK", "application/json", '{"items":["a","b"],"ok":true}\n'),
        ("generator", "HTTP/1.1 200 OK", "text/html; charset=utf-8", "first chunk\nsecond chunk\n"),
    ],
)
def test_each_return_style_becomes_one_response(client, style, status_line, content_type, body):
    result = respond(client, style)
    assert result["status_line"] == status_line
    assert result["header_map"]["Content-Type"] == content_type
    assert result["body"] == body


def test_headers_from_a_tuple_and_from_make_response(client):
    assert respond(client, "tuple_headers")["header_map"]["X-Demo"] == "headers from a tuple"
    made = respond(client, "make_response")
    assert made["header_map"]["X-Demo"] == "custom"
    cookie = made["header_map"]["Set-Cookie"]
    assert cookie.startswith("flavour=chocolate;") and "HttpOnly" in cookie and "Max-Age=60" in cookie


def test_redirect_and_abort(client):
    moved = respond(client, "redirect")
    assert (moved["status_code"], moved["header_map"]["Location"]) == (302, "/str")
    forbidden = respond(client, "abort")
    assert forbidden["status_code"] == 403
    assert forbidden["body"] == '{"description":"Members only.","error":"forbidden"}\n'


def test_a_streamed_body_has_no_content_length(client):
    assert "Content-Length" not in respond(client, "generator")["header_map"]
    assert "Content-Length" in respond(client, "str")["header_map"]


def test_unknown_style_is_a_400(client):
    assert client.get(RESPONSES_URL, query_string={"style": "xml"}, headers=JSON).status_code == 400


def send(client, method):
    response = client.get(METHOD_VIEW_URL, query_string={"method": method}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


@pytest.mark.parametrize(
    ("method", "status", "handler"),
    [("GET", "200 OK", "get"), ("POST", "201 CREATED", "post"), ("DELETE", "200 OK", "delete")],
)
def test_method_view_dispatches_by_method_name(client, method, status, handler):
    result = send(client, method)
    assert result["class_view"]["status"] == status
    assert f'"handler":"ItemAPI.{handler}"' in result["class_view"]["body"]
    assert result["function_view"]["status"] == status
    assert f"{method} branch" in result["function_view"]["body"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_unsupported_methods_get_405_with_allow(client, method):
    result = send(client, method)
    for view in ("class_view", "function_view"):
        assert result[view]["status"] == "405 METHOD NOT ALLOWED"
        assert set(result[view]["allow"].split(", ")) == {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}


def test_head_falls_back_to_get_only_in_the_method_view(client):
    result = send(client, "HEAD")
    assert result["class_view"]["status"] == "200 OK"
    assert result["function_view"]["status"] == "405 METHOD NOT ALLOWED"


def test_method_view_methods_come_from_the_class(client):
    result = send(client, "OPTIONS")
    assert result["class_methods"] == ["DELETE", "GET", "POST"]
    assert result["rule_methods"]["item_api"] == ["DELETE", "GET", "HEAD", "OPTIONS", "POST"]


def test_pages_render(client):
    html = client.get(RESPONSES_URL, query_string={"style": "make_response"}).get_data(as_text=True)
    assert "Set-Cookie: flavour=chocolate" in html
    html = client.get(METHOD_VIEW_URL, query_string={"method": "PUT"}).get_data(as_text=True)
    assert "data-allow>" in html


def test_xray_of_the_responses_demo(client):
    body = client.get(RESPONSES_URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert (trace["endpoint"], trace["blueprint"]) == ("views.demo_responses", "views")
    kinds = [event["kind"] for event in trace["events"]]
    assert kinds.count("view") == 1
    # Only the site's hooks appear: the sandbox app's request is invisible to the X-ray.
    details = " ".join(event["detail"] for event in trace["events"])
    assert "handle_forbidden" not in details
