"""Fuzz every route the app has, found by walking ``app.url_map``: hostile input is a 4xx, never a 5xx.

Nothing here lists routes or fields by hand. For each rule the test reads its methods and URL
converters, GETs its page and parses the forms on it, reads the field names of every WTForms
form class, and the keys the view's module reads from the request (``request.form.get("x")``,
``field_text("x")``, ``data.get("x")``). Then it sends a fixed set of hostile requests and a
bounded number of random ones (hypothesis), with valid CSRF tokens so each reaches its view.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from conftest import share_real_course
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter
from werkzeug.routing import PathConverter
from werkzeug.routing import Rule

from app import create_app
from app.extensions import db

#: Random cases per route and method, on top of the fixed hostile ones.
RANDOM_CASES = 6
BIG = [2**70, 2**63, 2**31, 2**31 - 1, -(2**31) - 1, -1, 0, 10**400]
HOSTILE_TEXT = [
    "",
    " ",
    "x" * 300_000,
    "\r\nSet-Cookie: planted=1",
    "/ok\r\nLocation: //evil.example",
    "/\t/evil.example",
    "//evil.example",
    "https:evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "²",
    "¹²³",
    "١٢٣",
    "٣",
    "1e309",
    "NaN",
    "-0",
    str(2**70),
    str(2**31),
    "-1",
    "A.A.A",
    "A" * 24,
    "é" * 24,
    '{"endpoint": "x"}',
    '{"values": {"endpoint": "x"}}',
    "[" * 2000,
    "{{ config }}{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "\x00",
    "\x00\x01\x7f",
    "\u202e\u2066",
    "\ufeff",
    "😀" * 100,
    "%",
    "%ff%fe",
]
#: The values every key of every route gets in the fixed pass (the random pass draws from HOSTILE_TEXT).
FIXED_TEXT = [
    "²",
    str(2**70),
    str(2**31),
    "-1",
    "",
    "\r\nSet-Cookie: planted=1",
    "/\t/evil.example",
    "A.A.A",
    "é" * 24,
    '{"endpoint": "x"}',
    "١٢٣",
    "\x00",
    "1e309",
    "x" * 300_000,
]
#: Form keys every POST also tries (the CSRF field included, with junk).
EXTRA_KEYS = ["next", "id", "attempt_id", "response_id", "question_id", "answer", "lang", "csrf_token"]
KEY_PATTERNS = [
    re.compile(
        r"""(?:form|args|values|files|data|body|payload|json)\.get(?:list)?\(\s*["']([A-Za-z_][\w-]{0,40})["']"""
    ),
    re.compile(r"""field_\w+\(\s*["']([A-Za-z_][\w-]{0,40})["']"""),
    re.compile(r"""\[\s*["']([A-Za-z_][\w-]{0,40})["']\s*\]"""),
]


class FormParser(HTMLParser):
    """Collect the names of a page's form fields, and its CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("input", "select", "textarea", "button"):
            return
        attributes = dict(attrs)
        name = attributes.get("name")
        if name:
            self.names.add(name)
            if name == "csrf_token" and attributes.get("value"):
                self.token = attributes["value"]


@dataclass
class Target:
    """One rule and method to fuzz, with everything discovered about it."""

    rule: Rule
    method: str
    keys: list[str] = field(default_factory=list)
    own_keys: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return ``METHOD /rule``."""
        return f"{self.method} {self.rule.rule}"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory) -> Iterator[Flask]:
    """Build a testing app (CSRF on) with an empty migrated-equivalent schema and the real course."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": None})
    share_real_course(app)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def form_classes() -> Iterator[type[FlaskForm]]:
    """Yield every WTForms form class the app defines (subclasses of FlaskForm, recursively)."""
    seen: set[type] = set()
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        yield cls


def form_field_names() -> set[str]:
    """Return the field names of every WTForms form class."""
    names: set[str] = set()
    for cls in form_classes():
        for attribute, value in vars(cls).items():
            if hasattr(value, "field_class"):
                names.add(attribute)
    return names


def source_keys(app: Flask, endpoint: str) -> set[str]:
    """Return the request keys the view's module reads (form, query and JSON keys)."""
    view = app.view_functions.get(endpoint)
    module = inspect.getmodule(view) if view is not None else None
    if module is None:
        return set()
    try:
        text = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    return {match for pattern in KEY_PATTERNS for match in pattern.findall(text)}


def real_values(app: Flask) -> dict[str, list]:
    """Return real values for the URL arguments (topics, lesson slugs, small ids)."""
    catalog = app.extensions["catalog"]
    topics = sorted(catalog.topics)
    return {"topic": topics, "slug": sorted(catalog.lessons), "int": [1, 2], "str": ["lobby"]}


def argument_kind(rule: Rule, name: str) -> str:
    """Return ``int``, ``path`` or ``str`` for a URL argument, from its converter."""
    converter = rule._converters.get(name)
    if isinstance(converter, IntegerConverter):
        return "int"
    if isinstance(converter, PathConverter):
        return "path"
    return "str"


