"""The hooks topic: its live demos."""

from flask import Blueprint

bp = Blueprint("hooks", __name__, template_folder="templates")

from app.topics.hooks import demos  # noqa: E402,F401
from app.topics.hooks import views  # noqa: E402,F401
