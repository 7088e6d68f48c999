"""Live demos of the routing topic: a URL tester and url_for, against one demo URL map."""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter
from werkzeug.routing import BuildError
from werkzeug.routing import RequestRedirect
from werkzeug.routing import Rule

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.routing import bp

#: The host the demo map is bound to (it is never contacted).
DEMO_HOST = "demo.local"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_VALUES = 10
ARG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}\Z")
#: ``url_for``'s own parameters: a value with one of these names would collide with it.
URL_FOR_PARAMETERS = frozenset(
    name for name in inspect.signature(Flask.url_for).parameters if name not in ("self", "values")
)


@dataclass(frozen=True)
class PhoneNumber:
    """An 11-digit mainland China mobile number, as the view receives it."""

    digits: str

    def __str__(self) -> str:
        """Group the digits the way people read them: 138 0013 8000."""
        return f"{self.digits[:3]} {self.digits[3:7]} {self.digits[7:]}"


class PhoneConverter(BaseConverter):
    """Match ``1[3-9]`` and nine more digits, and hand the view a PhoneNumber.

    Notice: ``regex`` decides what the URL part may look like; ``to_python`` turns the
    matched text into the value the view gets; ``to_url`` is the reverse, for ``url_for``.
    """

    regex = r"1[3-9]\d{9}"

    def to_python(self, value: str) -> PhoneNumber:
        """Turn the matched URL text into the value the view receives."""
        return PhoneNumber(value)

    def to_url(self, value: PhoneNumber | str) -> str:
        """Turn a value given to url_for back into URL text, refusing what regex would not match."""
        digits = value.digits if isinstance(value, PhoneNumber) else str(value)
        if not re.fullmatch(self.regex, digits):
            raise ValueError(f"{digits!r} is not an 11-digit mobile number")
        return digits


#: (rule, endpoint, options, examples as "METHOD path") - the whole demo map, in one table.
DEMO_RULES: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...] = (
    ("/", "index", {}, ("GET /",)),
    (
        "/users/<int:user_id>",
        "user_profile",
        {},
        ("GET /users/42", "GET /users/abc", "GET /users/-1", "DELETE /users/42"),
    ),
    ("/prices/<float:amount>", "price", {}, ("GET /prices/9.99", "GET /prices/10")),
    ("/files/<path:filename>", "download", {}, ("GET /files/reports/2024/q1.pdf",)),
    (
        "/orders/<uuid:order_id>",
        "order",
        {},
        ("GET /orders/6f1c2e0a-8b4d-4c53-9a7e-3f2d1c0b9a88", "GET /orders/123"),
    ),
    ("/lang/<any(en, zh):code>", "language", {}, ("GET /lang/zh", "GET /lang/fr")),
    ("/call/<phone:number>", "call", {}, ("GET /call/13800138000", "GET /call/12345678901")),
    ("/docs/", "docs", {}, ("GET /docs/", "GET /docs")),
    ("/about", "about", {}, ("GET /about", "GET /about/")),
    (
        "/old-profile/<int:user_id>",
        "old_profile",
        {"redirect_to": "/users/<user_id>"},
        ("GET /old-profile/7",),
    ),
    ("/blog/", "blog", {"defaults": {"page": 1}}, ("GET /blog/",)),
    ("/blog/page/<int:page>", "blog", {}, ("GET /blog/page/2", "GET /blog/page/1")),
    ("/items", "items", {"methods": ["GET", "POST"]}, ("POST /items", "PUT /items")),
    (
        "/items/<int:item_id>",
        "item",
        {"methods": ["GET", "PUT", "DELETE"]},
        ("PUT /items/3", "PATCH /items/3"),
    ),
)


@functools.cache
def demo_app() -> Flask:
    """Build the sandbox app whose ``url_map`` both demos use (once; it is never changed).

    Notice: a custom converter is registered on ``url_map.converters`` *before* any rule
    uses it; ``add_url_rule`` without a view function still adds the rule.
    """
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["phone"] = PhoneConverter
    for rule, endpoint, options, _examples in DEMO_RULES:
        app.add_url_rule(rule, endpoint, **options)
    return app


def describe_arguments(args: dict[str, Any], rule: Rule) -> list[dict[str, Any]]:
    """Return each converted argument with its Python type, and whether it came from ``defaults``."""
    defaults = rule.defaults or {}
    return [
        {"name": name, "value": repr(value), "type": type(value).__name__, "from_defaults": name in defaults}
        for name, value in args.items()
    ]


def match_url(path: str, method: str) -> dict[str, Any]:
    """Match a path and method against the demo map, as Flask does before calling a view.

    Notice: a miss is not a return value but an exception - ``NotFound`` (404),
    ``MethodNotAllowed`` (405, with the allowed methods) or ``RequestRedirect`` (308,
    with the new URL); Flask turns each into its response.
    """
    path_info, _sep, query = path.partition("?")
    adapter = demo_app().url_map.bind(DEMO_HOST, url_scheme="http")
    try:
        rule, args = adapter.match(unquote(path_info), method, return_rule=True, query_args=query)
    except RequestRedirect as redirect:
        return {"outcome": "redirect", "status": redirect.code, "location": redirect.new_url}
    except MethodNotAllowed as error:
        return {"outcome": "method_not_allowed", "status": 405, "allowed": sorted(error.valid_methods or ())}
    except NotFound:
        return {"outcome": "not_found", "status": 404}
    return {
        "outcome": "match",
        "status": 200,
        "rule": rule.rule,
        "endpoint": rule.endpoint,
        "methods": sorted(rule.methods or ()),
        "arguments": describe_arguments(args, rule),
    }


