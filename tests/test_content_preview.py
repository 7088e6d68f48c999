"""The instructor preview: who may use it, what it renders, what it strips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import csrf_token

from app.content.preview import MAX_PREVIEW_BYTES
from app.content.preview import render_preview
from app.content.preview import sanitize

FIXTURES = Path(__file__).parent / "fixtures" / "content"
PAGE = "/instructor/preview"
JSON = "/instructor/preview.json"

MARKDOWN = """## Hello

<script>alert("x")</script>
<img src="x.png" onerror="alert(1)">
[click](javascript:alert(1)) and [the intro](lesson:what-is-flask)

```python
print("hi")
```

!!! interview "Sixty seconds"
    Say it short.
"""


@pytest.fixture
def course(app_settings):
    """Use the small valid fixture course."""
    app_settings.update(
        LESSONS_DIR=str(FIXTURES / "valid" / "lessons"), QUIZZES_DIR=str(FIXTURES / "valid" / "quizzes")
    )


@pytest.fixture
def instructor(course, auth):
    """Log in as an instructor."""
    auth.create_user("teach@example.com", role="instructor")
    auth.login("teach@example.com")
    return auth


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    # Without a token CSRF refuses the post first; with one, the visitor is sent to log in.
    assert client.post(JSON, json={"markdown": "x"}).status_code == 400
    token = csrf_token(client, "/")
    response = client.post(JSON, json={"markdown": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_learners_are_refused(client, auth):
    auth.create_user()
    auth.login()
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/")
    response = client.post(JSON, json={"markdown": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403


def test_instructors_get_the_form(client, instructor):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="csrf_token"' in page and "<textarea" in page
    assert 'src="/static/js/preview.js?v=' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline scripts
    assert " style=" not in page


def test_the_form_post_renders_sanitized_html(client, instructor):
    token = csrf_token(client, PAGE)
    response = client.post(PAGE, data={"markdown": MARKDOWN, "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page[page.index("data-preview-output") :]
    assert '<h2 id="hello">Hello' in preview
    assert '<span class="nb">print</span>' in preview  # highlight classes survive
    assert '<div class="admonition interview">' in preview
    assert '<a href="/topics/intro/what-is-flask" rel="noopener noreferrer">the intro</a>' in preview
    assert "<script>alert" not in page  # the textarea shows the input escaped
    assert "onerror" not in preview
    assert "javascript:" not in preview


def test_the_form_post_needs_a_csrf_token(client, instructor):
    assert client.post(PAGE, data={"markdown": "x"}).status_code == 400


def test_the_json_endpoint_renders_with_the_csrf_header(client, instructor):
    token = csrf_token(client, PAGE)
    response = client.post(JSON, json={"markdown": MARKDOWN}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    data = response.get_json()
    assert '<span class="nb">print</span>' in data["html"]
    assert "<script" not in data["html"] and "onerror" not in data["html"]
    assert data["problems"] == []
    assert data["title"] is None


def test_the_json_endpoint_lists_problems(client, instructor):
    token = csrf_token(client, PAGE)
    text = "---\ntitle: Draft\n---\n\n[x](lesson:nope)\n\n```python\ndef f(:\n```\n"
    data = client.post(JSON, json={"markdown": text}, headers={"X-CSRFToken": token}).get_json()
    assert data["title"] == "Draft"
    assert "link to unknown lesson 'nope'" in data["problems"]
    assert "line 8: Python block does not compile: invalid syntax" in data["problems"]


def test_the_json_endpoint_refuses_without_csrf_or_with_bad_bodies(client, instructor):
    assert client.post(JSON, json={"markdown": "x"}).status_code == 400
    token = csrf_token(client, PAGE)
    response = client.post(JSON, json={"text": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "markdown" in response.get_json()["message"]


def test_oversized_input_is_refused(client, instructor):
    token = csrf_token(client, PAGE)
    big = "x" * (MAX_PREVIEW_BYTES + 1)
    response = client.post(JSON, json={"markdown": big}, headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert "too long" in response.get_json()["message"]
    response = client.post(PAGE, data={"markdown": "中" * (MAX_PREVIEW_BYTES // 3 + 1), "csrf_token": token})
    assert response.status_code == 413
    assert "too long to preview" in response.get_data(as_text=True)


# -- the sanitizer on its own ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "kept", "dropped"),
    [
        ("<p onclick='x()'>a</p>", "<p>a</p>", "onclick"),
        ('<a href="javascript:alert(1)">a</a>', "<a", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">a</a>', "<a", "ascript:"),
        ('<img src="data:text/html,x">', "<img", "data:"),
        ("<svg><script>alert(1)</script></svg>", "", "alert"),
        ("<style>body{}</style><p>a</p>", "<p>a</p>", "body{}"),
        ('<div style="color:red">a</div>', "<div>a</div>", "style"),
        ('<input type="text" value="x">', "<input>", "text"),
        ('<iframe src="https://example.com"></iframe>', "", "iframe"),
        ('<span class="nb">print</span>', '<span class="nb">print</span>', "\x00"),
        ('<input type="radio" id="t1" name="t" checked>', 'type="radio"', "\x00"),
    ],
)
def test_sanitize(html, kept, dropped):
    clean = sanitize(html)
    assert kept in clean
    assert dropped not in clean


def test_render_preview_without_an_app_keeps_structure():
    preview = render_preview(
        '=== "A"\n    one\n\n=== "B"\n    two\n\n??? note "More"\n    hidden\n\n- [x] done\n'
    )
    assert '<div class="tabbed-set tabbed-alternate" data-tabs="1:2">' in preview.html
    assert '<label for="__tabbed_1_2">B</label>' in preview.html
    assert '<details class="note">' in preview.html
    assert 'type="checkbox"' in preview.html
