"""Chinese, everywhere: every page and demo, read in Chinese, has no run of English words.

The walk covers every GET route that needs no argument (the site's pages and every live
demo), each topic, lesson, quiz and question page of the catalog, search result pages, and
the example links a demo page offers (its "Try" links to itself with a query). On each page
it reads what a learner can see: the text, the attributes a browser shows (``title``, ``alt``,
``placeholder``, ``aria-label``, a button's ``value``) and the strings handed to JavaScript
in ``data-`` attributes (JSON or plain). A run of three or more English words fails, except
inside ``<code>``, ``<pre>``, ``<kbd>``, ``<samp>`` and ``<script>``/``<style>``, in an
element marked ``lang="en"`` (the language switch's "English"), in URLs, in identifiers
(``before_request``, ``g.user``, ``MethodView``) and acronyms (``WSGI``, ``HTTP``), and the
proper names of ``PROPER_NAMES``.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.model import Catalog
from app.search.measure import QUERIES

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
#: Routes that answer JSON or health checks, not a page to read.
NOT_PAGES = {"static", "main.healthz", "main.readyz", "search.search_json"}
#: Names kept in English in the Chinese course (products, packages, people, standards).
PROPER_NAMES = (
    "Inside Flask",
    "Flask-SQLAlchemy",
    "Flask-Session",
    "Flask-WTF",
    "Flask-Login",
    "Flask-Migrate",
    "flask-sock",
    "Flask",
    "Werkzeug",
    "Jinja2",
    "Jinja",
    "MarkupSafe",
    "itsdangerous",
    "Click",
    "click",
    "Blinker",
    "blinker",
    "SQLAlchemy",
    "Redis",
    "redis-py",
    "PostgreSQL",
    "SQLite",
    "MySQL",
    "gunicorn",
    "Gunicorn",
    "nginx",
    "Tornado",
    "DBUtils",
    "WTForms",
    "Python",
    "Pygments",
    "Alembic",
    "Chromium",
    "Playwright",
    "GitHub",
    "English",
    "JavaScript",
    "WebSocket",
    "Pallets",
)
#: Searches whose result pages are read: what learners type (identifiers, words, Chinese, typos,
#: prefixes), and words found in code and error messages. A query of several English words is
#: left out: the page repeats what the reader typed (its title, "nothing matches …"), in English.
SEARCH_QUERIES = [query for query in QUERIES if " " not in query or not query.isascii()] + [
    "RuntimeError",
    "TypeError",
    "MethodView",
    "jsonify",
    "render_template",
    "CSRF",
    "405",
    "表单",
    "错误",
    "应用上下文",
    "扩展",
]
#: The attributes a browser shows to a reader or reads aloud.
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription")
#: Elements whose content is code, or what the learner typed (a demo's editable template).
SKIP_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "template", "svg", "textarea"}
#: ``data-`` attributes that carry code for the playground's editor and its preset requests, not words.
CODE_ATTRIBUTES = {"data-code", "data-requests"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

#: Words joined without a space (``X-Elapsed-Ms``, ``insideflask:chat:lobby``) are one name.
COMPOUND = re.compile(r"\w+(?:[-:]\w+)+")
URL = re.compile(r"(?:https?|wss?)://\S+|(?<![\w])/[\w\-./?=&%#:]+")
#: An identifier or other code-like token: dotted, underscored, called, CamelCase, with digits.
CODE_TOKEN = re.compile(
    r"[\w.]*[_.()\[\]<>=@{}$\\/|*#][\w.()\[\]<>=@{}'\"$/|*#-]*|[A-Za-z]+[a-z][A-Z]\w*|\w*\d\w*"
)
ACRONYM = re.compile(r"\b[A-Z]{2,}s?\b")
NAMES = re.compile("|".join(re.escape(name) for name in sorted(PROPER_NAMES, key=len, reverse=True)))
#: Three or more English words in a row, separated by spaces and light punctuation only.
RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t,;:\-–—]+[A-Za-z][A-Za-z'’]*){2,}")


def english_runs(text: str) -> list[str]:
    """Return each run of three or more English words in ``text`` (code, URLs and names removed)."""
    cleaned = URL.sub(" ¦ ", text)
    cleaned = NAMES.sub(" ¦ ", cleaned)
    cleaned = CODE_TOKEN.sub(" ¦ ", cleaned)
    cleaned = COMPOUND.sub(" ¦ ", cleaned)
    cleaned = ACRONYM.sub(" ¦ ", cleaned)
    return [match.group(0) for match in RUN.finditer(cleaned)]


def data_strings(value: str) -> list[str]:
    """Return the human strings in a ``data-`` attribute: every string of its JSON, or the value."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    rv: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            rv.append(item)
        elif isinstance(item, dict):
            for child in item.values():
                walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(parsed)
    return rv


