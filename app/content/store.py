"""Keeping the catalog in ``app.extensions``: built once, rebuilt on change in development."""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

from flask import Flask
from flask import current_app

from app.content import diskcache
from app.content.catalog import CatalogBuilder
from app.content.catalog import demo_urls
from app.content.model import Catalog
from app.content.model import Problem

#: Seconds between two scans of the content directories for changes.
SCAN_INTERVAL = 1.0
CONTENT_SUFFIXES = (".md", ".yaml", ".yml", ".svg")


class ContentError(RuntimeError):
    """Raised at start-up when the content has problems and the app must not serve it."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"The course content has {len(problems)} problem(s):\n{listing}")
        self.problems = problems


def snapshot(*directories: Path) -> tuple[tuple[str, int, int], ...]:
    """Return (path, mtime, size) of every content file: one ``stat()`` each, no reads."""
    rv = []
    for directory in directories:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(CONTENT_SUFFIXES):
                    path = os.path.join(root, name)
                    try:
                        stat = os.stat(path)
                    except OSError:
                        continue
                    rv.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(rv)


class ContentStore:
    """Own the app's catalog: build it, hand it out, rebuild it when files change."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lessons_dir = Path(app.config["LESSONS_DIR"])
        self.quizzes_dir = Path(app.config["QUIZZES_DIR"])
        self.auto_reload = bool(app.config.get("CONTENT_AUTO_RELOAD"))
        self.catalog: Catalog | None = None
        self.signature: tuple | None = None
        self.last_scan = 0.0
        self.builds = 0
        self.renders: dict = {}
        self.lock = threading.Lock()
        # Development rebuilds on change; elsewhere a process reuses the last build from disk.
        cache_dir = app.config.get("CONTENT_CACHE_DIR") or os.path.join(app.instance_path, "content-cache")
        self.cache_dir = (
            None if self.auto_reload or not app.config.get("CONTENT_CACHE", True) else Path(cache_dir)
        )

    @functools.cached_property
    def demo_urls(self) -> dict[str, str]:
        """Return endpoint → URL of the app's routes; the URL map is fixed once the app is built."""
        return demo_urls(self.app.url_map)

    def build(self) -> Catalog:
        """Build a fresh catalog from disk, checked against the app's URL map.

        Texts unchanged since the last build are not rendered again.
        """
        builder = CatalogBuilder(self.lessons_dir, self.quizzes_dir, self.demo_urls, cache=self.renders)
        catalog = builder.build()
        if self.auto_reload:
            self.renders = builder.cache
        return catalog

    def build_or_reuse(self) -> Catalog:
        """Return the catalog cached on disk for exactly these files, else build (and cache) it."""
        if self.cache_dir is None:
            return self.build()
        self.cache_key = diskcache.cache_key((self.lessons_dir, self.quizzes_dir), self.demo_urls)
        path = diskcache.cache_file(self.cache_dir, "catalog", self.cache_key)
        catalog = diskcache.load(path, Catalog)
        if catalog is None:
            catalog = self.build()
            if not catalog.problems:
                diskcache.save(path, catalog)
        return catalog

    def load(self) -> Catalog:
        """Build the catalog now and keep it."""
        with self.lock:
            return self._load()

    def _load(self) -> Catalog:
        """Build and keep the catalog; the caller holds the lock."""
        signature = snapshot(self.lessons_dir, self.quizzes_dir) if self.auto_reload else None
        catalog = self.build_or_reuse()
        self.catalog, self.signature = catalog, signature
        self.last_scan = time.monotonic()
        self.builds += 1
        self.app.extensions["catalog"] = catalog
        self.notify(catalog)
        return catalog

    def notify(self, catalog: Catalog) -> None:
        """Hand a new catalog to what is built from it (the search index), once per build.

        Listeners are ``callable(app, catalog)`` in ``app.extensions["content_listeners"]``,
        registered by the packages that need them, so content knows nothing of its readers.
        """
        for listener in self.app.extensions.get("content_listeners", ()):
            listener(self.app, catalog)

    def get(self) -> Catalog:
        """Return the catalog; in development, rebuild it first if a file changed."""
        catalog = self.catalog
        if catalog is not None and (
            not self.auto_reload or time.monotonic() - self.last_scan < SCAN_INTERVAL
        ):
            return catalog
        with self.lock:
            if self.catalog is None:
                return self._load()
            if self.auto_reload and time.monotonic() - self.last_scan >= SCAN_INTERVAL:
                self.last_scan = time.monotonic()
                if snapshot(self.lessons_dir, self.quizzes_dir) != self.signature:
                    return self._load()
            return self.catalog


def content_store(app: Flask | None = None) -> ContentStore:
    """Return the content store of ``app`` (default: the current app)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions["content"]


def get_catalog() -> Catalog:
    """Return the current app's catalog, for views (no file is read once it is built)."""
    return content_store().get()
