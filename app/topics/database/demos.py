"""Live demos of the database topic, each on a throwaway SQLite database (never the app's own)."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from dbutils.pooled_db import PooledDB
from dbutils.pooled_db import TooManyConnections
from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import Pool
from sqlalchemy.pool import QueuePool

from app.demos import demo
from app.demos import field_int
from app.demos import field_text
from app.demos import render_demo
from app.topics.database import bp
from app.topics.database.throwaway import PEOPLE
from app.topics.database.throwaway import DemoBase
from app.topics.database.throwaway import EventCalledEachTime
from app.topics.database.throwaway import EventCalledOnce
from app.topics.database.throwaway import Person

# ---- database.demo_queries ------------------------------------------------------------


def make_people_db(statements: list[dict[str, Any]]) -> Engine:
    """Create an in-memory database with a few people, then record every statement it runs."""
    engine = create_engine("sqlite://")
    DemoBase.metadata.create_all(engine, tables=[Person.__table__])
    with engine.begin() as conn:
        conn.execute(insert(Person), [{"name": name, "city": city} for name, city in PEOPLE])

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append({"sql": statement, "parameters": list(parameters or ())})

    return engine


def with_orm(engine: Engine, name: str) -> list[list[Any]]:
    """Query through the ORM: ``select(Person).where(Person.name == name)``."""
    with Session(engine) as session:
        people = session.scalars(select(Person).where(Person.name == name)).all()
        return [[p.id, p.name, p.city] for p in people]


def with_core(engine: Engine, name: str) -> list[list[Any]]:
    """Query through Core: the Table object, no classes."""
    people = Person.__table__
    with engine.connect() as conn:
        return [list(row) for row in conn.execute(people.select().where(people.c.name == name))]


def with_text(engine: Engine, name: str) -> list[list[Any]]:
    """Query with raw SQL through ``text()``, the name sent as a bound parameter.

    Notice: ``:name`` becomes ``?`` and the value travels separately from the SQL, so a
    quote in it is just a character of the name.
    """
    sql = text("SELECT id, name, city FROM person WHERE name = :name")
    with engine.connect() as conn:
        return [list(row) for row in conn.execute(sql, {"name": name})]


def formatted_sql(name: str) -> str:
    """Return what string formatting would send: the name pasted into the SQL. Never executed."""
    return f"SELECT id, name, city FROM person WHERE name = '{name}'"  # noqa: S608 (shown, never run)


def run_three_ways(name: str) -> list[dict[str, Any]]:
    """Run the same query the three ways, each with the SQL it emitted."""
    runs = []
    for label, query in (("ORM", with_orm), ("Core", with_core), ("text()", with_text)):
        statements: list[dict[str, Any]] = []
        engine = make_people_db(statements)
        rows = query(engine, name)
        engine.dispose()
        runs.append({"way": label, "statements": statements, "rows": rows})
    return runs


@demo(
    bp,
    "/queries",
    title=_l("One query, three ways"),
    summary=_l("The ORM, Core and raw SQL with bound parameters, each with the SQL it sent to SQLite."),
)
def demo_queries():
    """Look a name up through the ORM, Core and text(); show why formatting SQL is injection."""
    name = field_text("name", "Ada", limit=50)
    result = {
        "name": name,
        "runs": run_three_ways(name),
        "formatted_sql": formatted_sql(name),
        "quote_in_name": "'" in name,
    }
    return render_demo(
        "database/queries.html",
        result=result,
        sources=[with_orm, with_core, with_text, make_people_db, formatted_sql],
        people=PEOPLE,
    )


# ---- database.demo_sessions -----------------------------------------------------------


def scoped_session_identity() -> dict[str, Any]:
    """Ask one ``scoped_session`` registry for a session twice here and once in another thread.

    Notice: the registry keeps one session per thread; a plain ``sessionmaker`` builds a
    new session on every call.
    """
    engine = create_engine("sqlite://")
    factory = sessionmaker(bind=engine)
    registry = scoped_session(factory)
    first, again = registry(), registry()
    in_thread: dict[str, int] = {}
    worker = threading.Thread(target=lambda: in_thread.update(id=id(registry())))
    worker.start()
    worker.join()
    plain_a, plain_b = factory(), factory()
    rv = {
        "registry_here": [hex(id(first)), hex(id(again))],
        "registry_same_thread_same_session": first is again,
        "registry_other_thread": hex(in_thread["id"]),
        "registry_other_thread_differs": in_thread["id"] != id(first),
        "sessionmaker_twice": [hex(id(plain_a)), hex(id(plain_b))],
        "sessionmaker_same": plain_a is plain_b,
    }
    registry.remove()
    plain_a.close()
    plain_b.close()
    engine.dispose()
    return rv


def flask_sqlalchemy_identity() -> dict[str, Any]:
    """Read ``db.session()`` in two app contexts of a sandbox app.

    Notice: Flask-SQLAlchemy 3.x scopes ``db.session`` to the app context: the same object
    throughout one context, a new one in the next; the context's teardown removes it.
    """
    sandbox = Flask(__name__)
    sandbox.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    sandbox_db = SQLAlchemy(sandbox)
    with sandbox.app_context():
        first, again = sandbox_db.session(), sandbox_db.session()
    with sandbox.app_context():
        second = sandbox_db.session()
        sandbox_db.engine.dispose()
    return {
        "first_context": [hex(id(first)), hex(id(again))],
        "same_within_context": first is again,
        "second_context": hex(id(second)),
        "differs_across_contexts": second is not first,
    }


@demo(
    bp,
    "/sessions",
    title=_l("Session, scoped_session and db.session"),
    summary=_l("Which session object do you get, and when is it the same one? Object ids tell."),
)
def demo_sessions():
    """Compare session identities: per thread for scoped_session, per app context for db.session."""
    result = {"scoped_session": scoped_session_identity(), "flask_sqlalchemy": flask_sqlalchemy_identity()}
    return render_demo(
        "database/sessions.html",
        result=result,
        sources=[scoped_session_identity, flask_sqlalchemy_identity],
    )


# ---- database.demo_pool ---------------------------------------------------------------

MAX_CHECKOUTS = 10


def pool_counters(pool: Pool, step: str) -> dict[str, Any]:
    """Return a QueuePool's counters at one step."""
    return {
        "step": step,
        "size": pool.size(),
        "checkedin": pool.checkedin(),
        "checkedout": pool.checkedout(),
        "overflow": pool.overflow(),
    }


