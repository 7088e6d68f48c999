"""Live demos of the intro topic: the WSGI request under Flask's request object."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from app.demos import demo
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
