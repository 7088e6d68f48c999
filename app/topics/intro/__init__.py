"""The intro topic: its live demos."""

from flask import Blueprint

bp = Blueprint("intro", __name__, template_folder="templates")

from app.topics.intro import demos  # noqa: E402,F401
from app.topics.intro import views  # noqa: E402,F401
