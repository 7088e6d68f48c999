"""The views topic: its live demos."""

from flask import Blueprint

bp = Blueprint("views", __name__, template_folder="templates")

from app.topics.views import demos  # noqa: E402,F401
from app.topics.views import views  # noqa: E402,F401
