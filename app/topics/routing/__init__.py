"""The routing topic: its live demos."""

from flask import Blueprint

bp = Blueprint("routing", __name__, template_folder="templates")

from app.topics.routing import demos  # noqa: E402,F401
from app.topics.routing import views  # noqa: E402,F401
