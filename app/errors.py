"""Error pages in the site's style, and JSON errors for clients that ask for JSON."""

from __future__ import annotations

import redis
from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import ServiceUnavailable

from app.extensions import db

#: Exceptions meaning "a backing store is unreachable", answered with 503.
STORE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError)

#: Status codes that get a page of their own.
PAGES = (400, 403, 404, 405, 413, 429, 500, 503)


def wants_json() -> bool:
    """Return whether the client prefers a JSON body to an HTML page."""
    if request.is_json:
        return True
    # HTML wins ties (``*/*``, browsers); JSON only when it is preferred.
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(error: HTTPException):
    """Render ``error`` as JSON or as the HTML page for its status code."""
    code = error.code or 500
    description = error.description or ""
    if wants_json():
        rv = jsonify(error=error.name, status=code, message=description)
    else:
        template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
        rv = render_template(template, error=error, code=code, description=description)
    response = error.get_response() if code == 405 else None
    headers = {}
    if response is not None and "Allow" in response.headers:
        headers["Allow"] = response.headers["Allow"]
    if code == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    return rv, code, headers


def init_errors(app: Flask) -> None:
    """Register the handlers: HTTP errors, CSRF failures, unreachable stores, crashes."""

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        return error_response(error)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        error.description = _(
            "The form expired or was not sent by this site (%(reason)s). "
            "Reload the page and send it again; nothing you entered was saved yet.",
            reason=error.description,
        )
        return error_response(error)

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    @app.errorhandler(OperationalError)
    def handle_store_down(error: Exception):
        return store_down(app, error)

    @app.errorhandler(InternalServerError)
    def handle_crash(error: InternalServerError):
        # Opening the session happens before dispatch, so a store that is down
        # arrives here (not at handle_store_down) wrapped in a 500.
        if isinstance(error.original_exception, STORE_ERRORS):
            return store_down(app, error.original_exception)
        db.session.rollback()
        return error_response(error)


def store_down(app: Flask, error: BaseException):
    """Answer 503 when Redis or the database cannot be reached."""
    app.logger.error("A backing store is unreachable: %s", type(error).__name__)
    # The session may never have been opened: tell the locale selector not to use it.
    g.session_unavailable = True
    db.session.rollback()
    unavailable = ServiceUnavailable(_("A backing service is unreachable. Please try again shortly."))
    if wants_json():
        return error_response(unavailable)
    # Rendered without the context processors: Flask-Login's would read the session,
    # which may never have been opened when the session store is the thing that is down.
    page = app.jinja_env.get_template("errors/unavailable.html").render(description=unavailable.description)
    return page, 503, {"Retry-After": "30"}
