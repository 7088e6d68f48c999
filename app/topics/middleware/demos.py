"""Live demos of the middleware topic: wrapping ``app.wsgi_app``, and mounting apps side by side."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask import jsonify
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import TestResponse

from app.demos import demo
from app.demos import field_int
from app.demos import field_text
from app.demos import render_demo
from app.topics.middleware import bp

MAX_DELAY_MS = 100
DISPATCH_PATHS = ("/", "/about", "/blog/", "/blog/post/7", "/blog", "/blogger", "/blog/nope")


# ---- middleware.demo_wrap -------------------------------------------------------------


class TimingMiddleware:
    """Time each request and add two headers to its response; wraps any WSGI app.

    Notice: it only knows the WSGI protocol (environ, start_response), nothing of Flask.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed_start_response(status: str, headers: list, exc_info: Any = None):
            elapsed_ms = (time.perf_counter() - started) * 1000
            headers.append(("X-Elapsed-Ms", f"{elapsed_ms:.2f}"))
            headers.append(("X-Powered-By-Middleware", type(self).__name__))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, timed_start_response)


def make_sandbox() -> Flask:
    """Build a throwaway app with one page that greets and may take its time."""
    sandbox = Flask(__name__)

    @sandbox.get("/hello")
    def hello():
        time.sleep(request.args.get("delay_ms", 0, type=int) / 1000)
        return f"Hello, {request.args.get('name', 'world')}!"

    return sandbox


def wrap_wsgi_app(sandbox: Flask) -> Flask:
    """Put the middleware around ``sandbox.wsgi_app``: the Flask object stays a Flask object.

    Notice: ``Flask.__call__`` calls ``self.wsgi_app``, so every request, including the
    test client's, now passes through the middleware.
    """
    sandbox.wsgi_app = TimingMiddleware(sandbox.wsgi_app)
    return sandbox


