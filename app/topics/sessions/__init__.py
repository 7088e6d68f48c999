"""The sessions topic: its live demos."""

from flask import Blueprint

bp = Blueprint("sessions", __name__, template_folder="templates")

from app.topics.sessions import demos  # noqa: E402,F401
from app.topics.sessions import views  # noqa: E402,F401
