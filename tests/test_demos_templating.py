"""The templating demos: helpers, autoescaping, and the sandbox with its limits."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from app.topics.templating import demos as templating_demos

HELPERS_URL = "/topics/templating/demo/helpers"
AUTOESCAPE_URL = "/topics/templating/demo/autoescape"
SANDBOX_URL = "/topics/templating/demo/sandbox"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(read_only_app):
    """Share one app across this module: its demos only read."""
    return read_only_app


def test_helpers_render_with_extends_macro_and_every_helper(client):
    query = {"items": "tea = 12.5\nbike = 1299"}
    result = client.get(HELPERS_URL, query_string=query, headers=JSON).json["result"]
    output = result["output"]
    assert "<title>Cart · Sandbox shop</title>" in output  # block + super() + context processor
    assert "<header>Sandbox shop · 2026</header>" in output  # template_global year()
    assert "<li>Tea: ¥12.50</li>" in output  # macro + money filter + title filter
    assert "<li>Bike: ¥1,299.00 (expensive!)</li>" in output  # template_test
    assert "Total: ¥1,311.50" in output
    assert "url_for" in result["site_helpers"]["globals"]


def test_helpers_escape_item_names(client):
    output = client.get(HELPERS_URL, query_string={"items": "<b>x</b> = 1"}, headers=JSON).json["result"][
        "output"
    ]
    assert "<li>&lt;B&gt;" in output
    assert "<b>" not in output.lower()


@pytest.mark.parametrize("items", ["no price here", "x = abc", "\n".join(["a = 1"] * 11), "x = -5"])
def test_bad_items_are_a_400(client, items):
    assert client.get(HELPERS_URL, query_string={"items": items}, headers=JSON).status_code == 400


def test_autoescape_cases(client):
    text = "<script>alert(1)</script>"
    cases = client.get(AUTOESCAPE_URL, query_string={"text": text}, headers=JSON).json["result"]["cases"]
    verdicts = [(case["how"], case["autoescape"], case["raw"]) for case in cases]
    assert verdicts == [
        ("{{ text }}", True, False),
        ("{{ text }}", False, True),
        ("{{ text|safe }}", True, True),
        ("{% autoescape false %}…", True, True),
        ("text=Markup(text)", True, True),
        ('Markup("<em>{}</em>").format(text)', None, False),
    ]
    assert cases[0]["output"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert cases[5]["output"] == "<em>&lt;script&gt;alert(1)&lt;/script&gt;</em>"


def test_autoescape_page_never_injects_the_payload(client):
    text = "<script>alert('xss')</script>"
    html = client.get(AUTOESCAPE_URL, query_string={"text": text}).get_data(as_text=True)
    assert text not in html
    assert "&lt;script&gt;alert(" in html


def render(client, template):
    token = csrf_token(client, SANDBOX_URL)
    return client.post(SANDBOX_URL, data={"csrf_token": token, "template": template}, headers=JSON)


def test_sandbox_renders_a_template(client):
    response = render(client, "Hi {{ user.name }}: {{ items | join('+') }}")
    assert response.status_code == 200
    assert response.json["result"]["output"] == "Hi Ada: tea+milk+bread"


def test_sandbox_refuses_dunder_attributes(client):
    response = render(client, "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    assert response.status_code == 400
    result = response.json["result"]
    assert result["error"] == "SecurityError"
    assert "__class__" in result["message"]


def test_a_huge_range_is_refused(client):
    response = client.get(SANDBOX_URL, query_string={"example": "range"}, headers=JSON)
    assert response.status_code == 400
    assert response.json["result"]["error"] == "OverflowError"


def test_a_template_that_runs_too_long_is_stopped(client, monkeypatch):
    monkeypatch.setattr(templating_demos, "RENDER_TIMEOUT", 0.5)
    response = render(client, templating_demos.SANDBOX_EXAMPLES["forever"])
    assert response.status_code == 400
    assert response.json["result"]["error"] == "Timeout"


def test_too_much_output_is_refused(client):
    response = render(client, "{% for i in range(99999) %}spam {% endfor %}")
    assert response.status_code == 400
    assert response.json["result"]["error"] == "OutputTooLarge"


def test_syntax_errors_are_a_friendly_400(client):
    response = render(client, "line one\n{% for x in items %}")
    assert response.status_code == 400
    result = response.json["result"]
    assert result["error"] == "TemplateSyntaxError"
    assert result["lineno"] == 2


def test_a_one_megabyte_template_is_refused_with_400(client):
    token = csrf_token(client, SANDBOX_URL)
    big = "x" * 1_000_000
    response = client.post(SANDBOX_URL, json={"template": big}, headers={**JSON, "X-CSRFToken": token})
    assert response.status_code == 400
    assert "at most 5,000" in response.json["message"]


def test_a_template_just_over_the_limit_is_refused(client):
    assert render(client, "x" * 5_001).status_code == 400
    assert render(client, "x" * 5_000).status_code == 200


def test_sandbox_page_shows_the_error_with_the_form(client):
    html = client.get(SANDBOX_URL, query_string={"example": "dunder"}).get_data(as_text=True)
    assert 'data-sandbox-error="SecurityError"' in html
    assert 'name="template"' in html


def test_xray_of_the_sandbox_demo(client):
    body = client.get(SANDBOX_URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert (trace["rule"], trace["endpoint"], trace["blueprint"]) == (
        "/topics/templating/demo/sandbox",
        "templating.demo_sandbox",
        "templating",
    )
    assert "POST" in trace["methods"]
