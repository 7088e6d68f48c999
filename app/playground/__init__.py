"""The in-browser Flask playground: page support for lessons that host one.

The learner's code never runs on the server. A page with a ```` ```flask-playground ````
block loads ``static/js/playground/`` which runs Pyodide in a Web Worker; this package
tells that page where the runtime is, widens the page's CSP just enough for WebAssembly
(``'wasm-unsafe-eval'``, workers from 'self') and serves the Python side of the worker.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape

from app.forms import csrf_token
from app.i18n import current_language
from app.main.prerender import once
from app.main.prerender import url_with_next
from app.playground import models  # noqa: F401  (the saves' table must be known to Flask-Migrate)
from app.playground.manifest import INSTALL_COMMAND
from app.playground.manifest import find_runtime
from app.playground.manifest import pinned_version

bp = Blueprint("playground", __name__, url_prefix="/playground")
RUNTIME_SOURCE = Path(__file__).with_name("runtime.py")
WORKER_SOURCE = Path(__file__).resolve().parent.parent / "static" / "js" / "playground" / "worker.js"
#: What script-src gains on a page (and in the worker) running Python: WebAssembly, no eval.
WASM = "'wasm-unsafe-eval'"
#: Marks the rendered HTML of a playground block; a page holding it gets the scripts.
MARKER = "data-playground"


@functools.cache
def source_bytes(path: Path) -> bytes:
    """Return a served source file, read once per process (no file read on a request)."""
    return path.read_bytes()


def serve_source(path: Path, mimetype: str):
    """Answer with ``path``'s bytes, revalidated by ETag on every use."""
    response = current_app.response_class(source_bytes(path), mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/runtime.py")
def runtime_source():
    """Serve the worker's Python side (the same file the test suite runs in CPython)."""
    return serve_source(RUNTIME_SOURCE, "text/x-python")


@bp.get("/worker.js")
def worker_script():
    """Serve the worker script with a CSP that lets it compile WebAssembly (its own policy)."""
    g.csp_script_extra = WASM
    return serve_source(WORKER_SOURCE, "text/javascript")


def meta_tags(meta: dict[str, str]) -> list[str]:
    """Return ``<meta>`` tags for ``meta``, every value escaped."""
    return [f'<meta name="{name}" content="{escape(value)}">' for name, value in meta.items()]


def playground_account() -> Markup:
    """Return the reader's own tags: where to save and the CSRF token, or where to log in.

    ``playground_head()`` includes them; a page rendered once for every reader calls
    ``playground_head(account=False)`` there and this in the part rendered per request.
    """
    if current_user.is_authenticated:
        meta = {"playground-saves": url_for("playground.saved_code"), "playground-csrf": csrf_token()}
    else:
        meta = {"playground-login": url_with_next("auth.login", request.path)}
    return Markup("\n".join(meta_tags(meta)))  # noqa: S704  every value is escaped


def playground_head(account: bool = True) -> Markup:
    """Return the tags a page hosting a playground needs, and allow WebAssembly on it.

    The runtime's URLs and the page's words are the same for every reader of a language:
    they are put together once per language (``app.main.prerender.once``); the CSP and
    the reader's own tags are per request.
    """
    g.csp_script_extra = WASM
    fixed = once(("playground-head", current_language()), _fixed_head)
    return Markup("\n").join([fixed[0], playground_account(), fixed[1]] if account else fixed)


def _fixed_head() -> tuple[Markup, Markup]:
    """Return the reader-independent tags: before and after the reader's own."""
    found = find_runtime(current_app)
    urls = found.urls()
    meta = {
        "playground-index": urls["index"],
        "playground-lock": urls["lock"],
        "playground-runtime": url_for("playground.runtime_source"),
        "playground-worker": url_for("playground.worker_script"),
        "playground-installed": "yes" if found.installed else "no",
        "playground-install-command": INSTALL_COMMAND,
        "playground-version": found.version,
        "playground-strings": json.dumps(account_strings(), ensure_ascii=False),
    }
    css = url_for("static", filename="js/playground/playground.css")
    script = url_for("static", filename="js/playground/page.js")
    tail = [
        f'<link rel="stylesheet" href="{escape(css)}">',
        f'<script type="module" src="{escape(script)}"></script>',
    ]
    # Every value above is escaped.
    return Markup("\n".join(meta_tags(meta))), Markup("\n".join(tail))  # noqa: S704


def account_strings() -> dict[str, str]:
    """Return what the page says about saving edits, in the reader's language ({name} marks a value)."""
    return {
        "save": _("Save to my account"),
        "saving": _("Saving to your account…"),
        "saved": _("Saved to your account ({time}). Log in in another browser to get it back there."),
        "saveFailed": _("Not saved to your account: {message}"),
        "loadFailed": _("The copy in your account could not be loaded: {message}"),
        "fromAccount": _(
            "Showing the copy saved to your account on {time}: it is newer than this browser's. "
            "Reset brings back the original code."
        ),
        "fromBrowser": _(
            "Showing this browser's edits: they are newer than the copy saved to your account on {time}."
        ),
        "resetKept": _("Back to the original code. The copy in your account stays until you save again."),
        "browserOnly": _("Your edits are kept in this browser only."),
        "logIn": _("Log in to save them to your account and open them in any browser."),
    }


def hosts_playground(html: str) -> bool:
    """Return whether rendered lesson HTML holds a playground."""
    return MARKER in html


def init_playground(app: Flask) -> None:
    """Register the runtime source route and the template helpers."""
    app.extensions["playground_version"] = pinned_version()
    app.add_template_global(playground_head)
    app.add_template_global(playground_account)
    app.add_template_global(hosts_playground)
    # The challenge and page routes attach to ``bp`` and import it from here: imported once it exists.
    from app.playground import account  # noqa: F401  (registers the saves' endpoints)
    from app.playground import pages  # noqa: F401  (registers the playground's own page)
    from app.playground.challenge import init_challenges

    init_challenges(app)
    app.register_blueprint(bp)
