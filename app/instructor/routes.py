"""Routes of the instructor blueprint: who may use it, and the Markdown preview (page and JSON)."""

from __future__ import annotations

from flask import abort
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.content import get_catalog
from app.content.preview import MAX_PREVIEW_BYTES
from app.content.preview import Preview
from app.content.preview import render_preview
from app.content.store import content_store
from app.extensions import login
from app.instructor import bp
from app.instructor.forms import PreviewForm


@bp.before_request
def require_instructor():
    """Send anonymous visitors to log in; refuse accounts that are not instructors."""
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not current_user.is_instructor:
        abort(403, _("Only instructors can use these pages."))
    return None


def too_big(text: str) -> bool:
    """Return whether ``text`` is over the preview's size limit."""
    return len(text) > MAX_PREVIEW_BYTES or len(text.encode("utf-8")) > MAX_PREVIEW_BYTES


def too_big_message() -> str:
    """Return the message shown for an oversized preview."""
    return _("The text is too long to preview (at most %(size)d KB).", size=MAX_PREVIEW_BYTES // 1000)


def preview(text: str) -> Preview:
    """Render ``text`` with links resolved against the course and this app's demos."""
    return render_preview(text, get_catalog(), content_store().demo_urls)


@bp.route("/preview", methods=["GET", "POST"])
def preview_page():
    """Show the preview form; a post renders the pasted Markdown below it."""
    form = PreviewForm()
    result = None
    error = None
    status = 200
    if form.validate_on_submit():
        text = form.markdown.data or ""
        if too_big(text):
            error, status = too_big_message(), 413
        else:
            result = preview(text)
    return render_template(
        "instructor/preview.html", form=form, result=result, error=error, limit=MAX_PREVIEW_BYTES
    ), status


@bp.post("/preview.json")
def preview_json():
    """Render posted Markdown (``{"markdown": "..."}``) and answer the HTML as JSON."""
    data = request.get_json(silent=True)
    text = data.get("markdown") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return jsonify(error="Bad Request", message=_('Send JSON like {"markdown": "..."}.')), 400
    if too_big(text):
        return jsonify(error="Payload Too Large", message=too_big_message()), 413
    result = preview(text)
    return jsonify(html=result.html, title=result.title, problems=list(result.problems))
