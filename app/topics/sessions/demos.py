"""Live demos of the sessions topic: Flask's signed cookie, and this site's server-side session."""

from __future__ import annotations

import re
import time
import zlib
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData
from itsdangerous.encoding import base64_decode
from itsdangerous.encoding import bytes_to_int
from werkzeug.exceptions import BadRequest
from werkzeug.test import TestResponse

from app.demos import PARTIAL_HEADER
from app.demos import demo
from app.demos import field_choice
from app.demos import field_text
from app.demos import render_demo
from app.errors import wants_json
from app.extensions import db
from app.sessions import REFRESHED_KEY
from app.sessions import USER_KEY
from app.sessions import regenerate_session
from app.topics.sessions import bp

# ---- Flask's default session: a signed cookie ---------------------------------------

#: The sandbox's key. It is public on purpose: it signs nothing but this demo's cookies.
SANDBOX_SECRET_KEY = "sandbox-key-for-the-cookie-demo"  # noqa: S105
MAX_KEYS = 6
KEY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}\Z")


def make_cookie_app() -> Flask:
    """Build a throwaway app using Flask's default SecureCookieSessionInterface.

    Notice: nothing is stored on the server. ``session`` is read from the cookie at the
    start of the request and written back, signed, in ``Set-Cookie`` at the end.
    """
    app = Flask(__name__, static_folder=None)
    app.secret_key = SANDBOX_SECRET_KEY

    @app.get("/set")
    def set_value():
        key, value = request.args["key"], request.args["value"]
        if value:
            session[key] = value
        else:
            session.pop(key, None)
        session.permanent = request.args.get("permanent") == "1"
        return dict(session)

    @app.get("/read")
    def read():
        return dict(session)

    return app


def send_with_cookie(path: str, cookie: str, **params: str) -> TestResponse:
    """Send one request to the sandbox with ``cookie`` as its session cookie."""
    client = make_cookie_app().test_client()
    if cookie:
        client.set_cookie("session", cookie)
    return client.get(path, query_string=params)


def split_cookie(cookie: str) -> dict[str, Any]:
    """Split a session cookie into payload, timestamp and signature, and decode the first two.

    Notice: the payload is only base64 (zlib-compressed when it starts with a dot): anyone
    can read it. The signature is an HMAC of the rest with the secret key: nobody without
    the key can change a byte and produce a matching one.
    """
    compressed = cookie.startswith(".")
    payload, timestamp, signature = cookie.lstrip(".").rsplit(".", 2)
    data = base64_decode(payload)
    if compressed:
        data = zlib.decompressobj().decompress(data, 20_000)
    signed_at = datetime.fromtimestamp(bytes_to_int(base64_decode(timestamp)), UTC)
    return {
        "payload": payload,
        "timestamp": timestamp,
        "signature": signature,
        "compressed": compressed,
        "payload_json": data.decode("utf-8", "replace"),
        "signed_at": signed_at.isoformat(),
        "signature_bytes": len(base64_decode(signature)),
    }


def tamper(cookie: str) -> str:
    """Change one character of the payload (the first after any leading dot)."""
    index = 1 if cookie.startswith(".") else 0
    changed = "B" if cookie[index] != "B" else "C"
    return cookie[:index] + changed + cookie[index + 1 :]


def signature_ok(cookie: str) -> bool:
    """Check a cookie's signature the way the sandbox's session interface does."""
    app = make_cookie_app()
    serializer = app.session_interface.get_signing_serializer(app)
    try:
        serializer.loads(cookie)
    except (BadData, ValueError):
        return False
    return True


def describe_response(response: TestResponse) -> dict[str, Any]:
    """Return the session the sandbox saw, and the Set-Cookie it sent back (if any)."""
    header = response.headers.get("Set-Cookie", "")
    value = header.split(";", 1)[0].partition("=")[2] if header else ""
    attributes = [part.strip() for part in header.split(";")[1:]] if header else []
    return {
        "session": response.get_json(),
        "set_cookie": header,
        "cookie": value,
        "expires": any(part.lower().startswith("expires=") for part in attributes),
        "attributes": attributes,
    }


