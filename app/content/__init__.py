"""The course content: lessons and quizzes parsed, rendered and checked once into a catalog.

Views call ``get_catalog()``; graders live in ``app.content.grading``.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import render_template
from flask import request

from app.content.catalog import build_catalog
from app.content.grading import InvalidAnswer
from app.content.grading import Result
from app.content.grading import coerce_answer
from app.content.grading import grade
from app.content.model import Catalog
from app.content.render import render_markdown
from app.content.store import ContentError
from app.content.store import ContentStore
from app.content.store import content_store
from app.content.store import get_catalog

__all__ = [
    "Catalog",
    "ContentError",
    "InvalidAnswer",
    "Result",
    "build_catalog",
    "check_content",
    "coerce_answer",
    "get_catalog",
    "grade",
    "init_content",
    "render_markdown",
]

# Holds the template of the "content has problems" page; it has no routes.
bp = Blueprint("content", __name__, template_folder="templates")

#: Endpoints that keep working while the content is broken in development.
ALWAYS_AVAILABLE = frozenset({"static", "main.healthz", "main.readyz"})
#: Blueprints that do too: an author logs in and previews a fix while the course is broken.
ALWAYS_AVAILABLE_BLUEPRINTS = frozenset({"auth", "instructor"})


def init_content(app: Flask) -> None:
    """Attach the content store; build now in production, lazily elsewhere.

    Call it after every blueprint is registered: demo links are checked against the URL map.
    Production refuses to start with invalid content; development shows the problems instead
    of the site (``CONTENT_ERROR_PAGE``, on with debug).
    """
    store = ContentStore(app)
    app.extensions["content"] = store
    app.extensions["content_loader"] = store.load
    app.register_blueprint(bp)
    if app.config.get("CONTENT_ERROR_PAGE", app.debug):
        app.before_request(show_problems)
    if not (app.debug or app.testing or store.auto_reload):
        catalog = store.load()
        if catalog.problems:
            raise ContentError(catalog.problems)


def show_problems():
    """Answer every page with the list of content problems while there are any."""
    if request.endpoint in ALWAYS_AVAILABLE or request.blueprint in ALWAYS_AVAILABLE_BLUEPRINTS:
        return None
    catalog = get_catalog()
    if not catalog.problems:
        return None
    return render_template("content/problems.html", catalog=catalog), 500


def check_content(app: Flask) -> Catalog:
    """Build a fresh catalog for ``app`` (not kept) and return it with its problems."""
    return content_store(app).build()
