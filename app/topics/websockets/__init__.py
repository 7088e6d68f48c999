"""The websockets topic: its live demos."""

from flask import Blueprint

bp = Blueprint("websockets", __name__, template_folder="templates")

from app.topics.websockets.guard import init_socket_limits  # noqa: E402

# The limits apply to every WebSocket rule of the app, registered once with the blueprint.
bp.record_once(lambda state: init_socket_limits(state.app))

from app.topics.websockets import demos  # noqa: E402,F401
from app.topics.websockets import views  # noqa: E402,F401