class VisibleText(HTMLParser):
    """Collect the text and shown attributes of a page, outside code and ``lang="en"``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.json_script = False

    @property
    def skipping(self) -> bool:
        """Return whether the current element is exempt (code, script, English on purpose)."""
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Read an element's shown attributes, then open it."""
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        english = values.get("lang", "").startswith("en")
        exempt = tag in SKIP_TAGS or english
        if not (self.skipping or english):
            for name, value in values.items():
                if name in SHOWN_ATTRIBUTES or (
                    tag == "input" and name == "value" and values.get("type") in ("submit", "button")
                ):
                    self.chunks.append((f"<{tag} {name}>", value))
                elif name.startswith("data-") and name not in CODE_ATTRIBUTES and value:
                    self.chunks.extend((f"<{tag} {name}>", text) for text in data_strings(value))
        self.json_script = tag == "script" and values.get("type", "").endswith("json")
        if tag not in VOID_TAGS:
            self.stack.append((tag, exempt))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Read a self-closed element's attributes."""
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open ``tag`` (and whatever was left open inside it)."""
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        """Keep text outside exempt elements; the strings of a JSON script block too."""
        if self.json_script and self.stack and self.stack[-1][0] == "script":
            self.chunks.extend(("<script json>", text) for text in data_strings(data))
        elif not self.skipping and data.strip():
            where = self.stack[-1][0] if self.stack else "document"
            self.chunks.append((f"<{where}>", data))


def english_on(html: str) -> tuple[list[str], list[str]]:
    """Return (each English run found with where it was, the page's links)."""
    parser = VisibleText()
    parser.feed(html)
    found = [f"{where} {run!r}" for where, text in parser.chunks for run in english_runs(text)]
    return found, parser.links


def walk(client: FlaskClient, paths: list[str], follow_examples: bool = False) -> dict[str, list[str]]:
    """Open each path in Chinese; return path → the English runs on it."""
    found: dict[str, list[str]] = {}
    starts = list(dict.fromkeys(paths))
    queue = list(starts)
    seen = set(queue)
    while queue:
        path = queue.pop(0)
        response = client.get(path, headers=ZH)
        assert response.status_code < 500, f"{path} answered {response.status_code}"
        if response.mimetype != "text/html":
            continue
        runs, links = english_on(response.get_data(as_text=True))
        if runs:
            found[path] = runs
        # Examples are followed one step from a demo's own page, not from the pages they open.
        if not follow_examples or path not in starts:
            continue
        base = urlsplit(path).path
        for link in links:
            parts = urlsplit(link)
            # A demo's example links: the same demo with a query, shown in place of a form.
            if not parts.netloc and parts.path == base and parts.query:
                target = f"{parts.path}?{parts.query}"
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return found


def report(found: dict[str, list[str]]) -> str:
    """Return the findings, one page a block."""
    return "English on Chinese pages:\n" + "\n".join(
        f"{path}\n  " + "\n  ".join(runs) for path, runs in sorted(found.items())
    )


@pytest.fixture
def course(app: Flask) -> Catalog:
    """Return the catalog ``app`` shows."""
    return app.extensions["content"].get()


def argument_free_pages(app: Flask, demos: bool) -> list[str]:
    """Return the GET routes without arguments: the demos, or every other page."""
    rv = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_PAGES:
            continue
        if ("/demo/" in rule.rule) == demos:
            rv.append(rule.rule)
    return sorted(rv)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("请求上下文在 before_request 之前推入。", []),
        ("用 Flask 和 Werkzeug 写的 WSGI 应用", []),
        ("见 https://flask.palletsprojects.com/en/stable/api/ 与 /topics/context/", []),
        ("调用 MethodView.as_view('x') 时", []),
        ("ms since the request began", ["ms since the request began"]),
        ("X-ray: this very request", ["this very request"]),
        ("状态：Connection closed cleanly", ["Connection closed cleanly"]),
        ("Flask 3.1 · Werkzeug 3.1", []),
    ],
)
def test_english_runs(text: str, runs: list[str]) -> None:
    """A run is three English words in a row, not counting names, code, URLs and acronyms."""
    assert english_runs(text) == runs


def test_data_attributes_and_code_are_read_or_skipped() -> None:
    """Strings for scripts in ``data-`` attributes are read; code and ``lang="en"`` are not."""
    html = (
        '<p>你好 <code>not this one</code></p><button lang="en">English on purpose here</button>'
        """<div data-labels='{"open": "Connection is open", "n": 3}' title="a tooltip with words"></div>"""
        "<pre>print the things</pre><samp>sample output text</samp>"
    )
    found, _ = english_on(html)
    assert found == [
        "<div data-labels> 'Connection is open'",
        "<div title> 'a tooltip with words'",
    ]


def test_every_page_is_in_chinese(app: Flask, client: FlaskClient, course: Catalog) -> None:
    """The site's pages, every topic, lesson and quiz, and an error page read in Chinese."""
    paths = argument_free_pages(app, demos=False)
    paths += ["/no-such-page", "/search?q=zzzzqqq"]
    # Search results: their snippets keep a lesson's inline code as <code>, so code and quoted
    # English error messages inside a Chinese sentence are code there too.
    paths += [f"/search?q={quote(query)}" for query in SEARCH_QUERIES]
    for topic, slugs in course.topics.items():
        paths.append(f"/topics/{topic}/")
        paths.extend(f"/topics/{topic}/{slug}" for slug in slugs)
    paths.extend(f"/topics/{quiz.topic}/quiz" for quiz in course.quizzes.values())
    # Every question's own page (about a second for the whole course): prompt, answer, explanation.
    paths.extend(
        f"/topics/{quiz.topic}/questions/{question.id}"
        for quiz in course.quizzes.values()
        for question in quiz.questions
    )
    found = walk(client, paths)
    assert not found, report(found)


def test_every_demo_is_in_chinese(app: Flask, client: FlaskClient) -> None:
    """Every live demo, and each example it links to, reads in Chinese (X-ray included)."""
    demos = argument_free_pages(app, demos=True)
    assert len(demos) >= 20
    found = walk(client, demos, follow_examples=True)
    assert not found, report(found)