def read_cookie_form() -> dict[str, str]:
    """Return the learner's action and values, checked."""
    form = {
        "action": field_choice("action", "show", ("show", "set", "tamper")),
        "cookie": field_text("cookie", "", limit=1500).strip(),
        "key": field_text("key", "cart", limit=20).strip(),
        "value": field_text("value", "3 books", limit=60),
        "permanent": "1" if field_text("permanent", "", limit=1) == "1" else "",
    }
    if not KEY_NAME.match(form["key"]):
        raise BadRequest(_("A key starts with a letter and has at most 20 letters, digits or _."))
    if form["cookie"] and not re.fullmatch(
        r"\.?[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", form["cookie"]
    ):
        raise BadRequest(_("That does not look like a Flask session cookie."))
    return form


@demo(
    bp,
    "/cookie",
    title=_l("Flask's session cookie, decoded"),
    summary=_l(
        "Signed, not encrypted: read the payload, see the signature, and watch a tampered cookie fail."
    ),
)
def demo_cookie():
    """Set session values in a sandbox app, decode its cookie, and try a tampered copy."""
    form = read_cookie_form()
    result: dict[str, Any] = {"action": form["action"], "key": form["key"], "value": form["value"]}
    cookie = form["cookie"]
    if form["action"] == "set":
        response = send_with_cookie(
            "/set", cookie, key=form["key"], value=form["value"], permanent=form["permanent"]
        )
        answer = describe_response(response)
        if len(answer["session"]) > MAX_KEYS:
            raise BadRequest(_("This demo keeps at most %(count)d keys; clear one first.", count=MAX_KEYS))
        result["response"] = answer
        cookie = answer["cookie"] or ("" if answer["set_cookie"] else cookie)
    result["cookie"] = cookie
    if cookie:
        try:
            result["parts"] = split_cookie(cookie)
        except (BadData, ValueError, OverflowError, OSError, zlib.error):
            raise BadRequest(_("That cookie could not be decoded.")) from None
        result["signature_ok"] = signature_ok(cookie)
        result["session"] = describe_response(send_with_cookie("/read", cookie))["session"]
    if form["action"] == "tamper" and cookie:
        forged = tamper(cookie)
        result["tampered"] = {
            "cookie": forged,
            "signature_ok": signature_ok(forged),
            "session": describe_response(send_with_cookie("/read", forged))["session"],
        }
    return render_demo(
        "sessions/cookie.html",
        result=result,
        form=form,
        sandbox_key=SANDBOX_SECRET_KEY,
        sources=[make_cookie_app, split_cookie, tamper, signature_ok, send_with_cookie],
    )


# ---- This site's server-side session ------------------------------------------------

#: Session keys whose values may be shown; every other value is redacted.
SHOWN_KEYS = {"_permanent", "lang", REFRESHED_KEY}
DEMO_PREFIX = "demo_"
MAX_DEMO_KEYS = 5


def mask(sid: str) -> str:
    """Show the first four characters of a session id, never the whole id."""
    return f"{sid[:4]}…({len(sid)} chars)" if sid else ""


