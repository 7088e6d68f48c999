"""The blueprints topic: its live demos."""

from flask import Blueprint

bp = Blueprint("blueprints", __name__, template_folder="templates")

from app.topics.blueprints import demos  # noqa: E402,F401
from app.topics.blueprints import views  # noqa: E402,F401
