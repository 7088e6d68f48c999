"""Pages for instructors: reports on the class, exports, and the live Markdown preview."""

from flask import Blueprint

bp = Blueprint("instructor", __name__, url_prefix="/instructor", template_folder="templates")

from app.instructor import exports  # noqa: E402,F401
from app.instructor import pages  # noqa: E402,F401
from app.instructor import routes  # noqa: E402,F401
from app.instructor import source  # noqa: E402,F401
