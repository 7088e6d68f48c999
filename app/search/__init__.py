"""Search over the whole course, in English and Chinese: ``/search`` and ``/search.json``.

The index (``app.search.index``) is built beside the catalog, once per content version: the
content store calls ``index_catalog`` after every (re)build, so a request only looks it up.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.search.store import index_catalog

bp = Blueprint("search", __name__)


@bp.record_once
def follow_the_catalog(state: BlueprintSetupState) -> None:
    """Ask the content store to index each catalog it builds."""
    state.app.extensions.setdefault("content_listeners", []).append(index_catalog)


from app.search import routes  # noqa: E402,F401
