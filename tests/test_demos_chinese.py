"""Every demo in Chinese: the page, its JSON, its X-ray and its error messages carry no English prose.

English is allowed where it is code (``code``, ``pre``, ``kbd``, ``samp``), a URL, or a proper
name (Flask, Werkzeug, Redis, …). A run of three or more other English words fails the test,
wherever a learner can see it: page text, the words handed to the page's scripts (``data-*``
JSON attributes), the JSON a demo answers and the X-ray of its request.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from app.demos import DEMOS

ZH = {"Accept-Language": "zh"}
ZH_JSON = {"Accept-Language": "zh", "Accept": "application/json"}

#: Names and identifiers that stay in English in Chinese text.
PROPER_NAMES = {
    "flask",
    "werkzeug",
    "jinja",
    "jinja2",
    "redis",
    "sqlalchemy",
    "wsgi",
    "asgi",
    "python",
    "gunicorn",
    "gevent",
    "gthread",
    "blinker",
    "websocket",
    "websockets",
    "http",
    "https",
    "html",
    "json",
    "url",
    "urls",
    "api",
    "csrf",
    "wtforms",
    "msgpack",
    "sqlite",
    "postgresql",
    "itsdangerous",
    "markupsafe",
    "click",
    "pyodide",
    "chromium",
    "nginx",
    "ttl",
    "id",
    "ids",
    "get",
    "post",
    "put",
    "delete",
    "head",
    "ok",
    "utc",
    "rfc",
    "sha1",
    "base64",
    "guid",
    "socket",
    "io",
    "pub",
    "sub",
    "eventlet",
    "uwsgi",
    "unix",
    "tcp",
    "pid",
    "gc",
    "hmac",
    "sha",
    "utf",
    "ascii",
    "none",
    "true",
    "false",
    "null",
    "ms",
}
#: Elements whose text is code (or not shown as prose).
CODE_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "textarea", "var", "option"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
#: A prose word: lower case, or capitalized (random tokens like "VhAo" are not prose).
PROSE = re.compile(r"[A-Za-z][a-z'’]*")
#: Between two words of one run: spaces and light punctuation, nothing else.
JOINER = re.compile(r"^[\s,;:'’\-–—()]*$")
#: URLs, file names, identifiers, calls, and Python's own messages quoted after their exception.
URLISH = re.compile(
    r"\b\w+(?:Error|Exception): [^。，；\n]*|\b\w+(?::[\w-]+)+|\b(?:https?://|/)[^\s]*|\b[\w.-]+\.(?:py|html|js|css|ini|toml)\b|[\w.]*_[\w.]*|\b\w+\(\)"
)


def english_runs(text: str, limit: int = 3) -> list[str]:
    """Return each run of ``limit`` or more English prose words in ``text``."""
    text = URLISH.sub(" ¶ ", text)
    runs, current, last_end = [], [], 0
    for match in WORD.finditer(text):
        word = match.group(0)
        ordinary = (
            word.lower().strip("'’") not in PROPER_NAMES
            and PROSE.fullmatch(word) is not None
            and len(word) > 1
        )
        joined = current and JOINER.match(text[last_end : match.start()])
        if ordinary and (joined or not current):
            current.append(word)
        else:
            if len(current) >= limit:
                runs.append(" ".join(current))
            current = [word] if ordinary else []
        last_end = match.end()
    if len(current) >= limit:
        runs.append(" ".join(current))
    return runs


class VisibleText(HTMLParser):
    """Collect the prose of ``<main>`` outside code, and the JSON of ``data-*strings`` attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth_main = 0
        self.code = 0
        self.chunks: list[str] = []
        self.strings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth_main += 1
        if tag in CODE_TAGS:
            self.code += 1
        for name, value in attrs:
            if name.startswith("data-") and name.endswith("strings") and value:
                self.strings.extend(flatten(json.loads(value)))
            elif name in ("aria-label", "title", "placeholder") and value and self.depth_main:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth_main -= 1
        if tag in CODE_TAGS and self.code:
            self.code -= 1

    def handle_data(self, data: str) -> None:
        if self.depth_main and not self.code:
            self.chunks.append(data)


def flatten(value) -> list[str]:
    """Return every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in flatten(item)]
    if isinstance(value, list):
        return [s for item in value for s in flatten(item)]
    return []


def demo_urls(app) -> list[str]:
    """Return the URL of every registered demo page."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in DEMOS and not rule.arguments:
            urls.append(rule.rule)
    return sorted(urls)


def page_problems(html: str) -> list[str]:
    """Return the English runs a learner sees on a page (prose and script strings)."""
    parser = VisibleText()
    parser.feed(html)
    problems = [run for chunk in parser.chunks for run in english_runs(chunk)]
    return problems + [run for text in parser.strings for run in english_runs(text)]


def test_the_checker_finds_english_and_spares_code_and_names():
    assert english_runs("请把 the session cookie 发给服务器") == ["the session cookie"]
    assert english_runs("用 Flask 和 Werkzeug 的 WSGI 服务器") == []
    assert english_runs("调用 app.test_client() 与 /topics/x/demo") == []
    problems = page_problems("<main><p>中文 <code>not a problem here</code></p><p>but this is one</p></main>")
    assert problems == ["but this is one"]
    assert page_problems('<main><div data-strings=\'{"a": "still in English here"}\'></div></main>')


@pytest.fixture
def demo_pages(app):
    return demo_urls(app)


def test_every_demo_page_is_chinese(client, demo_pages):
    assert len(demo_pages) >= 25
    found = {}
    for url in demo_pages:
        response = client.get(url, headers=ZH)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="zh"' in html
        problems = page_problems(html)
        if problems:
            found[url] = problems
    assert found == {}


def test_every_demo_json_and_xray_is_chinese(client, demo_pages):
    found = {}
    for url in demo_pages:
        body = client.get(url, headers={**ZH_JSON, "X-Demo-Partial": "1"}).json
        problems = [run for part in body["html"].values() for run in page_problems(f"<main>{part}</main>")]
        trace = client.get(body["xray_url"], headers=ZH_JSON).json
        for event in trace["events"]:
            if event["kind"] in ("context", "view"):
                problems += english_runs(event["name"]) + english_runs(event["detail"])
        if problems:
            found[url] = problems
    assert found == {}


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/topics/websockets/demo/chat", {"room": "NOT A ROOM"}),
        ("/topics/websockets/demo/echo", {"key": "short"}),
        ("/topics/routing/demo/match", {"path": "x" * 5000}),
        ("/topics/signals/demo/trace", {"path": "/nowhere"}),
    ],
)
def test_demo_json_errors_are_chinese(client, url, params):
    response = client.get(url, query_string=params, headers=ZH_JSON)
    assert 400 <= response.status_code < 500
    message = response.json["message"]
    assert message and english_runs(message) == []
