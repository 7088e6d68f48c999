"""The websockets topic: its live demos."""

from flask import Blueprint

bp = Blueprint("websockets", __name__, template_folder="templates")

from app.topics.websockets import demos  # noqa: E402,F401
from app.topics.websockets import views  # noqa: E402,F401
