"""The config topic: its live demos."""

from flask import Blueprint

bp = Blueprint("config", __name__, template_folder="templates")

from app.topics.config import demos  # noqa: E402,F401
from app.topics.config import views  # noqa: E402,F401
