"""Keeping one search index per catalog: built when the catalog is, looked up per request."""

from __future__ import annotations

import threading

from flask import Flask
from flask import current_app

from app.content.model import Catalog
from app.content.store import content_store
from app.search.index import SearchIndex
from app.search.index import build_index

#: The last few catalogs indexed, with their index: apps sharing one catalog share its index.
RECENT: list[tuple[Catalog, SearchIndex]] = []
KEEP = 2
LOCK = threading.Lock()


def index_for(catalog: Catalog) -> SearchIndex:
    """Return the index of ``catalog``, building it if this catalog has none yet."""
    with LOCK:
        for known, index in RECENT:
            if known is catalog:
                return index
        index = build_index(catalog)
        RECENT.insert(0, (catalog, index))
        del RECENT[KEEP:]
        return index


def index_catalog(app: Flask, catalog: Catalog) -> None:
    """Index a catalog the content store has just built, and keep the index on ``app``."""
    app.extensions["search_index"] = index_for(catalog)
    app.logger.debug("Search index: %s", app.extensions["search_index"].stats())


def get_index() -> SearchIndex:
    """Return the index of the current catalog (a rebuilt catalog is indexed once, here at worst)."""
    catalog = content_store().get()
    index = current_app.extensions.get("search_index")
    if index is None or index.catalog is not catalog:
        index = index_for(catalog)
        current_app.extensions["search_index"] = index
    return index
