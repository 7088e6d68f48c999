"""Security headers sent on every response, with a strict Content-Security-Policy."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import g
from flask import request
from flask_babel import gettext as _

from app.inputs import InvalidInput
from app.inputs import init_inputs
from app.inputs import is_valid_text

# No 'unsafe-inline' anywhere: every script and style comes from /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SiteResponse(Response):
    """The site's response class: text that cannot be encoded is replaced, never a 500.

    Notice: a string stored before input was checked (a lone surrogate such as ``"\\ud800"``)
    would make ``str.encode("utf-8")`` raise while the page is sent; each such character
    becomes ``?`` instead, so the page still renders.
    """

    def set_data(self, value: bytes | str) -> None:
        """Set the body, encoding text as UTF-8 with replacement."""
        if isinstance(value, str):
            value = value.encode("utf-8", "replace")
        super().set_data(value)


def init_security(app: Flask) -> None:
    """Add the security headers to every response, and refuse malformed input before any view."""
    init_inputs(app)
    app.response_class = SiteResponse

    @app.before_request
    def require_valid_input() -> None:
        # Flask-WTF reads a JSON body as form data with ImmutableMultiDict(get_json()),
        # which raises on a list, a string or a number; every JSON endpoint here takes
        # an object, so anything else is the client's mistake: a 400, never a 500.
        # get_json() itself refuses deep nesting and invalid Unicode (app/inputs.py).
        if request.is_json and request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            body = request.get_json()
            if not isinstance(body, dict):
                raise InvalidInput(_("The request body must be a JSON object of names to values."))
        # Query and form values reach the database and the templates: NUL is refused
        # here, once, for every view (PostgreSQL cannot store it).
        for name, value in request.values.items(multi=True):
            if not (is_valid_text(name) and is_valid_text(value)):
                raise InvalidInput(_("Form and query values must be text without NUL characters."))

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        if g.get("csp_script_extra"):  # a page hosting in-browser Python (app/playground)
            policy = CONTENT_SECURITY_POLICY.replace(
                "script-src 'self'", f"script-src 'self' {g.csp_script_extra}"
            )
            response.headers.setdefault("Content-Security-Policy", f"{policy}; worker-src 'self'")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
