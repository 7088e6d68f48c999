"""The ```` ```flask-playground ```` block of lesson and quiz Markdown: parsed and checked.

A block is an optional YAML header, a ``---`` line, then the app's code::

    title: Two routes
    requests:
      - path: /
        expect: {status: 200, contains: Hello}
      - method: POST
        path: /login
        form: {name: ada}
    ---
    from flask import Flask
    app = Flask(__name__)

The header's ``requests`` are the presets the page offers; their ``expect`` is checked by
the test suite, which runs every playground in CPython (``app/playground/runtime.py``).
Pure functions: no Flask, no request.
"""

from __future__ import annotations

import ast
import sys
import warnings
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import yaml

FENCE = "flask-playground"
#: What the browser runtime has besides the standard library (import names).
ALLOWED_PACKAGES = frozenset(
    {"flask", "werkzeug", "jinja2", "itsdangerous", "click", "blinker", "markupsafe"}
)
#: Standard-library modules that import in the browser but cannot work there: no threads,
#: processes, sockets or event loop of their own in a Web Worker.
BROWSER_MISSING = (
    "asyncio", "concurrent", "http.client", "http.server", "multiprocessing", "select",
    "selectors", "signal", "socket", "socketserver", "ssl", "subprocess", "threading",
    "tkinter", "urllib.request", "wsgiref.simple_server",
)  # fmt: skip
#: Decorators whose first argument is a URL rule: the preset request a snippet gets.
ROUTE_METHODS = {
    "route": "GET",
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
}
#: Where a playground's own page is: ``/playground/<id>`` (the playground blueprint's route).
PAGE_PREFIX = "/playground/"
#: Most preset requests derived from a snippet's routes.
MAX_DERIVED = 4
SEPARATOR = "---"
HEADER_KEYS = ("title", "requests")
REQUEST_KEYS = ("label", "method", "path", "headers", "form", "json", "body", "expect")
EXPECT_KEYS = ("status", "contains")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Playground:
    """One playground: its title, code, preset requests, and the problems found reading it.

    ``code_line`` is the line of the code's first line within the block (1-based).
    """

    code: str
    title: str = ""
    requests: tuple[dict[str, Any], ...] = ()
    code_line: int = 1
    problems: tuple[tuple[int, str], ...] = field(default=())


def split(source: str) -> tuple[str, str, int]:
    """Return (header, code, line of the code's first line); no ``---`` line means no header."""
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() == SEPARATOR:
            return "\n".join(lines[:index]), "\n".join(lines[index + 1 :]), index + 2
    return "", source, 1


