"""Keeping one search index per catalog: built when the catalog is, looked up per request."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from flask import current_app

from app.content import diskcache
from app.content.model import Catalog
from app.content.store import content_store
from app.search.index import SearchIndex
from app.search.index import build_index

#: The last few catalogs indexed, with their index: apps sharing one catalog share its index.
RECENT: list[tuple[Catalog, SearchIndex]] = []
KEEP = 2
LOCK = threading.Lock()
#: The index's own code is part of its cache key: a changed ranking rule gives a fresh index.
CODE = diskcache.source_hash(Path(__file__).resolve().parent)


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
    """Index a catalog the content store has just built, and keep the index on ``app``.

    Where the store caches catalogs on disk, the index is cached beside its catalog, so a new
    process unpickles both (~0.2 s) instead of indexing the course again (~0.5 s of CPU).
    """
    store = content_store(app)
    if store.cache_dir is not None and store.cache_key is not None:
        path = diskcache.cache_file(store.cache_dir, "search", f"{store.cache_key}-{CODE}")
        with LOCK:
            index = diskcache.load(path, SearchIndex)
            if index is None:
                index = build_index(catalog)
                index.catalog = None  # the catalog has its own file
                diskcache.save(path, index)
            index.catalog = catalog
            RECENT.insert(0, (catalog, index))
            del RECENT[KEEP:]
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
