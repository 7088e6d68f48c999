"""The forms topic: its live demos."""

from flask import Blueprint

bp = Blueprint("forms", __name__, template_folder="templates")

from app.topics.forms import demos  # noqa: E402,F401
from app.topics.forms import views  # noqa: E402,F401