def parse(source: str) -> Playground:
    """Read a block's text; every problem comes back with its line within the block."""
    header_text, code, code_line = split(source)
    problems: list[tuple[int, str]] = []
    header: Any = {}
    if header_text.strip():
        try:
            header = yaml.safe_load(header_text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(((mark.line + 1) if mark else 1, f"playground header is not valid YAML: {exc}"))
            header = {}
    if not isinstance(header, dict):
        problems.append((1, "playground header must be a mapping, such as `requests: [...]`"))
        header = {}
    for key in header:
        if key not in HEADER_KEYS:
            problems.append((1, f"playground header: unknown key {key!r} (known: {', '.join(HEADER_KEYS)})"))
    title = header.get("title") or ""
    if not isinstance(title, str):
        problems.append((1, "playground title must be text"))
        title = ""
    requests = check_requests(header.get("requests"), problems)
    if not code.strip():
        problems.append((code_line, "playground has no code"))
    error = compile_error(code)
    if error is not None:
        line, message = error
        problems.append((code_line + line - 1, f"playground code does not compile: {message}"))
    return Playground(code, title, tuple(requests), code_line, tuple(problems))


def check_requests(value: Any, problems: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """Return the well-formed preset requests; record what is wrong with the others."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append((1, "playground requests must be a list of requests"))
        return []
    rv = []
    for number, spec in enumerate(value, start=1):
        where = f"playground request {number}"
        if not isinstance(spec, dict):
            problems.append((1, f"{where} must be a mapping with at least a `path`"))
            continue
        before = len(problems)
        unknown = [key for key in spec if key not in REQUEST_KEYS]
        if unknown:
            problems.append((1, f"{where}: unknown key {unknown[0]!r} (known: {', '.join(REQUEST_KEYS)})"))
        path = spec.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            problems.append((1, f"{where}: path must start with /, not {path!r}"))
        method = str(spec.get("method", "GET")).upper()
        if method not in METHODS:
            problems.append((1, f"{where}: unknown method {spec.get('method')!r}"))
        for key in ("headers", "form"):
            if key in spec and not is_text_mapping(spec[key]):
                problems.append((1, f"{where}: {key} must map names to text values"))
        if sum(key in spec for key in ("form", "json", "body")) > 1:
            problems.append((1, f"{where}: give one of form, json or body"))
        check_expect(spec.get("expect"), where, problems)
        if len(problems) == before:
            rv.append({**spec, "method": method})
    return rv


def check_expect(expect: Any, where: str, problems: list[tuple[int, str]]) -> None:
    """Check a preset's ``expect``: a status number and text the body must contain."""
    if expect is None:
        return
    if not isinstance(expect, dict) or any(key not in EXPECT_KEYS for key in expect):
        problems.append((1, f"{where}: expect must be a mapping of status and/or contains"))
        return
    status = expect.get("status")
    if status is not None and (
        not isinstance(status, int) or isinstance(status, bool) or not 100 <= status < 600
    ):
        problems.append((1, f"{where}: expect.status must be an HTTP status such as 200"))
    contains = expect.get("contains")
    if contains is not None and not (
        isinstance(contains, str)
        or (isinstance(contains, list) and all(isinstance(x, str) for x in contains))
    ):
        problems.append((1, f"{where}: expect.contains must be text or a list of texts"))


def is_text_mapping(value: Any) -> bool:
    """Return whether ``value`` maps text names to scalar values."""
    return isinstance(value, dict) and all(
        isinstance(key, str) and isinstance(item, str | int | float) for key, item in value.items()
    )


def compile_error(code: str) -> tuple[int, str] | None:
    """Return (line within ``code``, message) when ``code`` is not valid Python.

    Used for every piece of course code: lesson blocks, quiz code, playgrounds, challenges.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<course>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return max(exc.lineno or 1, 1), exc.msg
    except ValueError as exc:  # null bytes
        return 1, str(exc)
    return None


# -- code that is not a playground block: can the browser run it, and what to send it ---------


def imported_modules(tree: ast.Module, dotted: bool = False) -> list[tuple[str, int]]:
    """Return (top-level module name, line) of every absolute import in ``tree``.

    With ``dotted`` the full dotted name is returned (``http.server``, not ``http``).
    """
    rv = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        rv.extend((name if dotted else name.split(".")[0], node.lineno) for name in names)
    return rv


def browser_can_import(module: str) -> bool:
    """Return whether dotted ``module`` is Flask, one of its dependencies, or working stdlib."""
    top = module.split(".")[0]
    if top in ALLOWED_PACKAGES:
        return True
    missing = any(module == name or module.startswith(name + ".") for name in BROWSER_MISSING)
    return top in sys.stdlib_module_names and not missing


def makes_flask_app(tree: ast.Module) -> bool:
    """Return whether the code calls ``Flask(...)``: the playground runs a Flask app."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "Flask":
                return True
    return False


def runs_in_browser(code: str) -> bool:
    """Return whether ``code`` compiles, makes a Flask app and imports only what the browser has."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    modules = imported_modules(tree, dotted=True)
    return makes_flask_app(tree) and all(browser_can_import(name) for name, _ in modules)


def derive_requests(code: str) -> tuple[dict[str, Any], ...]:
    """Return preset requests for code that has none: its literal routes, else ``GET /``.

    Only rules without converters are sent (``/users/<id>`` needs a value nobody chose),
    at most ``MAX_DERIVED`` of them, in the order the code declares them.
    """
    rv: list[dict[str, Any]] = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            request = route_request(decorator)
            if request is not None and request not in rv:
                rv.append(request)
    return tuple(rv[:MAX_DERIVED]) or ({"method": "GET", "path": "/"},)


def route_request(decorator: ast.expr) -> dict[str, Any] | None:
    """Return the request a ``@x.route("/path")``-style decorator answers, if its rule is literal."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    method = ROUTE_METHODS.get(decorator.func.attr)
    if method is None or not decorator.args:
        return None
    rule = decorator.args[0]
    if not isinstance(rule, ast.Constant) or not isinstance(rule.value, str):
        return None
    path = rule.value
    if not path.startswith("/") or "<" in path:
        return None
    for keyword in decorator.keywords:
        listed = isinstance(keyword.value, ast.List | ast.Tuple) and keyword.value.elts
        if keyword.arg == "methods" and listed:
            first = keyword.value.elts[0]
            if isinstance(first, ast.Constant) and str(first.value).upper() in METHODS:
                method = str(first.value).upper()
    return {"method": method, "path": path}
