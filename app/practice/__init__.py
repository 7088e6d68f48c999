"""Practice: the spaced review queue (FSRS) and the timed interview drill."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practice", __name__)

from app.practice import drill  # noqa: E402,F401
from app.practice import panel  # noqa: E402,F401
from app.practice import review  # noqa: E402,F401
from app.practice import templating  # noqa: E402,F401
