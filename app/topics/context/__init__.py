"""The context topic: its live demos."""

from flask import Blueprint

bp = Blueprint("context", __name__, template_folder="templates")

from app.topics.context import demos  # noqa: E402,F401
from app.topics.context import views  # noqa: E402,F401
