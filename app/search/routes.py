"""The search pages: ``GET /search?q=`` (server-rendered) and ``GET /search.json?q=``.

Both look the query up in the index built with the catalog; no index work happens here.
Both languages are searched; the page's language ranks first.
"""

from __future__ import annotations

from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _

from app.main.routes import current_lang
from app.search import bp
from app.search.index import MAX_QUERY
from app.search.store import get_index

PAGE_LIMIT = 20
JSON_LIMIT = 8


def read_query() -> tuple[str, str | None]:
    """Return the query and, when it is too long, the message to answer with a 400."""
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY:
        return query, _("A search is at most %(limit)d characters long.", limit=MAX_QUERY)
    return query, None


@bp.get("/search")
def search_page():
    """Show the results for ``q``: each hit links to its section or quiz, with a snippet."""
    query, error = read_query()
    lang = current_lang()
    if error is not None:
        return render_template("search/results.html", query=query[:MAX_QUERY], results=None, error=error), 400
    results = get_index().search(query, lang, limit=PAGE_LIMIT) if query else None
    return render_template("search/results.html", query=query, results=results, error=None)


@bp.get("/search.json")
def search_json():
    """Return the best hits for ``q`` as JSON, for results as you type.

    ``lang`` (``en``/``zh``) names the page's language; without it the reader's is used.
    """
    query, error = read_query()
    if error is not None:
        return jsonify(error="Bad Request", status=400, message=error), 400
    lang = request.args.get("lang")
    if lang not in ("en", "zh"):
        lang = current_lang()
    if not query:
        return jsonify(query="", results=[], total=0, corrected={}, suggestions=[])
    results = get_index().search(query, lang, limit=JSON_LIMIT, as_you_type=True)
    return jsonify(
        query=results.query,
        results=[hit.as_json() for hit in results.hits],
        total=results.total,
        corrected=results.corrected,
        suggestions=list(results.suggestions),
    )
