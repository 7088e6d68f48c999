"""Saving playground edits to a signed-in learner's account: two JSON endpoints.

``GET /playground/saves?id=…`` returns the saved code of the page's playgrounds, and
``POST /playground/saves/<id>`` (JSON ``{"code": …}``, CSRF token in ``X-CSRFToken``)
keeps a new copy. Anonymous visitors get a 401: their edits stay in their browser.
"""

from __future__ import annotations

from flask import abort
from flask import jsonify
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.content import get_catalog
from app.playground import bp
from app.playground import saves
from app.playground.models import BLOCK_ID_LENGTH
from app.playground.models import PlaygroundSave
from app.progress.cards import as_utc


def signed_in_user_id() -> int:
    """Return the signed-in user's id; a 401 for anonymous visitors."""
    if not current_user.is_authenticated:
        abort(401, _("Log in to save your code to your account; until then it stays in this browser."))
    return int(current_user.id)


def described(row: PlaygroundSave) -> dict[str, str]:
    """Return a save as the page reads it: the code and when it was saved (ISO 8601, UTC)."""
    return {"code": row.code, "saved_at": as_utc(row.saved_at).isoformat()}


@bp.get("/saves")
def saved_code():
    """Return the user's saved code of the playgrounds named by ``id`` (those that still apply)."""
    user_id = signed_in_user_id()
    ids = list(dict.fromkeys(request.args.getlist("id")))
    if len(ids) > saves.MAX_IDS:
        abort(400, _("Ask for at most %(n)d playgrounds at a time.", n=saves.MAX_IDS))
    playgrounds = get_catalog().playgrounds
    entries = [playgrounds[block_id] for block_id in ids if block_id in playgrounds]
    rows = saves.saved_copies(user_id, entries)
    response = jsonify(saves={block_id: described(row) for block_id, row in rows.items()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/saves/<block_id>")
def save_code(block_id: str):
    """Keep the posted code as the user's copy of one playground."""
    user_id = signed_in_user_id()
    entry = get_catalog().playgrounds.get(block_id[:BLOCK_ID_LENGTH])
    if entry is None:
        abort(404, _("There is no playground with that id."))
    body = request.get_json()
    if not isinstance(body, dict) or set(body) != {"code"}:
        abort(400, _('Send the code as text: {"code": "..."}.'))
    try:
        row = saves.save_code(user_id, entry, body["code"])
    except saves.SaveRefused as exc:
        abort(exc.status, exc.message)
    return jsonify(saved_at=as_utc(row.saved_at).isoformat(), message=_("Saved to your account."))
