"""Routes of the main blueprint."""

from __future__ import annotations

import functools
from importlib.metadata import version

from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import SecurityError

from app.auth.redirects import same_site_path
from app.auth.service import set_language as set_account_language
from app.content import get_catalog
from app.extensions import csrf
from app.i18n import current_language
from app.main import bp
from app.main import prerender
from app.main.readiness import readiness
from app.progress import stats
from app.progress import summary as standings
from app.progress.identity import learner_standing
from app.sessions import is_same_origin_request
from app.topics import TOPIC_NAMES
from app.topics import TOPICS


@bp.get("/")
def index():
    """Show the course map: topics in order, the learner's progress, where to continue.

    The cards' texts and links come pre-rendered per catalog and language
    (``prerender.course_map``); the learner and their standing are two statements.
    """
    course = get_catalog()
    _, standing = learner_standing()
    progress = standings.course_progress(course, TOPIC_NAMES, standing)
    return render_template(
        "main/index.html",
        course=course,
        course_map=prerender.course_map(course, current_lang()),
        progress={item.topic: item for item in progress},
        overall=stats.overall_fraction(progress),
        continue_slug=stats.continue_lesson(course, standing),
        has_progress=standing.has_progress,
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
    # Only same-site paths: an open redirect would let another site borrow our name.
    return redirect(same_site_path(request.form.get("next"), url_for("main.index")), code=303)


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process is alive.

    ``ReadinessProbe`` answers ``GET``/``HEAD`` before Flask (any Host, no session); the
    route keeps the endpoint in the URL map and its 405 for other methods.
    """
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Report whether the database takes writes and the session store answers (JSON, 503 if not).

    Requests normally never get here: ``ReadinessProbe`` answers them before a
    session is opened. The route keeps the endpoint in the URL map.
    """
    body, status = readiness(current_app._get_current_object())
    return jsonify(body), status


@bp.app_template_global()
def current_lang() -> str:
    """Return the language pages are shown in (``en`` or ``zh``), worked out once per request."""
    # Templates ask for it dozens of times per page (the topic menu alone, 16).
    return current_language()


# The site's frame (header, menus, footer) comes pre-rendered once per language.
bp.add_app_template_global(prerender.chrome)
bp.add_app_template_global(prerender.url_with_next)
bp.add_app_template_global(prerender.static_url)
bp.add_app_template_global(prerender.progress_bar)


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


@bp.app_errorhandler(SecurityError)
def untrusted_host(error: SecurityError):
    """Answer a Host outside ``TRUSTED_HOSTS`` with a bare 400.

    No URL can be built for such a request (that is the point), so the site's error
    page, which links its stylesheet with ``url_for``, cannot be rendered; nor is the
    forged name echoed back.
    """
    return "Bad Request: this site is not served under that host name.\n", 400, {"Content-Type": "text/plain"}
