"""Live demos of the templating topic: helpers, autoescaping and the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import DictLoader
from jinja2 import Environment
from markupsafe import Markup
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import ServiceUnavailable

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.templating import bp
from app.topics.templating import sandbox_render

MAX_ITEMS = 10

# ---- Helpers: global, filter, test, context processor, inheritance and a macro --------

HELPER_TEMPLATES = {
    "base.html": """\
<!doctype html>
<title>{% block title %}{{ shop_name }}{% endblock %}</title>
<header>{{ shop_name }} · {{ year() }}</header>
<main>{% block content %}{% endblock %}</main>
""",
    "_macros.html": """\
{% macro price_row(item) -%}
<li>{{ item.name | title }}: {{ item.cents | money }}
  {%- if item.cents is expensive %} (expensive!){% endif %}</li>
{%- endmacro %}
""",
    "cart.html": """\
{% extends "base.html" %}
{% from "_macros.html" import price_row %}
{% block title %}Cart · {{ super() }}{% endblock %}
{% block content %}
<ul>
{% for item in items %}  {{ price_row(item) }}
{% endfor %}</ul>
<p>Total: {{ items | sum(attribute="cents") | money }}</p>
{% endblock %}
""",
}


def money(cents: int) -> str:
    """Format integer cents as a price: ``1999 | money`` → ``¥19.99``."""
    return f"¥{cents / 100:,.2f}"


def is_expensive(cents: int) -> bool:
    """Tell whether a price is over ¥100: ``{% if price is expensive %}``."""
    return cents > 100_00


def make_helpers_app() -> Flask:
    """Build a throwaway app and register one helper of each kind on it.

    Notice: the decorators only add entries to ``app.jinja_env`` (globals, filters,
    tests) and to the list of context processors run before every render.
    """
    app = Flask(__name__, static_folder=None)
    app.jinja_loader = DictLoader(HELPER_TEMPLATES)
    app.add_template_filter(money)
    app.add_template_test(is_expensive, name="expensive")

    @app.template_global()
    def year() -> int:
        return 2026

    @app.context_processor
    def inject_shop():
        return {"shop_name": "Sandbox shop"}

    return app


def parse_items(text: str) -> list[dict[str, Any]]:
    """Read ``name = price`` lines (price in yuan) into items with integer cents."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise BadRequest(_("Give at most %(count)d items.", count=MAX_ITEMS))
    items = []
    for line in lines:
        name, _sep, price = line.partition("=")
        try:
            cents = round(float(price) * 100)
        except ValueError:
            raise BadRequest(_("%(line)r is not a 'name = price' line.", line=line[:60])) from None
        if not name.strip() or not 0 <= cents < 10**9:
            raise BadRequest(_("%(line)r needs a name and a price from 0 to 10,000,000.", line=line[:60]))
        items.append({"name": name.strip()[:40], "cents": cents})
    return items


def render_cart(items: list[dict[str, Any]]) -> str:
    """Render cart.html with the sandbox app's own ``render_template``."""
    app = make_helpers_app()
    with app.app_context():
        return render_template("cart.html", items=items)


def registered_helpers(app: Flask) -> dict[str, list[str]]:
    """Return the names of the filters, tests and globals of an app's Jinja environment."""
    env = app.jinja_env
    return {"filters": sorted(env.filters), "tests": sorted(env.tests), "globals": sorted(env.globals)}


@demo(
    bp,
    "/helpers",
    title=_l("Template helpers: globals, filters, tests, context processors"),
    summary=_l(
        "A sandbox app registers one helper of each kind; a template uses them with extends and a macro."
    ),
)
def demo_helpers():
    """Render a cart with the sandbox app's helpers, and list this site's own helpers."""
    items_text = field_text("items", "coffee = 28\nlaptop = 8999.5\nbook = 59.9", limit=600)
    items = parse_items(items_text)
    sandbox = make_helpers_app()
    result = {
        "items": items,
        "output": render_cart(items),
        "sandbox_helpers": {
            "filters": ["money"],
            "tests": ["expensive"],
            "globals": ["year"],
            "context_processors": ["inject_shop"],
        },
        "sandbox_env_sizes": {name: len(names) for name, names in registered_helpers(sandbox).items()},
        "site_helpers": registered_helpers(current_app),
    }
    return render_demo(
        "templating/helpers.html",
        result=result,
        sources=[make_helpers_app, money, is_expensive, render_cart],
        templates=HELPER_TEMPLATES,
        items_text=items_text,
    )


# ---- Autoescaping ----------------------------------------------------------------

AUTOESCAPE_TEMPLATES = {
    "show.html": "{{ text }}",
    "show.txt": "{{ text }}",
    "safe.html": "{{ text|safe }}",
    "off.html": "{% autoescape false %}{{ text }}{% endautoescape %}",
}


def make_escaping_app() -> Flask:
    """Build a throwaway app whose templates all print the same ``text``."""
    app = Flask(__name__, static_folder=None)
    app.jinja_loader = DictLoader(AUTOESCAPE_TEMPLATES)
    return app


def escaping_cases(text: str) -> list[dict[str, Any]]:
    """Render the learner's text six ways and report which outputs kept it as raw HTML.

    Notice: Flask turns autoescaping on by the template's extension (``.html`` yes,
    ``.txt`` no); ``|safe`` and ``Markup`` are promises that a string is already safe -
    made here about text that is not.
    """
    app = make_escaping_app()
    env = app.jinja_env
    cases = [
        ("show.html", "{{ text }}", env.get_template("show.html").render(text=text)),
        ("show.txt", "{{ text }}", env.get_template("show.txt").render(text=text)),
        ("safe.html", "{{ text|safe }}", env.get_template("safe.html").render(text=text)),
        ("off.html", "{% autoescape false %}…", env.get_template("off.html").render(text=text)),
        ("show.html", "text=Markup(text)", env.get_template("show.html").render(text=Markup(text))),  # noqa: S704
        (None, 'Markup("<em>{}</em>").format(text)', str(Markup("<em>{}</em>").format(text))),
    ]
    special = any(char in text for char in "<>&\"'")
    return [
        {
            "template": name,
            "how": how,
            "autoescape": app.select_jinja_autoescape(name) if name else None,
            "output": output,
            "raw": special and text in output,
        }
        for name, how, output in cases
    ]


