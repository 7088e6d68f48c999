"""The database topic: its live demos."""

from flask import Blueprint

bp = Blueprint("database", __name__, template_folder="templates")

from app.topics.database import demos  # noqa: E402,F401
from app.topics.database import views  # noqa: E402,F401
