"""Live demos of the ecosystem topic: what is installed, which commands exist, which extensions run."""

from __future__ import annotations

import ast
import functools
import inspect
import re
import sys
from importlib import metadata
from typing import Any

from flask import Flask
from flask import current_app
from flask.cli import FlaskGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

import app.extensions as extensions_module
from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.ecosystem import bp

#: Parts of this site's stack that are not Flask extensions but matter to it.
STACK = ("SQLAlchemy", "alembic", "redis", "gunicorn", "gevent", "simple-websocket", "DBUtils", "Babel")
ROUTE_SORTS = ("endpoint", "methods", "rule")
MAX_FILTER = 50


def installed(name: str) -> str | None:
    """Return the installed version of distribution ``name``, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def installed_versions() -> dict[str, list[dict[str, Any]]]:
    """Return Flask with what it requires, the Flask extensions installed, and the rest of the stack.

    Notice: it reads the installed packages' metadata (``importlib.metadata``), not a list
    someone typed: upgrade a package and this table follows.
    """
    flask_requires = []
    for spec in metadata.requires("Flask") or []:
        requirement, _semicolon, marker = spec.partition(";")
        if "extra" in marker:
            continue  # optional extras such as flask[async]
        name = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
        if marker and installed(name) is None:
            continue  # a requirement for other Pythons, such as importlib-metadata before 3.10
        flask_requires.append({"name": name, "requires": requirement.strip(), "version": installed(name)})
    extensions = sorted(
        {
            dist.metadata["Name"]
            for dist in metadata.distributions()
            if dist.metadata["Name"].lower().startswith("flask-")
        },
        key=str.lower,
    )
    return {
        "flask": [{"name": "Flask", "version": installed("Flask")}, *flask_requires],
        "extensions": [{"name": name, "version": installed(name)} for name in extensions],
        "stack": [{"name": name, "version": installed(name)} for name in STACK],
    }


def cli_commands(app: Flask) -> list[dict[str, str]]:
    """Return the commands ``flask``/``manage.py`` offers: FlaskGroup's own, plugins', and ``app.cli``'s.

    Notice: ``run``, ``shell`` and ``routes`` come with every FlaskGroup; the rest were
    added to ``app.cli`` by the app or by an extension's ``init_app``.
    """
    rows = []
    for name, command in sorted(FlaskGroup().commands.items()):
        rows.append({"name": name, "from": "FlaskGroup (built in)", "help": command.get_short_help_str(80)})
    for entry in metadata.entry_points(group="flask.commands"):
        rows.append({"name": entry.name, "from": f"entry point {entry.value}", "help": ""})
    for name, command in sorted(app.cli.commands.items()):
        module = getattr(command.callback, "__module__", None) or type(command).__module__
        rows.append({"name": name, "from": f"app.cli ({module})", "help": command.get_short_help_str(80)})
    return rows


def routes_table(app: Flask, sort: str, contains: str) -> list[dict[str, str]]:
    """Return the table ``flask routes`` prints, from ``app.url_map``."""
    rows = []
    for rule in app.url_map.iter_rules():
        methods = ", ".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        row = {"endpoint": rule.endpoint, "methods": methods, "rule": rule.rule}
        if contains in rule.endpoint or contains in rule.rule:
            rows.append(row)
    return sorted(rows, key=lambda row: (row[sort], row["rule"]))


@functools.cache
def app_functions() -> tuple[tuple[str, ast.FunctionDef], ...]:
    """Parse every loaded module of the ``app`` package; return each function with its file."""
    functions = []
    for module_name, module in sorted(sys.modules.items()):
        if module is None or not (module_name == "app" or module_name.startswith("app.")):
            continue
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        path = "app/" + (inspect.getsourcefile(module) or "").split("/app/", 1)[-1]
        tree = ast.parse(source)
        functions += [(path, node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    return tuple(functions)


def called_names(function: ast.FunctionDef) -> list[str]:
    """Return the names of the plain functions ``function`` calls, in order."""
    calls = [
        node for node in ast.walk(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    return [call.func.id for call in sorted(calls, key=lambda call: call.lineno)]


def init_app_target(node: ast.AST) -> str | None:
    """Return ``x`` when ``node`` is a call ``x.init_app(...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    if node.func.attr == "init_app" and isinstance(node.func.value, ast.Name):
        return node.func.value.id
    return None


def create_app_step(function_name: str, calls: dict[str, list[str]]) -> str | None:
    """Return the step of ``create_app`` from which ``function_name`` is reached."""

    def reaches(caller: str, depth: int) -> bool:
        if caller == function_name:
            return True
        return depth > 0 and any(reaches(callee, depth - 1) for callee in calls.get(caller, []))

    return next((step for step in calls.get("create_app", []) if reaches(step, 3)), None)


@functools.cache
def init_app_calls() -> dict[str, list[dict[str, str | None]]]:
    """Find, by reading the app's own modules, where each ``<name>.init_app(...)`` is called.

    Notice: nothing here is typed by hand; the names come from app/extensions.py, the
    places and the ``create_app`` step from the source of the modules under ``app``.
    """
    names = set(extension_objects())
    calls = {function.name: called_names(function) for _path, function in app_functions()}
    places: dict[tuple[str, int], tuple[str, str]] = {}
    # Outer functions come first, so a nested function's name overwrites its parent's.
    for path, function in app_functions():
        for node in ast.walk(function):
            name = init_app_target(node)
            if name in names:
                places[(path, node.lineno)] = (name, function.name)
    found: dict[str, list[dict[str, str | None]]] = {name: [] for name in names}
    for (path, line), (name, function_name) in sorted(places.items()):
        step = create_app_step(function_name, calls)
        found[name].append({"where": f"{path}:{line}", "function": function_name, "create_app_step": step})
    return found


def extension_objects() -> dict[str, Any]:
    """Return the extension objects app/extensions.py creates, by their module-level names."""
    return {
        name: value
        for name, value in vars(extensions_module).items()
        if not name.startswith("_")
        and not inspect.isclass(value)
        and not inspect.ismodule(value)
        and hasattr(value, "init_app")
    }


def where_the_app_keeps(app: Flask, obj: Any) -> str:
    """Return how ``app`` holds on to the extension object ``obj``, found by looking."""
    for key, value in app.extensions.items():
        if value is obj:
            return f"app.extensions[{key!r}]"
        for attribute, inner in vars(value).items() if hasattr(value, "__dict__") else ():
            if inner is obj:
                return f"app.extensions[{key!r}].{attribute}"
    for attribute, value in vars(app).items():
        if value is obj:
            return f"app.{attribute}"
    if getattr(obj, "app", None) is app:
        return "not in app.extensions; the object keeps the app (obj.app is app)"
    return "not kept: its init_app() configured the app, and the app needs nothing more from it"


def extensions_in_use(app: Flask) -> dict[str, Any]:
    """Return app.extensions (key → type) and each object of app/extensions.py with where it is bound."""
    module_path = inspect.getsourcefile(extensions_module) or "?"
    module_path = "app/" + module_path.split("/app/", 1)[-1]
    calls = init_app_calls()
    objects = [
        {
            "name": name,
            "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
            "defined_in": module_path,
            "init_app": calls.get(name, []),
            "kept_as": where_the_app_keeps(app, obj),
        }
        for name, obj in extension_objects().items()
    ]
    keys = {
        key: f"{type(value).__module__}.{type(value).__qualname__}" for key, value in app.extensions.items()
    }
    return {"app_extensions": keys, "objects": objects, "module": module_path}


@demo(
    bp,
    "/versions",
    title=_l("What this site is made of"),
    summary=_l(
        "Installed versions, the command line, the routes table and the extensions, read from the live app."
    ),
)
def demo_versions():
    """Read versions, commands, routes and extensions from the running app."""
    app = current_app._get_current_object()
    sort = field_text("sort", "endpoint", limit=10)
    if sort not in ROUTE_SORTS:
        raise BadRequest(_("Sort by one of: %(keys)s.", keys=", ".join(ROUTE_SORTS)))
    contains = field_text("contains", "", limit=MAX_FILTER).strip()
    result = {
        "versions": installed_versions(),
        "commands": cli_commands(app),
        "routes": routes_table(app, sort, contains),
        "sort": sort,
        "contains": contains,
        "extensions": extensions_in_use(app),
    }
    return render_demo(
        "ecosystem/versions.html",
        result=result,
        sources=[
            installed_versions,
            cli_commands,
            routes_table,
            extensions_in_use,
            where_the_app_keeps,
            init_app_calls,
        ],
        sorts=ROUTE_SORTS,
    )