@demo(
    bp,
    "/autoescape",
    title=_l("Autoescaping, |safe and Markup"),
    summary=_l("The same text rendered six ways: which outputs would run a script in a browser?"),
)
def demo_autoescape():
    """Render the learner's text with autoescaping on and off, and through |safe and Markup."""
    text = field_text("text", "<script>alert(1)</script>", limit=500)
    result = {"text": text, "cases": escaping_cases(text)}
    return render_demo(
        "templating/autoescape.html",
        result=result,
        sources=[escaping_cases, make_escaping_app],
    )


# ---- The sandbox -------------------------------------------------------------------

MAX_TEMPLATE = 5_000
RENDER_TIMEOUT = 2.0
#: At most this many child processes render at once; more requests get a 503.
RENDER_SLOTS = threading.BoundedSemaphore(4)
WORKER = Path(sandbox_render.__file__)

SANDBOX_CONTEXT = {"user": {"name": "Ada", "roles": ["learner", "author"]}, "items": ["tea", "milk", "bread"]}
SANDBOX_EXAMPLES = {
    "hello": (
        "Hello {{ user.name }}!\n{% for item in items %}- {{ item | upper }}\n{% endfor %}"
        "Roles: {{ user.roles | join(', ') }}"
    ),
    "dunder": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ cycler.__init__.__globals__ }}",
    "range": "{% for i in range(10**12) %}{{ i }}{% endfor %}",
    "forever": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}done",
    "output": "{% for i in range(99999) %}spam {% endfor %}",
    "syntax": "{% for item in items %}{{ item }}",
}


def render_in_child(source: str) -> dict[str, Any]:
    """Render ``source`` in a fresh Python process and wait at most RENDER_TIMEOUT seconds.

    Notice: a thread cannot be stopped, but a process can. The child runs
    ``sandbox_render.py`` with an empty environment, capped CPU and memory, and is killed
    when the wall clock runs out: a template that loops forever costs two seconds.
    """
    job = json.dumps({"template": source, "context": SANDBOX_CONTEXT})
    if not RENDER_SLOTS.acquire(timeout=RENDER_TIMEOUT):
        raise ServiceUnavailable(_("The sandbox is busy; try again in a moment."))
    try:
        done = subprocess.run(  # noqa: S603 (our own script, with a fixed argument list)
            [sys.executable, "-I", str(WORKER)],
            input=job,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=RENDER_TIMEOUT,
            env={},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "Timeout", "message": f"stopped after {RENDER_TIMEOUT} seconds"}
    finally:
        RENDER_SLOTS.release()
    if done.returncode != 0:
        return {"ok": False, "error": "Killed", "message": "the child process hit a resource limit"}
    return json.loads(done.stdout)


def unsandboxed_reach() -> int:
    """Count the classes a *normal* Environment lets a template reach from a string literal.

    Notice: this fixed template is the start of every Jinja server-side template injection;
    the sandbox stops it at ``__class__``.
    """
    return int(
        Environment(autoescape=True)
        .from_string("{{ ''.__class__.__mro__[1].__subclasses__() | length }}")
        .render()
    )


def read_template() -> tuple[str, str]:
    """Return the template to render (an example's, the form's, or a JSON body's) and its origin."""
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and isinstance(body.get("template"), str):
        source, origin = body["template"], "json"
    elif request.method == "POST":
        source, origin = field_text("template", "", limit=1_000_000), "form"
    else:
        example = field_text("example", "hello", limit=20)
        if example not in SANDBOX_EXAMPLES:
            raise BadRequest(_("Choose one of the listed examples."))
        source, origin = SANDBOX_EXAMPLES[example], example
    if len(source) > MAX_TEMPLATE:
        message = _("The template has %(size)s characters; the sandbox accepts at most %(limit)s.")
        raise BadRequest(message % {"size": f"{len(source):,}", "limit": f"{MAX_TEMPLATE:,}"})
    return source, origin


@demo(
    bp,
    "/sandbox",
    methods=("GET", "POST"),
    title=_l("Jinja's sandbox, with time and size limits"),
    summary=_l(
        "Your template runs in SandboxedEnvironment, in a child process that is stopped after two seconds."
    ),
)
def demo_sandbox():
    """Render the learner's template in the sandbox; refuse what the limits or the sandbox refuse."""
    source, origin = read_template()
    rendered = render_in_child(source)
    result = {"template": source, "origin": origin, "limits": sandbox_limits(), **rendered}
    return render_demo(
        "templating/sandbox.html",
        result=result,
        status=200 if rendered["ok"] else 400,
        sources=[
            render_in_child,
            sandbox_render.render_sandboxed,
            sandbox_render.limit_process,
            unsandboxed_reach,
        ],
        examples=SANDBOX_EXAMPLES,
        context=SANDBOX_CONTEXT,
        reach=unsandboxed_reach(),
    )


def sandbox_limits() -> dict[str, Any]:
    """Return the limits the page states, read from the code that enforces them."""
    return {
        "template_chars": MAX_TEMPLATE,
        "output_chars": sandbox_render.MAX_OUTPUT,
        "seconds": RENDER_TIMEOUT,
        "memory_mb": sandbox_render.MEMORY_BYTES // (1024 * 1024),
    }
