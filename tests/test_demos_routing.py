"""The routing demos: the URL tester and url_for against the demo URL map."""

from __future__ import annotations

import pytest

MATCH_URL = "/topics/routing/demo/match"
URL_FOR_URL = "/topics/routing/demo/url-for"
JSON = {"Accept": "application/json"}
ORDER = "6f1c2e0a-8b4d-4c53-9a7e-3f2d1c0b9a88"


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def match(client, path, method="GET"):
    response = client.get(MATCH_URL, query_string={"path": path, "method": method}, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def arguments(result):
    return {arg["name"]: (arg["value"], arg["type"]) for arg in result["arguments"]}


@pytest.mark.parametrize(
    ("path", "endpoint", "rule", "expected"),
    [
        ("/users/42", "user_profile", "/users/<int:user_id>", {"user_id": ("42", "int")}),
        ("/prices/9.99", "price", "/prices/<float:amount>", {"amount": ("9.99", "float")}),
        (
            "/files/reports/2024/q1.pdf",
            "download",
            "/files/<path:filename>",
            {"filename": ("'reports/2024/q1.pdf'", "str")},
        ),
        ("/orders/" + ORDER, "order", "/orders/<uuid:order_id>", {"order_id": (f"UUID('{ORDER}')", "UUID")}),
        ("/lang/zh", "language", "/lang/<any(en, zh):code>", {"code": ("'zh'", "str")}),
        (
            "/call/13800138000",
            "call",
            "/call/<phone:number>",
            {"number": ("PhoneNumber(digits='13800138000')", "PhoneNumber")},
        ),
        ("/docs/", "docs", "/docs/", {}),
    ],
)
def test_converters_give_python_values(client, path, endpoint, rule, expected):
    result = match(client, path)
    assert (result["outcome"], result["status"]) == ("match", 200)
    assert (result["endpoint"], result["rule"]) == (endpoint, rule)
    assert arguments(result) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/users/abc",
        "/users/-1",
        "/prices/10",
        "/orders/123",
        "/lang/fr",
        "/call/12345678901",
        "/about/",
        "/nope",
    ],
)
def test_values_a_converter_refuses_are_404(client, path):
    result = match(client, path)
    assert (result["outcome"], result["status"]) == ("not_found", 404)


def test_wrong_method_is_405_with_the_allowed_methods(client):
    result = match(client, "/users/42", "DELETE")
    assert (result["outcome"], result["status"]) == ("method_not_allowed", 405)
    assert result["allowed"] == ["GET", "HEAD", "OPTIONS"]
    result = match(client, "/items/3", "PATCH")
    assert result["allowed"] == ["DELETE", "GET", "HEAD", "OPTIONS", "PUT"]


def test_methods_pick_the_rule(client):
    assert match(client, "/items", "POST")["endpoint"] == "items"
    assert arguments(match(client, "/items/3", "PUT")) == {"item_id": ("3", "int")}
    assert match(client, "/users/42", "HEAD")["endpoint"] == "user_profile"


def test_missing_trailing_slash_redirects_with_308(client):
    result = match(client, "/docs")
    assert (result["outcome"], result["status"]) == ("redirect", 308)
    assert result["location"] == "http://demo.local/docs/"
    assert match(client, "/docs?page=2")["location"] == "http://demo.local/docs/?page=2"


def test_redirect_to_fills_in_the_new_rule(client):
    result = match(client, "/old-profile/7")
    assert (result["status"], result["location"]) == (308, "http://demo.local/users/7")


def test_defaults_fill_the_argument_and_spelled_out_defaults_redirect(client):
    result = match(client, "/blog/")
    assert result["arguments"] == [{"name": "page", "value": "1", "type": "int", "from_defaults": True}]
    assert arguments(match(client, "/blog/page/2")) == {"page": ("2", "int")}
    assert match(client, "/blog/page/1")["location"] == "http://demo.local/blog/"


def test_percent_encoded_paths_are_decoded_like_a_server_does(client):
    assert arguments(match(client, "/files/a%20b.txt")) == {"filename": ("'a b.txt'", "str")}


@pytest.mark.parametrize(
    "params", [{"path": "users/1"}, {"path": "/a b"}, {"method": "BREW"}, {"path": "/" + "x" * 400}]
)
def test_bad_tester_input_is_a_400(client, params):
    assert client.get(MATCH_URL, query_string=params, headers=JSON).status_code == 400


def build(client, endpoint, values="", **extra):
    query = {"endpoint": endpoint, "values": values, **extra}
    response = client.get(URL_FOR_URL, query_string=query, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def test_url_for_fills_the_rule_and_adds_extra_values_to_the_query(client):
    result = build(client, "user_profile", "user_id=42\ntab=posts", anchor="top", external="1")
    assert result["url"] == "http://demo.local/users/42?tab=posts#top"
    assert (result["in_path"], result["in_query"]) == (["user_id"], ["tab"])


def test_url_for_without_a_required_value_is_a_build_error(client):
    result = build(client, "user_profile", "")
    assert result["outcome"] == "build_error"
    assert result["missing"] == ["user_id"]
    assert "user_id" in result["error"]


def test_url_for_uses_the_converters_to_url(client):
    assert build(client, "call", "number=13800138000")["url"] == "/call/13800138000"
    refused = build(client, "call", "number=12345")
    assert refused["outcome"] == "value_error"
    assert "11-digit" in refused["error"]
    assert build(client, "download", "filename=a b/c.pdf")["url"] == "/files/a%20b/c.pdf"


def test_url_for_picks_the_defaults_rule(client):
    assert build(client, "blog", "page=1")["url"] == "/blog/"
    assert build(client, "blog", "page=3")["url"] == "/blog/page/3"


@pytest.mark.parametrize(
    ("endpoint", "values"), [("nope", ""), ("index", "_anchor=x"), ("index", "\n".join(["a=1"] * 11))]
)
def test_bad_url_for_input_is_a_400(client, endpoint, values):
    query = {"endpoint": endpoint, "values": values}
    assert client.get(URL_FOR_URL, query_string=query, headers=JSON).status_code == 400


def test_pages_list_the_rules_with_clickable_examples(client):
    html = client.get(MATCH_URL, query_string={"path": "/docs"}).get_data(as_text=True)
    assert "data-location>http://demo.local/docs/</span>" in html
    assert "/topics/routing/demo/match?path=/call/13800138000&amp;method=GET" in html
    assert client.get(URL_FOR_URL).status_code == 200


def test_xray_of_the_url_tester(client):
    body = client.get(MATCH_URL, query_string={"path": "/users/42"}, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    # The X-ray reports the site's own rule; the tester's map is a separate sandbox.
    assert trace["rule"] == "/topics/routing/demo/match"
    assert trace["endpoint"] == "routing.demo_match"
    assert trace["blueprint"] == "routing"
    assert trace["view_args"] == {}