ARGUMENT = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def build_path(rule: Rule, values: dict[str, object]) -> str:
    """Fill the rule's arguments with ``values``, percent-encoded (hostile ones included)."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        safe = "/" if argument_kind(rule, name) == "path" else ""
        return quote(str(values[name]), safe=safe)

    return ARGUMENT.sub(fill, rule.rule)


def discover(app: Flask, client: FlaskClient) -> list[Target]:
    """Walk the URL map: every non-websocket rule and method, with the keys it may read."""
    shared = form_field_names()
    real = real_values(app)
    targets = []
    for rule in app.url_map.iter_rules():
        if getattr(rule, "websocket", False):
            continue  # sockets are probed on a real server in test_websockets.py
        own = source_keys(app, rule.endpoint)
        if "GET" in rule.methods:
            values = {name: sensible(real, rule, name) for name in rule.arguments}
            page = client.get(build_path(rule, values))
            parser = FormParser()
            parser.feed(page.get_data(as_text=True))
            page.close()
            own |= parser.names
        keys = own | shared | set(EXTRA_KEYS)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            targets.append(Target(rule, method, sorted(keys), sorted(own)))
    return targets


def sensible(real: dict[str, list], rule: Rule, name: str) -> object:
    """Return a real value for a URL argument (so the first GET finds the page)."""
    kind = argument_kind(rule, name)
    if kind == "int":
        return 1
    if name in real:
        return real[name][0]
    if kind == "path":
        return "css/site.css"
    return "lobby"


def csrf_token(client: FlaskClient) -> str:
    """Return a CSRF token valid for ``client``'s session."""
    parser = FormParser()
    parser.feed(client.get("/auth/login").get_data(as_text=True))
    assert parser.token, "no CSRF token on /auth/login"
    return parser.token


def nested(depth: int) -> str:
    """Return a JSON object nested ``depth`` levels deep."""
    return '{"answer": ' + "[" * depth + "]" * depth + "}"


