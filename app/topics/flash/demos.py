"""Live demos of the flash topic: flash(), get_flashed_messages() and the ``_flashes`` list.

Everything runs on a throwaway sandbox app with its own test client and its own session, so
the site's own flash area is never touched. Between the learner's clicks, the sandbox's
``_flashes`` list is kept in the learner's session under :data:`SANDBOX_KEY`.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from flask import flash
from flask import get_flashed_messages
from flask import jsonify
from flask import message_flashed
from flask import request
from flask import session
from flask.testing import FlaskClient
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.flash import bp

#: Where the learner's sandbox keeps its ``_flashes`` between clicks.
SANDBOX_KEY = "flash_demo_flashes"
MAX_MESSAGES = 8
MAX_MESSAGE = 200
MAX_CATEGORY = 20
MAX_FILTER_CATEGORIES = 5
SUGGESTED_CATEGORIES = ("message", "info", "success", "warning", "error")
READ_MODES = ("plain", "with_categories", "category_filter")


def make_sandbox() -> Flask:
    """Build a throwaway app whose views flash and read messages.

    Notice: ``flash()`` only appends ``(category, message)`` to ``session["_flashes"]``;
    ``get_flashed_messages()`` pops that whole list on its first call in a request.
    """
    sandbox = Flask(__name__)
    sandbox.secret_key = secrets.token_hex(16)

    @sandbox.post("/flash")
    def add_message():
        flash(request.form["message"], request.form["category"])
        return "flashed"

    @sandbox.get("/read")
    def read_messages():
        with_categories = request.args.get("with_categories") == "1"
        category_filter = request.args.getlist("category")
        first = get_flashed_messages(with_categories=with_categories, category_filter=category_filter)
        # A second call in the same request is served from the request context's cache.
        second = get_flashed_messages(with_categories=True)
        return jsonify(first=first, second_call_same_request=second)

    return sandbox


def sandbox_flashes(client: FlaskClient) -> list[list[str]] | None:
    """Return the ``_flashes`` list in the sandbox's session, or None when the key is absent."""
    with client.session_transaction() as sandbox_session:
        flashes = sandbox_session.get("_flashes")
    return None if flashes is None else [list(pair) for pair in flashes]


def restore_flashes(client: FlaskClient, flashes: list[list[str]]) -> None:
    """Put the learner's earlier ``_flashes`` back into the sandbox session."""
    if flashes:
        with client.session_transaction() as sandbox_session:
            sandbox_session["_flashes"] = [tuple(pair) for pair in flashes]


def flash_once(client: FlaskClient, message: str, category: str) -> dict[str, Any]:
    """Flash one message in the sandbox and record the ``message_flashed`` signal.

    Notice: the receiver gets the app as ``sender`` and the message and category as kwargs.
    """
    heard: list[dict[str, str]] = []

    def on_flash(sender: Flask, message: str, category: str, **extra: Any) -> None:
        heard.append({"sender": sender.name, "message": message, "category": category})

    with message_flashed.connected_to(on_flash, client.application):
        client.post("/flash", data={"message": message, "category": category})
    return {"signal": "message_flashed", "received": heard, "_flashes_after": sandbox_flashes(client)}


def read_once(client: FlaskClient, mode: str, categories: list[str]) -> list[dict[str, Any]]:
    """Read the messages once, then again in a fresh request.

    Notice: the first read removes ``_flashes`` entirely, filtered-out messages included;
    the next request finds nothing.
    """
    query: dict[str, Any] = {}
    if mode != "plain":
        query["with_categories"] = "1"
    if mode == "category_filter":
        query["category"] = categories
    steps = [{"step": "session before the read", "_flashes": sandbox_flashes(client)}]
    read = client.get("/read", query_string=query).get_json()
    steps.append({"step": f"GET /read: {describe_call(mode, categories)}", **read})
    steps.append({"step": "session after the read", "_flashes": sandbox_flashes(client)})
    again = client.get("/read", query_string={"with_categories": "1"}).get_json()
    steps.append({"step": "the next request reads again", "returned": again["first"]})
    return steps


def describe_call(mode: str, categories: list[str]) -> str:
    """Return the call the sandbox view made, as the learner would write it."""
    if mode == "plain":
        return "get_flashed_messages()"
    if mode == "with_categories":
        return "get_flashed_messages(with_categories=True)"
    return f"get_flashed_messages(with_categories=True, category_filter={categories!r})"


def parse_categories(raw: str) -> list[str]:
    """Return the comma-separated categories to keep, bounded."""
    categories = [part.strip() for part in raw.split(",") if part.strip()]
    if len(categories) > MAX_FILTER_CATEGORIES or any(len(c) > MAX_CATEGORY for c in categories):
        raise BadRequest(
            _(
                "Give at most %(count)d categories of at most %(size)d characters each.",
                count=MAX_FILTER_CATEGORIES,
                size=MAX_CATEGORY,
            )
        )
    return categories


def flash_action(client: FlaskClient, stored: list[list[str]]) -> dict[str, Any]:
    """Validate the learner's message and flash it in the sandbox."""
    message = field_text("message", limit=MAX_MESSAGE).strip()
    category = field_text("category", "message", limit=MAX_CATEGORY).strip() or "message"
    if not message:
        raise BadRequest(_("Type a message to flash."))
    if len(stored) >= MAX_MESSAGES:
        raise BadRequest(
            _("The sandbox holds at most %(count)d messages: read or reset them first.", count=MAX_MESSAGES)
        )
    return flash_once(client, message, category)


@demo(
    bp,
    "/flash",
    title=_l("Flash messages, consumed"),
    summary=_l("Flash into a sandbox app's session, then read the messages back and watch them go."),
    methods=("GET", "POST"),
)
def demo_flash():
    """Flash or read messages in a sandbox app that keeps its own session."""
    stored = session.get(SANDBOX_KEY, [])
    result: dict[str, Any] = {"action": "show", "sandbox_flashes": stored}
    if request.method == "POST":
        action = field_text("action", limit=20)
        client = make_sandbox().test_client()
        restore_flashes(client, stored)
        if action == "flash":
            result.update(action="flash", **flash_action(client, stored))
        elif action == "read":
            mode = field_text("mode", "plain", limit=20)
            if mode not in READ_MODES:
                raise BadRequest(_("Choose a read mode: %(modes)s.", modes=", ".join(READ_MODES)))
            categories = parse_categories(field_text("categories", "", limit=200))
            result.update(action="read", mode=mode, steps=read_once(client, mode, categories))
        elif action == "reset":
            result.update(action="reset")
        else:
            raise BadRequest(_("Unknown action; use flash, read or reset."))
        stored = [] if action == "reset" else sandbox_flashes(client) or []
        session[SANDBOX_KEY] = stored
        result["sandbox_flashes"] = stored
    return render_demo(
        "flash/flash.html",
        result=result,
        sources=[make_sandbox, flash_once, read_once, sandbox_flashes],
        suggested=SUGGESTED_CATEGORIES,
        read_modes=READ_MODES,
    )
