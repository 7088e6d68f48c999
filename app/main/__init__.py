"""Site-wide pages: the home page, language choice and health checks."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import routes  # noqa: E402,F401
from app.main.readiness import install_probe  # noqa: E402

# /readyz is answered in front of the app, before a session is opened (see readiness.py).
bp.record_once(lambda state: install_probe(state.app))