@dataclass
class Outcome:
    """What the fuzz sent and what came back."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)


def send(
    client: FlaskClient, target: Target, path: str, kind: str, payload, token: str, outcome: Outcome
) -> None:
    """Send one request; record its status, and a failure for a 5xx or an exception."""
    method = target.method
    headers = {"X-CSRFToken": token}
    kwargs: dict = {"headers": headers}
    if kind == "query":
        kwargs["query_string"] = payload
    elif kind == "form":
        kwargs["data"] = payload
    elif kind == "multipart":
        kwargs["data"] = payload
        kwargs["content_type"] = "multipart/form-data"
    elif kind == "json":
        kwargs["data"] = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        kwargs["content_type"] = "application/json"
    elif kind == "raw":
        kwargs["data"] = payload[1]
        kwargs["content_type"] = payload[0]
    outcome.sent += 1
    try:
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        response.close()
    except Exception as exc:  # the test client re-raises what the app did not handle
        outcome.statuses["exception"] += 1
        outcome.failures.setdefault(target.name, f"{kind}: {type(exc).__name__}: {str(exc)[:160]}")
        return
    outcome.statuses[status] += 1
    if status >= 500:
        outcome.failures.setdefault(
            target.name, f"{kind} -> {status} ({path[:120]!r}, {str(payload)[:160]!r})"
        )


def rotate(keys: list[str], values: list, offset: int) -> dict[str, object]:
    """Give each key a different value from ``values``, shifted by ``offset`` (one request, many probes)."""
    return {key: values[(i + offset) % len(values)] for i, key in enumerate(keys)}


def fixed_cases(target: Target, token: str) -> Iterator[tuple[str, object]]:
    """Yield the hostile requests every route gets, each key with each hostile kind of value."""
    own = [key for key in target.own_keys if key != "csrf_token"]
    keys = own + [key for key in target.keys if key not in own and key != "csrf_token"]
    yield "query", "next=%ff%fe%fd&key=%c3%28&email=%ed%a0%80&lang=%00"
    short = [value for value in FIXED_TEXT if len(value) < 10_000]
    for offset in range(len(short)):
        yield "query", rotate(keys, short, offset)
    if target.method == "GET":
        return
    for offset in range(len(FIXED_TEXT)):
        yield "form", {**rotate(keys, FIXED_TEXT, offset), "csrf_token": token}
    yield (
        "raw",
        (
            "application/x-www-form-urlencoded",
            b"csrf_token=" + token.encode() + b"&email=%ff%fe&answer=%ed%a0%80",
        ),
    )
    yield (
        "raw",
        ("application/x-www-form-urlencoded", b"a=" + b"x" * 900_000 + b"&csrf_token=" + token.encode()),
    )
    yield (
        "multipart",
        {"csrf_token": token, **{key: (io.BytesIO(b"\xff\xfe not text"), "evil.txt") for key in keys}},
    )
    for key in target.own_keys:
        if key != "csrf_token":
            yield "multipart", {"csrf_token": token, key: (io.BytesIO(b"\xff\xfe not text"), "evil.txt")}
    yield "raw", ("application/json", b'{"answer": "\xff\xfe"}')
    yield "raw", ("application/json", b"\xff\xfe\x00")
    yield "json", nested(1000)
    yield "json", nested(5000)
    yield "json", '{"answer": "\\ud800", "question_id": "\\udfff", "markdown": "\\ud800x", "text": "\\ud800"}'
    wrong_types = [None, True, 2**70, 2**31, -1, 1.5e308, [], {}, ["a", "b"], {"endpoint": "x"}, "\ud800"]
    for offset in range(0, len(wrong_types), max(1, min(len(keys), len(wrong_types)))):
        yield "json", json.dumps(rotate(keys, wrong_types, offset))
    for value in (2**70, {"endpoint": "x"}, "\ud800"):
        yield "json", json.dumps(dict.fromkeys(keys, value))
    yield "json", "[1, 2, 3]"
    yield "json", '"just a string"'
    yield "json", "{not json"


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BIG),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(HOSTILE_TEXT[:30]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
text_value = st.one_of(
    st.text(max_size=60), st.sampled_from(HOSTILE_TEXT), st.integers().map(str), st.sampled_from(BIG).map(str)
)


def random_case(draw, target: Target, token: str) -> tuple[str, object]:
    """Draw one random request for ``target``."""
    keys = draw(st.lists(st.sampled_from(target.keys), max_size=6, unique=True))
    kinds = ["query"] if target.method == "GET" else ["form", "json", "multipart", "query"]
    kind = draw(st.sampled_from(kinds))
    if kind == "query":
        return kind, {key: draw(text_value) for key in keys if True}
    if kind == "json":
        return kind, json.dumps({key: draw(json_value) for key in keys})
    fields = {key: draw(text_value) for key in keys}
    if kind == "multipart" and keys:
        fields[keys[0]] = (io.BytesIO(draw(st.binary(max_size=64))), draw(st.text(max_size=20)) or "f")
    fields["csrf_token"] = token if draw(st.booleans()) or kind == "multipart" else draw(text_value)
    return kind, fields


def random_path(draw, target: Target, real: dict[str, list]) -> str:
    """Draw URL arguments: usually real ones (to reach the view), sometimes hostile ones."""
    values: dict[str, object] = {}
    for name in target.rule.arguments:
        kind = argument_kind(target.rule, name)
        hostile = st.sampled_from(BIG) if kind == "int" else text_value.filter(lambda s: s not in ("", "."))
        choices = real.get(name) or real["int" if kind == "int" else "str"]
        values[name] = draw(st.one_of(st.sampled_from(choices), hostile))
    return build_path(target.rule, values)


def random_requests(target: Target, client: FlaskClient, real: dict[str, list], token: str, outcome: Outcome):
    """Return a hypothesis test sending ``RANDOM_CASES`` random requests to ``target``."""

    @settings(
        max_examples=RANDOM_CASES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data) -> None:
        path = random_path(data.draw, target, real)
        kind, payload = random_case(data.draw, target, token)
        send(client, target, path, kind, payload, token, outcome)

    return run


def test_every_route_survives_hostile_input(fuzz_app: Flask) -> None:
    """Issue 9, resilience suite "fuzz" (and item 4, unhandled input): no route answers 5xx to hostile input.

    Routes, methods, converters and fields are discovered from ``app.url_map``, the pages' forms,
    the WTForms classes and the views' modules, so a new route is fuzzed without being listed.
    """
    client = fuzz_app.test_client()
    token = csrf_token(client)
    targets = discover(fuzz_app, client)
    token = csrf_token(client)
    real = real_values(fuzz_app)
    outcome = Outcome()
    assert len(targets) >= 40, [t.name for t in targets]

    for target in targets:
        default_path = build_path(
            target.rule, {n: sensible(real, target.rule, n) for n in target.rule.arguments}
        )
        for kind, payload in fixed_cases(target, token):
            send(client, target, default_path, kind, payload, token, outcome)
        for name in target.rule.arguments:
            for value in BIG + HOSTILE_TEXT[3:12]:
                values = {n: sensible(real, target.rule, n) for n in target.rule.arguments} | {name: value}
                send(client, target, build_path(target.rule, values), "query", {}, token, outcome)

        random_requests(target, client, real, token, outcome)()

    print(
        f"\nfuzz: {outcome.sent} requests to {len(targets)} route/method pairs; "
        f"statuses {dict(sorted(outcome.statuses.items(), key=str))}; "
        f"{len(outcome.failures)} routes with a 5xx"
    )
    assert outcome.failures == {}, "\n".join(
        f"{name}: {why}" for name, why in sorted(outcome.failures.items())
    )
