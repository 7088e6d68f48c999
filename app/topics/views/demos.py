"""Live demos of the views topic: what a view may return, and class-based views."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask import abort
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import request
from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Forbidden
from werkzeug.test import TestResponse

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.views import bp

MAX_BODY = 2000


# ---- What a view may return -------------------------------------------------------


def return_str():
    """A string: the body, with status 200 and Content-Type text/html."""
    return "<p>Hello from a view</p>"


def return_dict():
    """A dict: Flask calls jsonify() for you (application/json)."""
    return {"name": "Ada", "languages": ["Python", "SQL"]}


def return_list():
    """A list: also turned into JSON, since Flask 2.2."""
    return [1, 2, 3]


def return_tuple_status():
    """A (body, status) tuple: the second item is the status code."""
    return "Created", 201


def return_tuple_headers():
    """A (body, headers) tuple: a dict as the second item means headers."""
    return "With a header", {"X-Demo": "headers from a tuple"}


def return_tuple_all():
    """A (body, status, headers) tuple: all three at once."""
    return {"error": "I'm a teapot"}, 418, {"X-Brew": "no coffee here"}


def return_make_response():
    """make_response(): get the Response object itself, then change it."""
    response = make_response("Built with make_response()")
    response.headers["X-Demo"] = "custom"
    response.set_cookie("flavour", "chocolate", max_age=60, httponly=True, samesite="Lax")
    return response


def return_jsonify():
    """jsonify(): a Response with a JSON body, built explicitly."""
    return jsonify(ok=True, items=["a", "b"])


def return_redirect():
    """redirect(): a 302 with a Location header and a tiny HTML body."""
    return redirect(url_for("return_str"))


def return_abort():
    """abort(403): raises an HTTPException; the app's error handler turns it into a response."""
    abort(403, "Members only.")


def return_generator():
    """A generator: the body is streamed, chunk by chunk, with no Content-Length."""

    def chunks() -> Iterator[str]:
        yield "first chunk\n"
        yield "second chunk\n"

    return chunks()


def handle_forbidden(error: Forbidden):
    """The sandbox's ``errorhandler(403)``: what abort(403) ends up returning."""
    return {"error": "forbidden", "description": error.description}, 403


RESPONSE_STYLES: dict[str, Callable] = {
    "str": return_str,
    "dict": return_dict,
    "list": return_list,
    "tuple_status": return_tuple_status,
    "tuple_headers": return_tuple_headers,
    "tuple_all": return_tuple_all,
    "make_response": return_make_response,
    "jsonify": return_jsonify,
    "redirect": return_redirect,
    "abort": return_abort,
    "generator": return_generator,
}


def make_responses_app() -> Flask:
    """Build a throwaway app with one URL per return style, and a 403 handler."""
    app = Flask(__name__, static_folder=None)
    for style, view in RESPONSE_STYLES.items():
        app.add_url_rule(f"/{style}", view_func=view)
    app.register_error_handler(403, handle_forbidden)
    return app


def raw_response(response: TestResponse) -> dict[str, Any]:
    """Return the response as it goes on the wire: status line, headers, body.

    Notice: whatever the view returned, ``make_response`` turned it into one Response
    object; the test client shows what a browser would have received.
    """
    body = response.get_data(as_text=True)
    return {
        "status_line": f"HTTP/1.1 {response.status}",
        "status_code": response.status_code,
        "headers": [[name, value] for name, value in response.headers.items()],
        "body": body[:MAX_BODY],
    }


@demo(
    bp,
    "/responses",
    title=_l("What a view can return"),
    summary=_l("Eleven return styles, one Response each: see the raw status line, headers and body."),
)
def demo_responses():
    """Call one return style in a sandbox app through its test client."""
    style = field_text("style", "dict", limit=20)
    if style not in RESPONSE_STYLES:
        raise BadRequest(_("Choose one of the listed return styles."))
    response = make_responses_app().test_client().get(f"/{style}")
    result = {"style": style, "view": RESPONSE_STYLES[style].__name__, **raw_response(response)}
    sources = [RESPONSE_STYLES[style], make_responses_app, raw_response]
    if style == "abort":
        sources.insert(1, handle_forbidden)
    return render_demo(
        "views/responses.html",
        result=result,
        sources=sources,
        styles=[(name, _((view.__doc__ or "").split("\n")[0])) for name, view in RESPONSE_STYLES.items()],
    )


# ---- MethodView against a function view ----------------------------------------


class ItemAPI(MethodView):
    """One method per HTTP verb: ``dispatch_request`` calls the one named like the request's method.

    Notice: ``ItemAPI.methods`` is computed from the methods the class defines, so the
    rule allows exactly GET, POST and DELETE (plus HEAD and OPTIONS, added by Flask).
    """

    def get(self, item_id: int):
        return {"handler": "ItemAPI.get", "item_id": item_id}

    def post(self, item_id: int):
        return {"handler": "ItemAPI.post", "item_id": item_id, "created": True}, 201

    def delete(self, item_id: int):
        return {"handler": "ItemAPI.delete", "item_id": item_id, "deleted": True}


def item_function(item_id: int):
    """The same resource as one function: the ``if request.method`` chain is yours to write."""
    if request.method == "GET":
        return {"handler": "item_function (GET branch)", "item_id": item_id}
    if request.method == "POST":
        return {"handler": "item_function (POST branch)", "item_id": item_id, "created": True}, 201
    if request.method == "DELETE":
        return {"handler": "item_function (DELETE branch)", "item_id": item_id, "deleted": True}
    # HEAD ends up here: the rule allows it (Flask adds HEAD wherever GET is), but no
    # branch above handles it. MethodView would have called get() instead.
    abort(405)


def make_items_app() -> Flask:
    """Register the class-based and the function view on a throwaway app."""
    app = Flask(__name__, static_folder=None)
    app.add_url_rule("/class/items/<int:item_id>", view_func=ItemAPI.as_view("item_api"))
    app.add_url_rule(
        "/function/items/<int:item_id>", view_func=item_function, methods=["GET", "POST", "DELETE"]
    )
    return app


VERBS = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS")


def send(app: Flask, method: str, path: str) -> dict[str, Any]:
    """Send one request to ``app`` and return its status, Allow header and body."""
    response = app.test_client().open(path, method=method)
    return {
        "path": path,
        "status": response.status,
        "allow": response.headers.get("Allow"),
        "body": response.get_data(as_text=True)[:MAX_BODY],
    }


@demo(
    bp,
    "/method-view",
    title=_l("MethodView against a function view"),
    summary=_l("Send the same HTTP method to a MethodView and to a function view, and compare the dispatch."),
)
def demo_method_view():
    """Send the chosen method to both views of a sandbox app."""
    method = field_text("method", "GET", limit=10).upper()
    if method not in VERBS:
        raise BadRequest(_("Choose one of %(verbs)s.", verbs=", ".join(VERBS)))
    app = make_items_app()
    rules = {rule.endpoint: sorted(rule.methods or ()) for rule in app.url_map.iter_rules()}
    result = {
        "method": method,
        "class_view": send(app, method, "/class/items/7"),
        "function_view": send(app, method, "/function/items/7"),
        "class_methods": sorted(ItemAPI.methods or ()),
        "rule_methods": rules,
    }
    return render_demo(
        "views/method_view.html",
        result=result,
        sources=[ItemAPI, item_function, make_items_app, send],
        verbs=VERBS,
    )