def rule_table() -> list[dict[str, Any]]:
    """Return the demo rules with their options and clickable examples, for the page."""
    table = []
    for rule, endpoint, options, examples in DEMO_RULES:
        shown = [f"{key}={value!r}" for key, value in options.items() if key != "methods"]
        methods = options.get("methods", ["GET"])
        links = [dict(zip(("method", "path"), example.split(" ", 1), strict=True)) for example in examples]
        table.append(
            {"rule": rule, "endpoint": endpoint, "methods": methods, "options": shown, "examples": links}
        )
    return table


def read_path_and_method() -> tuple[str, str]:
    """Return the path and method typed by the learner, checked."""
    path = field_text("path", "/users/42", limit=300).strip()
    method = field_text("method", "GET", limit=10).upper()
    if not path.startswith("/") or any(ch.isspace() or ord(ch) < 32 for ch in path):
        raise BadRequest(_("A path starts with / and has no spaces, like /users/42."))
    if method not in METHODS:
        raise BadRequest(_("Choose one of %(methods)s.", methods=", ".join(METHODS)))
    return path, method


@demo(
    bp,
    "/match",
    title=_l("URL tester: which rule matches?"),
    summary=_l(
        "Type a path and a method; Werkzeug's MapAdapter.match() answers with a rule, a 404, a 405 or a 308."
    ),
)
def demo_match():
    """Match the learner's path and method against the demo URL map."""
    path, method = read_path_and_method()
    result = {"path": path, "method": method, **match_url(path, method)}
    return render_demo(
        "routing/match.html",
        result=result,
        sources=[match_url, PhoneConverter, demo_app, describe_arguments],
        rules=rule_table(),
        methods=METHODS,
    )


def parse_values(text: str) -> dict[str, Any]:
    """Read ``name=value`` lines into the keyword arguments for ``url_for``."""
    values = {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_VALUES:
        raise BadRequest(_("Give at most %(count)d values.", count=MAX_VALUES))
    for line in lines:
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not ARG_NAME.match(name):
            message = _("%(line)r is not a name=value line.", line=line[:60])
            hint = _("Names start with a letter; _anchor and _external have their own fields.")
            raise BadRequest(f"{message} {hint}")
        if name in URL_FOR_PARAMETERS:
            raise BadRequest(_("%(name)s is a parameter of url_for() itself, not a value.", name=name))
        values[name] = as_python_value(value.strip())
    return values


def as_python_value(text: str) -> int | str:
    """Pass digits as an ``int`` and anything else as a ``str``, as a view's code would."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else text


def build_url(endpoint: str, values: dict[str, Any], anchor: str, external: bool) -> dict[str, Any]:
    """Call ``url_for`` on the demo app, the reverse of matching.

    Notice: values named in the rule fill it in (through each converter's ``to_url``);
    any other value becomes the query string; a missing one is a ``BuildError``.
    """
    app = demo_app()
    rules = list(app.url_map.iter_rules(endpoint))
    needed = sorted(set().union(*(rule.arguments - set(rule.defaults or {}) for rule in rules)))
    with app.test_request_context(base_url=f"http://{DEMO_HOST}/"):
        try:
            url = app.url_for(endpoint, _anchor=anchor or None, _external=external, **values)
        except BuildError as error:
            missing = [name for name in needed if name not in values]
            return {"outcome": "build_error", "error": str(error), "needed": needed, "missing": missing}
        except ValueError as error:
            return {"outcome": "value_error", "error": str(error), "needed": needed, "missing": []}
    in_rule = set().union(*(rule.arguments for rule in rules))
    return {
        "outcome": "built",
        "url": url,
        "needed": needed,
        "in_path": sorted(name for name in values if name in in_rule),
        "in_query": sorted(name for name in values if name not in in_rule),
    }


@demo(
    bp,
    "/url-for",
    title=_l("url_for: building URLs from endpoints"),
    summary=_l("Pick an endpoint of the demo map, give values, and see the URL - or the BuildError."),
)
def demo_url_for():
    """Build a URL for an endpoint of the demo map with the learner's values."""
    endpoints = sorted({endpoint for _rule, endpoint, _options, _examples in DEMO_RULES})
    endpoint = field_text("endpoint", "user_profile", limit=40)
    if endpoint not in endpoints:
        raise BadRequest(_("Choose one of the endpoints in the list."))
    values_text = field_text("values", "user_id=42\ntab=posts", limit=1000)
    anchor = field_text("anchor", "", limit=60)
    external = field_text("external", "", limit=1) == "1"
    result = {
        "endpoint": endpoint,
        "values": parse_values(values_text),
        "anchor": anchor,
        "external": external,
    }
    result.update(build_url(endpoint, result["values"], anchor, external))
    return render_demo(
        "routing/url_for.html",
        result=result,
        sources=[build_url, as_python_value, PhoneConverter, demo_app],
        endpoints=endpoints,
        rules=rule_table(),
        values_text=values_text,
    )
