"""The ecosystem topic: its live demos."""

from flask import Blueprint

bp = Blueprint("ecosystem", __name__, template_folder="templates")

from app.topics.ecosystem import demos  # noqa: E402,F401
from app.topics.ecosystem import views  # noqa: E402,F401
