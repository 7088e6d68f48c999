"""Security headers sent on every response, with a strict Content-Security-Policy."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.exceptions import BadRequest

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


def init_security(app: Flask) -> None:
    """Add the security headers to every response, and refuse malformed JSON bodies."""

    @app.before_request
    def require_json_objects() -> None:
        # Flask-WTF reads a JSON body as form data with ImmutableMultiDict(get_json()),
        # which raises on a list, a string or a number; every JSON endpoint here takes
        # an object, so anything else is the client's mistake: a 400, never a 500.
        if request.is_json and request.method in {"POST", "PUT", "PATCH"}:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise BadRequest("The request body must be a JSON object of names to values.")

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
