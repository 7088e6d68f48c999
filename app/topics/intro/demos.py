"""Live demos of the intro topic: the WSGI request under Flask's request object, and WSGI itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from flask import Flask
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.test import EnvironBuilder

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.intro import bp

#: Headers whose values a demo never shows, whoever asks.
SENSITIVE_HEADERS = {"HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "HTTP_X_CSRFTOKEN"}


def visible_environ(environ: dict) -> dict[str, str]:
    """Return the WSGI environ as strings, with secrets redacted.

    Notice: the environ is a plain dict. Request headers appear as ``HTTP_*`` keys,
    and Werkzeug's ``request`` object is only a convenient view over this dict.
    """
    shown = {}
    for key in sorted(environ):
        value = environ[key]
        if key in SENSITIVE_HEADERS:
            shown[key] = "«redacted»"
        elif isinstance(value, str | int | bool | tuple):
            shown[key] = str(value)
        else:
            shown[key] = f"<{type(value).__name__}>"
    return shown


@demo(bp, "/environ", title=_l("Your request as WSGI sees it"))
def demo_environ():
    """Show the environ dict the WSGI server built for this very request."""
    environ = visible_environ(request.environ)
    result = {
        "environ": environ,
        "request_path": request.path,
        "request_method": request.method,
        "header_keys": [key for key in environ if key.startswith("HTTP_")],
    }
    return render_demo("intro/environ.html", result=result, sources=[demo_environ, visible_environ])


#: Methods the WSGI demo offers (a server would pass any token it received).
WSGI_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS")
#: The URLs suggested on the page.
WSGI_EXAMPLES = ("/hello", "/hello?name=Ada", "/missing")


def hello_wsgi(environ: dict, start_response: Callable) -> list[bytes]:
    """Answer ``/hello`` as a bare WSGI application: one function, no framework.

    Notice: the routing, the 404, the 405 and every header are written by hand.
    """
    if environ["PATH_INFO"] != "/hello":
        status, body = "404 Not Found", b"Not Found\n"
    elif environ["REQUEST_METHOD"] != "GET":
        status, body = "405 Method Not Allowed", b"Only GET is allowed\n"
    else:
        name = parse_qs(environ["QUERY_STRING"]).get("name", ["world"])[0]
        status, body = "200 OK", f"Hello, {name}!\n".encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def make_hello_flask() -> Flask:
    """Build a throwaway Flask app that answers the same URL.

    Notice: ``app`` is also just a WSGI callable; the 404 and 405 pages, the ``Allow``
    header, HEAD and OPTIONS all come from Flask and Werkzeug.
    """
    app = Flask(__name__, static_folder=None)

    @app.get("/hello")
    def hello():
        return f"Hello, {request.args.get('name', 'world')}!\n"

    return app


def call_wsgi(app: Callable, path: str, method: str) -> dict[str, Any]:
    """Call a WSGI application as a server would, recording what reaches start_response.

    Notice: the server builds the environ, calls ``app(environ, start_response)``, then
    iterates the body and calls its ``close()``; nothing else is shared between them.
    """
    environ = EnvironBuilder(path=path, method=method).get_environ()
    recorded: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        recorded["status"] = status
        recorded["headers"] = [[name, value] for name, value in headers]
        return lambda data: None  # the legacy write() callable, unused since WSGI 1.0

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    recorded["body"] = body.decode("utf-8", "replace")[:2000]
    return recorded


def wsgi_request(path: str, method: str) -> tuple[str, str]:
    """Return a checked path and method for the WSGI demo, or raise a 400."""
    if not path.startswith("/") or any(ch.isspace() or ord(ch) < 32 for ch in path):
        raise BadRequest(_("The path must start with / and contain no spaces."))
    if method not in WSGI_METHODS:
        raise BadRequest(_("Choose one of the listed methods."))
    return path, method


@demo(
    bp,
    "/wsgi",
    title=_l("A bare WSGI function and Flask, side by side"),
    summary=_l("Both are called exactly as a WSGI server calls them: app(environ, start_response)."),
)
def demo_wsgi():
    """Send one request through a bare WSGI function and through a tiny Flask app."""
    path, method = wsgi_request(field_text("path", "/hello?name=Ada", limit=200), field_text("method", "GET"))
    result = {
        "path": path,
        "method": method,
        "wsgi": call_wsgi(hello_wsgi, path, method),
        "flask": call_wsgi(make_hello_flask(), path, method),
    }
    return render_demo(
        "intro/wsgi.html",
        result=result,
        sources=[hello_wsgi, make_hello_flask, call_wsgi],
        methods=WSGI_METHODS,
        examples=WSGI_EXAMPLES,
    )
