"""Live demos of the hooks topic: the order in which Flask calls request hooks."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import abort
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.hooks import bp

#: The requests the demo sends, each in its own column.
SCENARIOS = {
    "normal": "/hello",
    "short_circuit": "/hello?stop=1",
    "failing": "/fail",
}
#: What the failing view does: an error nobody handles, or one a handler turns into a response.
FAILURES = ("unhandled", "handled")


class QuietFlask(Flask):
    """A Flask app that does not log the errors the demo raises on purpose."""

    def log_exception(self, exc_info: Any) -> None:
        """Skip the traceback Flask would log for the failing view."""


def record(kind: str, detail: str) -> None:
    """Append a step to this request's trace (a list the test client put in the environ)."""
    request.environ["demo.trace"].append({"kind": kind, "detail": detail})


def make_hooks_app(failure: str) -> Flask:
    """Build a throwaway app with every kind of request hook, each recording itself.

    Notice the registration order: before_request functions run in this order,
    after_request functions in the reverse order, and the second before_request can
    answer by itself.
    """
    app = QuietFlask(__name__, static_folder=None)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave like production: errors become a 500

    @app.before_request
    def first_before():
        record("before_request", "first_before")

    @app.before_request
    def second_before():
        if request.args.get("stop"):
            record("before_request", "second_before returns a response: the view is skipped")
            return Response("stopped early by second_before\n", status=403)
        record("before_request", "second_before")
        return None

    @app.before_request
    def third_before():
        record("before_request", "third_before")

    @app.get("/hello")
    def hello():
        record("view", "hello")
        return "Hello\n"

    @app.get("/fail")
    def fail():
        record("view", "fail raises")
        if failure == "handled":
            abort(404)
        return 1 / 0

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        record("errorhandler", "404: not_found")
        return "handled: not found\n", 404

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        original = type(error.original_exception).__name__
        record("errorhandler", f"500: server_error (original_exception={original})")
        return "handled: server error\n", 500

    @app.after_request
    def first_after(response: Response) -> Response:
        record("after_request", f"first_after (registered first), status {response.status_code}")
        return response

    @app.after_request
    def second_after(response: Response) -> Response:
        record("after_request", f"second_after (registered second), status {response.status_code}")
        response.headers["X-Hooks"] = "after_request ran"
        return response

    @app.teardown_request
    def first_teardown(error: BaseException | None):
        record("teardown_request", f"first_teardown (error={type(error).__name__ if error else None})")

    @app.teardown_request
    def second_teardown(error: BaseException | None):
        record("teardown_request", f"second_teardown (error={type(error).__name__ if error else None})")

    return app


def trace_request(app: Flask, path: str) -> dict[str, Any]:
    """Send one request through the test client and return the steps its hooks recorded.

    Notice: the trace list travels in the WSGI environ, so nothing is shared between
    requests and no global is needed; teardown has run by the time ``get()`` returns.
    """
    trace: list[dict[str, str]] = []
    response = app.test_client().get(path, environ_overrides={"demo.trace": trace})
    return {
        "path": path,
        "status": response.status,
        "body": response.get_data(as_text=True)[:200],
        "x_hooks": response.headers.get("X-Hooks"),
        "trace": trace,
    }


@demo(
    bp,
    "/trace",
    title=_l("Request hooks, in the order Flask calls them"),
    summary=_l("A normal, a short-circuited and a failing request through the same hooks, side by side."),
)
def demo_trace():
    """Send the three requests through a sandbox app with recording hooks."""
    failure = field_text("failure", "unhandled", limit=20)
    if failure not in FAILURES:
        raise BadRequest(_("Choose how the failing view fails."))
    app = make_hooks_app(failure)
    result = {
        "failure": failure,
        "traces": {name: trace_request(app, path) for name, path in SCENARIOS.items()},
    }
    return render_demo(
        "hooks/trace.html",
        result=result,
        sources=[make_hooks_app, trace_request, record],
        failures=FAILURES,
    )