def raw_response(response: TestResponse) -> str:
    """Return the response as it would travel on the wire: status line, headers, body."""
    lines = [f"HTTP/1.1 {response.status}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return "\n".join(lines) + "\n\n" + response.get_data(as_text=True)


def what_wrapping_app_breaks() -> dict[str, Any]:
    """Wrap the Flask object itself, ``app = TimingMiddleware(app)``, and see what is lost.

    Notice: the name ``app`` now points to the middleware, which has no ``route``,
    ``config`` or ``test_client``; ``flask run`` would not find a Flask app either.
    """
    app = make_sandbox()
    app = TimingMiddleware(app)
    return {
        "type": type(app).__name__,
        "has_route": hasattr(app, "route"),
        "has_config": hasattr(app, "config"),
        "has_test_client": hasattr(app, "test_client"),
    }


def delay_ms() -> int:
    """Return the delay the learner asked for, between 0 and MAX_DELAY_MS."""
    return field_int("delay_ms", 0, 0, MAX_DELAY_MS)


@demo(
    bp,
    "/wrap",
    title=_l("A WSGI middleware around app.wsgi_app"),
    summary=_l("The same request to a sandbox app, with and without a timing middleware, as raw HTTP."),
)
def demo_wrap():
    """Send one request to the bare sandbox and one to the wrapped sandbox."""
    query = {"name": field_text("name", "Ada", limit=40), "delay_ms": delay_ms()}
    bare = make_sandbox().test_client().get("/hello", query_string=query)
    wrapped = wrap_wsgi_app(make_sandbox()).test_client().get("/hello", query_string=query)
    result = {
        "query": query,
        "without": raw_response(bare),
        "with": raw_response(wrapped),
        "added_headers": {k: v for k, v in wrapped.headers.items() if k not in bare.headers},
        "wrapping_app_itself": what_wrapping_app_breaks(),
    }
    return render_demo(
        "middleware/wrap.html",
        result=result,
        sources=[TimingMiddleware, wrap_wsgi_app, what_wrapping_app_breaks, raw_response],
    )


# ---- middleware.demo_dispatcher -------------------------------------------------------


def describe_request(app_name: str, **urls: str) -> dict[str, Any]:
    """Return how this request looks from inside the app that answered it."""
    return {
        "app": app_name,
        "SCRIPT_NAME": request.environ.get("SCRIPT_NAME", ""),
        "PATH_INFO": request.environ.get("PATH_INFO", ""),
        "request.path": request.path,
        "request.script_root": request.script_root,
        "endpoint": request.endpoint,
        "url_for": urls,
    }


def sign_responses(sandbox: Flask, name: str) -> None:
    """Add an ``X-Answered-By`` header to every response of ``sandbox``, redirects included."""

    @sandbox.after_request
    def sign(response):
        response.headers["X-Answered-By"] = name
        return response


def make_main_app() -> Flask:
    """Build the main sandbox app: a home page and an about page."""
    main = Flask(__name__)
    sign_responses(main, "main")

    @main.get("/")
    def index():
        return jsonify(describe_request("main", index=url_for("index"), about=url_for("about")))

    @main.get("/about")
    def about():
        return jsonify(describe_request("main", index=url_for("index")))

    @main.errorhandler(404)
    def not_found(error):
        return jsonify(describe_request("main", index=url_for("index"))), 404

    return main


def make_blog_app() -> Flask:
    """Build the blog sandbox app, written as if it lived at the root of a site."""
    blog = Flask(__name__)
    sign_responses(blog, "blog")

    @blog.get("/")
    def index():
        return jsonify(describe_request("blog", index=url_for("index"), post=url_for("post", post_id=1)))

    @blog.get("/post/<int:post_id>")
    def post(post_id: int):
        return jsonify(
            describe_request("blog", post=url_for("post", post_id=post_id), index=url_for("index"))
        )

    @blog.errorhandler(404)
    def not_found(error):
        return jsonify(describe_request("blog", index=url_for("index"))), 404

    return blog


def mount_blog(main: Flask, blog: Flask) -> Flask:
    """Mount ``blog`` under /blog with DispatcherMiddleware around ``main.wsgi_app``.

    Notice: the middleware moves the prefix from PATH_INFO to SCRIPT_NAME, so the blog
    matches ``/post/7`` and its ``url_for`` puts ``/blog`` back in front.
    """
    main.wsgi_app = DispatcherMiddleware(main.wsgi_app, {"/blog": blog})
    return main


def watch_environ(wsgi_app: Callable, seen: dict[str, str]) -> Callable:
    """Wrap a WSGI app to note SCRIPT_NAME and PATH_INFO as they arrive, before dispatching."""

    def watcher(environ: dict, start_response: Callable) -> Iterable[bytes]:
        seen.update(SCRIPT_NAME=environ.get("SCRIPT_NAME", ""), PATH_INFO=environ.get("PATH_INFO", ""))
        return wsgi_app(environ, start_response)

    return watcher


def sandbox_path() -> str:
    """Return the path the learner typed, refusing anything that is not a plain path."""
    path = field_text("path", "/blog/post/7", limit=100).strip() or "/"
    if not path.startswith("/") or path.startswith("//") or any(ch.isspace() or ch == "#" for ch in path):
        raise BadRequest(_("Type a path that starts with a single /, without spaces."))
    return path


@demo(
    bp,
    "/dispatcher",
    title=_l("Two apps, one server: DispatcherMiddleware"),
    summary=_l("Mount a blog app under /blog next to a main app and see how each one sees the request."),
)
def demo_dispatcher():
    """Send the learner's path through the dispatcher and report which app answered."""
    path = sandbox_path()
    site = mount_blog(make_main_app(), make_blog_app())
    before_dispatch: dict[str, str] = {}
    site.wsgi_app = watch_environ(site.wsgi_app, before_dispatch)
    response = site.test_client().get(path)
    seen = response.get_json(silent=True) if response.is_json else None
    result = {
        "path": path,
        "status": response.status_code,
        "answered_by": response.headers.get("X-Answered-By"),
        "location": response.headers.get("Location"),
        "before_dispatch": before_dispatch,
        "seen": seen,
        "mounts": ["/blog"],
    }
    return render_demo(
        "middleware/dispatcher.html",
        result=result,
        sources=[mount_blog, describe_request, make_blog_app, watch_environ],
        paths=DISPATCH_PATHS,
    )
