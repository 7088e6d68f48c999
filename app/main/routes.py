"""Routes of the main blueprint."""

from __future__ import annotations

import functools
from importlib.metadata import version

from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from app.auth.service import set_language as set_account_language
from app.content import get_catalog
from app.extensions import csrf
from app.extensions import db
from app.main import bp
from app.progress import stats
from app.progress.identity import current_learner_id
from app.progress.queries import load_snapshot
from app.sessions import is_same_origin_request
from app.sessions import ping_session_store
from app.topics import TOPIC_NAMES
from app.topics import TOPICS


@bp.get("/")
def index():
    """Show the course map: topics in order, the learner's progress, where to continue."""
    course = get_catalog()
    snapshot = load_snapshot(current_learner_id())
    progress = stats.course_progress(course, TOPIC_NAMES, snapshot)
    return render_template(
        "main/index.html",
        topics=TOPICS,
        course=course,
        progress={item.topic: item for item in progress},
        overall=stats.overall_fraction(progress),
        continue_slug=stats.continue_lesson(course, snapshot),
        has_progress=bool(snapshot.lessons or snapshot.attempts),
    )


@bp.post("/language")
@csrf.exempt
def set_language():
    """Remember the reader's language on their account, or in the session.

    The header shows this form on every page; a visitor without a session gets it
    without a CSRF token (a token would need a session), so a request the browser
    vouches for as same-origin needs none. Anything else is checked as usual.
    """
    if not is_same_origin_request():
        csrf.protect()
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        raise BadRequest(f"Unknown language {lang[:16]!r}; choose one of en, zh.")
    if current_user.is_authenticated:
        set_account_language(current_user._get_current_object(), lang)
    session["lang"] = lang
    target = request.form.get("next", "")
    # Only same-site paths: an open redirect would let another site borrow our name.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Check the database and the session store; 503 names the one that failed."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        ping_session_store(current_app._get_current_object())
        checks["session_store"] = "ok"
    except Exception as exc:
        checks["session_store"] = f"error: {type(exc).__name__}"
    failed = [name for name, result in checks.items() if result != "ok"]
    body = {
        "status": "ok" if not failed else "unavailable",
        "checks": checks,
        "failed": failed,
        "session_backend": current_app.config["SESSION_TYPE"],
    }
    return jsonify(body), 503 if failed else 200


@bp.app_template_global()
def current_lang() -> str:
    """Return the language pages are shown in (``en`` or ``zh``), worked out once per request."""
    # Templates ask for it dozens of times per page (the topic menu alone, 16).
    lang = g.get("_current_lang")
    if lang is None:
        lang = g._current_lang = str(get_locale() or "en")
    return lang


@bp.app_template_global()
def all_topics():
    """Return the topics in course order, for the header menu."""
    return TOPICS


@bp.app_template_global()
@functools.cache
def flask_version() -> str:
    """Return the installed Flask version shown in the footer (read once per process)."""
    return version("flask")


@bp.app_template_global()
@functools.cache
def werkzeug_version() -> str:
    """Return the installed Werkzeug version shown in the footer (read once per process)."""
    return version("werkzeug")
