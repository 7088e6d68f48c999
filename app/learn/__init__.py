"""The learner's pages for every topic: topic, lesson, quiz, and the dashboard."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from app.learn import questions  # noqa: E402,F401
from app.learn import routes  # noqa: E402,F401
from app.learn import templating  # noqa: E402,F401