def visible_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the stored keys; only ``demo_*``, ``lang`` and ``_permanent`` keep their values.

    Notice: the CSRF token, Flask-Login's ``_user_id``/``_fresh``/``_id`` and anything else
    are redacted - the record is as sensitive as a password.
    """
    rows = []
    for key in sorted(data):
        shown = key in SHOWN_KEYS or key.startswith(DEMO_PREFIX)
        rows.append(
            {"key": key, "value": repr(data[key])[:120] if shown else "«redacted»", "redacted": not shown}
        )
    return rows


def stored_record(app: Flask, sid: str) -> dict[str, Any]:
    """Read this session's record straight from the store, as Flask-Session wrote it.

    Notice: Redis keeps ``<prefix><sid>`` with a TTL, so Redis deletes it by itself;
    the embedded store keeps a row with an ``expiry`` column that Flask-Session checks.
    """
    interface = app.session_interface
    key = interface.key_prefix + sid
    if app.config["SESSION_TYPE"] == "redis":
        client = app.config["SESSION_REDIS"]
        raw, ttl = client.get(key), client.ttl(key)
        expires = {"ttl_seconds": ttl if raw is not None else None}
    else:
        model = interface.sql_session_model
        row = db.session.execute(sa.select(model).filter_by(session_id=key)).scalar_one_or_none()
        raw = row.data if row else None
        expires = {"expiry": row.expiry.isoformat() + " UTC" if row else None}
    data = interface.serializer.decode(raw) if raw else None
    return {
        "store": app.config["SESSION_TYPE"],
        "key": interface.key_prefix + mask(sid),
        "exists": raw is not None,
        "size_bytes": len(raw) if raw else 0,
        "items": visible_items(data) if data else [],
        **expires,
    }


def describe_server_session(app: Flask) -> dict[str, Any]:
    """Describe this learner's session: the cookie, the record it points to, and its lifetime.

    Notice: the lifetime depends on who you are (a day anonymous, 30 days logged in), and the
    record is written back only when it changed or once its ``_refreshed`` stamp is a refresh
    interval old - a reload alone does not restart the time to live.
    """
    current = session._get_current_object()  # the session object itself, not the proxy
    sid = current.sid
    policy = app.session_interface
    refreshed = dict.get(current, REFRESHED_KEY)
    return {
        "cookie_name": app.config["SESSION_COOKIE_NAME"],
        "cookie_value": mask(request.cookies.get(app.config["SESSION_COOKIE_NAME"], "")),
        "sid": mask(sid),
        "account": dict.__contains__(current, USER_KEY),
        "lifetime_seconds": int(policy.lifetime(app, current).total_seconds()),
        "anonymous_lifetime_seconds": int(app.config["ANONYMOUS_SESSION_LIFETIME"].total_seconds()),
        "account_lifetime_seconds": int(app.permanent_session_lifetime.total_seconds()),
        "refresh_interval_seconds": int(policy.refresh_interval(app, current).total_seconds()),
        "written_seconds_ago": int(time.time() - refreshed) if isinstance(refreshed, int | float) else None,
        "record": stored_record(app, sid),
    }


def set_demo_value(name: str, value: str) -> str:
    """Store a value under ``demo_<name>`` in the real session (saved after the view returns)."""
    demo_keys = [key for key in session if key.startswith(DEMO_PREFIX)]
    key = DEMO_PREFIX + name
    if key not in session and len(demo_keys) >= MAX_DEMO_KEYS:
        raise BadRequest(_("At most %(count)d demo values; clear them first.", count=MAX_DEMO_KEYS))
    session[key] = value
    return key


def regenerate_demo() -> dict[str, Any]:
    """Give this session a new id with the site's own helper, keeping its data.

    Notice: the old record is deleted at once; the new one is written by
    ``save_session`` after the view returns, with a new cookie for the browser.
    """
    app = current_app._get_current_object()
    old_sid = session.sid
    regenerate_session()
    return {
        "old_key": app.session_interface.key_prefix + mask(old_sid),
        "new_key": app.session_interface.key_prefix + mask(session.sid),
        "old_record_exists": stored_record(app, old_sid)["exists"],
        "changed": old_sid != session.sid,
    }


def apply_server_action(action: str) -> dict[str, Any]:
    """Run the learner's action on their real session and say what it did."""
    if action == "set":
        name = field_text("name", "colour", limit=20).strip()
        if not KEY_NAME.match(name):
            raise BadRequest(_("A name starts with a letter and has at most 20 letters, digits or _."))
        return {"action": "set", "key": set_demo_value(name, field_text("value", "green", limit=100))}
    if action == "clear":
        removed = [key for key in list(session) if key.startswith(DEMO_PREFIX)]
        for key in removed:
            session.pop(key)
        return {"action": "clear", "removed": removed}
    if action == "regenerate":
        if not session:
            raise BadRequest(_("The session is empty, so there is nothing to move to a new id yet."))
        return {"action": "regenerate", **regenerate_demo()}
    raise BadRequest(_("Unknown action."))


@demo(
    bp,
    "/server",
    methods=("GET", "POST"),
    title=_l("Your server-side session, in the store"),
    summary=_l("The cookie holds only an id; the data lives in Redis (or the database) under that id."),
)
def demo_server():
    """Show this learner's real session record; set a demo value or regenerate the id."""
    app = current_app._get_current_object()
    if request.method == "POST":
        done = apply_server_action(field_text("action", "", limit=12))
        if not wants_json() or request.headers.get(PARTIAL_HEADER):
            # Post/redirect/get, for the page and its script alike: the next page reads
            # the store after this request saved it.
            shown = {key: value for key, value in done.items() if key in ("key", "old_key")}
            return redirect(url_for("sessions.demo_server", done=done["action"], **shown), code=303)
        result = {"done": done, **describe_server_session(app)}
    else:
        done = {"action": field_text("done", "", limit=12), "key": field_text("key", "", limit=40)}
        done["old_key"] = field_text("old_key", "", limit=80)
        result = {"done": done, **describe_server_session(app)}
    return render_demo(
        "sessions/server.html",
        result=result,
        sources=[describe_server_session, stored_record, visible_items, regenerate_demo, set_demo_value],
    )
