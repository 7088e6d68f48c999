"""The templating topic: its live demos."""

from flask import Blueprint

bp = Blueprint("templating", __name__, template_folder="templates")

from app.topics.templating import demos  # noqa: E402,F401
from app.topics.templating import views  # noqa: E402,F401
