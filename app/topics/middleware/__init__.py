"""The middleware topic: its live demos."""

from flask import Blueprint

bp = Blueprint("middleware", __name__, template_folder="templates")

from app.topics.middleware import demos  # noqa: E402,F401
from app.topics.middleware import views  # noqa: E402,F401