def queue_pool_steps(path: Path, checkouts: int, pool_size: int, max_overflow: int) -> list[dict[str, Any]]:
    """Check connections out of a QueuePool one by one, reading its counters after each.

    Notice: past ``pool_size`` the pool opens overflow connections; past
    ``pool_size + max_overflow`` a checkout waits ``pool_timeout`` seconds and fails.
    """
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=0.1,
    )
    steps = [pool_counters(engine.pool, "start")]
    held = []
    try:
        for number in range(1, checkouts + 1):
            try:
                held.append(engine.pool.connect())
            except PoolTimeout as error:
                steps.append({"step": f"checkout {number}", "error": str(error).split(" (Background")[0]})
                break
            steps.append(pool_counters(engine.pool, f"checkout {number}"))
    finally:
        for connection in held:
            connection.close()
        steps.append(pool_counters(engine.pool, "all returned"))
        engine.dispose()
    return steps


def pooled_db_counters(pool: PooledDB, step: str) -> dict[str, Any]:
    """Return how many connections a PooledDB keeps idle and how many are lent out."""
    # PooledDB has no public counters; these two attributes are what it counts with.
    return {"step": step, "idle": len(pool._idle_cache), "used": pool._connections}


def pooled_db_steps(path: Path, checkouts: int, maxconnections: int) -> list[dict[str, Any]]:
    """Borrow connections from DBUtils' PooledDB and count the idle and used ones.

    Notice: ``mincached`` connections are opened up front, and ``close()`` on a pooled
    connection puts it back in the idle cache instead of closing it.
    """
    pool = PooledDB(
        sqlite3,
        mincached=min(2, maxconnections),
        maxcached=maxconnections,
        maxconnections=maxconnections,
        database=str(path),
    )
    steps = [pooled_db_counters(pool, "start")]
    held = []
    try:
        for number in range(1, checkouts + 1):
            try:
                held.append(pool.connection())
            except TooManyConnections:
                steps.append({"step": f"connection {number}", "error": "TooManyConnections"})
                break
            steps.append(pooled_db_counters(pool, f"connection {number}"))
    finally:
        for connection in held:
            connection.close()
        steps.append(pooled_db_counters(pool, "all closed"))
        pool.close()
    return steps


