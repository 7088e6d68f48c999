"""Fixtures of the resilience suite: a private Redis per module, migrated databases, gunicorn servers.

Each module starts the servers it needs once (cold start costs seconds) and stops them at the end.
``course`` is an in-process app used only to read the catalog and the URL map.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IN_CI
from conftest import share_real_course
from flask import Flask

from app import create_app
from tests.resilience.harness import Database
from tests.resilience.harness import RedisServer
from tests.resilience.harness import drop_database
from tests.resilience.harness import make_database

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

if IN_CI and not PG_URL:
    raise pytest.UsageError("CI must run the resilience suite on PostgreSQL too: set TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Return a directory private to this module (logs, SQLite files, Redis files)."""
    return tmp_path_factory.mktemp("resilience")


@pytest.fixture(scope="module")
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    """Start a private redis-server for this module; tests may stop and restart it."""
    server = RedisServer(workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sqlite_database(workdir: Path) -> Database:
    """Return a fresh, migrated SQLite database for this module."""
    return make_database("sqlite", workdir, None)


@pytest.fixture(scope="module", params=BACKENDS)
def database(request: pytest.FixtureRequest, workdir: Path) -> Iterator[Database]:
    """Return a fresh migrated database, once per backend (PostgreSQL when TEST_DATABASE_URL is set)."""
    db = make_database(request.param, workdir, PG_URL)
    yield db
    drop_database(db, PG_URL)


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Flask:
    """Return an in-process testing app with the real course, to read its catalog and URL map."""
    path = tmp_path_factory.mktemp("course") / "course.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": None})
    share_real_course(app)
    return app
