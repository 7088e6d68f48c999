"""The flash topic: its live demos."""

from flask import Blueprint

bp = Blueprint("flash", __name__, template_folder="templates")

from app.topics.flash import demos  # noqa: E402,F401
from app.topics.flash import views  # noqa: E402,F401
