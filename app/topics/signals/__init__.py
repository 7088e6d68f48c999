"""The signals topic: its live demos."""

from flask import Blueprint

bp = Blueprint("signals", __name__, template_folder="templates")

from app.topics.signals import demos  # noqa: E402,F401
from app.topics.signals import views  # noqa: E402,F401
