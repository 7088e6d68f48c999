"""Pages for instructors: the live Markdown preview."""

from flask import Blueprint

bp = Blueprint("instructor", __name__, url_prefix="/instructor", template_folder="templates")

from app.instructor import routes  # noqa: E402,F401