@demo(
    bp,
    "/pool",
    title=_l("Connection pools, counted"),
    summary=_l("Check out connections from QueuePool and DBUtils' PooledDB and watch the counters."),
)
def demo_pool():
    """Run both pools against a temporary SQLite file."""
    checkouts = field_int("checkouts", 4, 0, MAX_CHECKOUTS)
    pool_size = field_int("pool_size", 2, 1, 5)
    max_overflow = field_int("max_overflow", 1, 0, 5)
    with tempfile.TemporaryDirectory(prefix="pool-demo-") as folder:
        path = Path(folder) / "pool.sqlite3"
        result = {
            "checkouts": checkouts,
            "pool_size": pool_size,
            "max_overflow": max_overflow,
            "queue_pool": queue_pool_steps(path, checkouts, pool_size, max_overflow),
            "pooled_db": pooled_db_steps(path, checkouts, maxconnections=pool_size + max_overflow),
        }
    return render_demo(
        "database/pool.html", result=result, sources=[queue_pool_steps, pooled_db_steps, pooled_db_counters]
    )


# ---- database.demo_defaults -----------------------------------------------------------


def insert_events(count: int, gap_ms: int) -> dict[str, list[str]]:
    """Insert ``count`` rows into both tables, ``gap_ms`` apart, and return their timestamps.

    Notice: every ``EventCalledOnce`` row gets the very same value, the moment this module
    was imported; ``EventCalledEachTime`` rows each get their own.
    """
    engine = create_engine("sqlite://")
    DemoBase.metadata.create_all(engine, tables=[EventCalledOnce.__table__, EventCalledEachTime.__table__])
    stamps: dict[str, list[str]] = {"called_once": [], "called_each_time": []}
    with Session(engine) as session:
        for _number in range(count):
            once, each = EventCalledOnce(), EventCalledEachTime()
            session.add_all([once, each])
            session.flush()  # the INSERTs run here, and with them the defaults
            stamps["called_once"].append(once.created_at.isoformat())
            stamps["called_each_time"].append(each.created_at.isoformat())
            time.sleep(gap_ms / 1000)
    engine.dispose()
    return stamps


def column_default(model: type[DemoBase]) -> dict[str, Any]:
    """Return what SQLAlchemy stored as the column's default: a value, or a function to call."""
    default = model.__table__.c.created_at.default
    return {"is_scalar": default.is_scalar, "is_callable": default.is_callable, "arg": repr(default.arg)[:80]}


@demo(
    bp,
    "/defaults",
    title=_l("default=datetime.now versus default=datetime.now()"),
    summary=_l("Insert rows a moment apart and see which column gets a fresh timestamp."),
)
def demo_defaults():
    """Insert rows into the two throwaway tables and compare their timestamps."""
    count = field_int("rows", 3, 2, 5)
    gap_ms = field_int("gap_ms", 50, 0, 100)
    stamps = insert_events(count, gap_ms)
    result = {
        "rows": count,
        "gap_ms": gap_ms,
        "timestamps": stamps,
        "distinct": {key: len(set(values)) for key, values in stamps.items()},
        "defaults": {
            "called_once": column_default(EventCalledOnce),
            "called_each_time": column_default(EventCalledEachTime),
        },
    }
    return render_demo(
        "database/defaults.html",
        result=result,
        sources=[EventCalledOnce, EventCalledEachTime, insert_events, column_default],
    )
