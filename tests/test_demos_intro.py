"""The intro demos: a bare WSGI function and a tiny Flask app, called the same way."""

from __future__ import annotations

import pytest

URL = "/topics/intro/demo/wsgi"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def wsgi(client, **params):
    response = client.get(URL, query_string=params, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def test_both_apps_greet_through_start_response(client):
    result = wsgi(client, path="/hello?name=Ada", method="GET")
    for key in ("wsgi", "flask"):
        assert result[key]["status"] == "200 OK"
        assert result[key]["body"] == "Hello, Ada!\n"
    assert ["Content-Type", "text/plain; charset=utf-8"] in result["wsgi"]["headers"]
    assert ["Content-Type", "text/html; charset=utf-8"] in result["flask"]["headers"]


def test_only_flask_sends_allow_with_its_405(client):
    result = wsgi(client, path="/hello", method="DELETE")
    assert result["wsgi"]["status"] == "405 Method Not Allowed"
    assert "Allow" not in dict(result["wsgi"]["headers"])
    assert result["flask"]["status"] == "405 METHOD NOT ALLOWED"
    assert set(dict(result["flask"]["headers"])["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_flask_answers_head_without_a_body_and_options_by_itself(client):
    head = wsgi(client, path="/hello", method="HEAD")
    assert head["flask"]["status"] == "200 OK" and head["flask"]["body"] == ""
    assert head["wsgi"]["status"].startswith("405")
    options = wsgi(client, path="/hello", method="OPTIONS")
    assert options["flask"]["status"] == "200 OK"
    assert "Allow" in dict(options["flask"]["headers"])


def test_unknown_path_is_404_in_both(client):
    result = wsgi(client, path="/missing", method="GET")
    assert result["wsgi"]["status"] == "404 Not Found"
    assert result["flask"]["status"] == "404 NOT FOUND"


@pytest.mark.parametrize(
    "params",
    [{"path": "hello"}, {"path": "/a b"}, {"method": "BREW"}, {"path": "/" + "x" * 300}],
)
def test_bad_input_is_a_400(client, params):
    response = client.get(URL, query_string=params, headers=JSON)
    assert response.status_code == 400
    assert response.json["message"]


def test_page_shows_both_answers_and_the_code(client):
    html = client.get(URL, query_string={"path": "/hello", "method": "DELETE"}).get_data(as_text=True)
    assert 'data-answer="wsgi"' in html and 'data-answer="flask"' in html
    assert "405 METHOD NOT ALLOWED" in html
    assert '<span class="nf">hello_wsgi</span>' in html


def test_xray_of_the_wsgi_demo(client):
    body = client.get(URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["rule"] == "/topics/intro/demo/wsgi"
    assert trace["endpoint"] == "intro.demo_wsgi"
    assert trace["blueprint"] == "intro"
    names = [event["name"] for event in trace["events"] if event["kind"] != "sandbox"]
    assert names.index("request_started") < names.index("intro.demo_wsgi") < names.index("request_finished")
    # The sandbox app's own contexts are not the site's: the trace has one push and one pop.
    assert names.count("app context pushed") == 1
    assert names.count("app context popped") == 1
