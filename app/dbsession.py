"""The request's database session: reads without a transaction on PostgreSQL.

A page that only reads does not need ``BEGIN`` … ``ROLLBACK`` around its SELECTs: on
PostgreSQL that pair is two extra round trips per request, a third of a lesson page's.
So the session reads through an AUTOCOMMIT connection (same pool; SQLAlchemy restores
the isolation level when the connection goes back) during a GET or HEAD, and during any
request once its writes are committed. Every write goes through
``app.progress.service.transaction``, which wraps it in :meth:`RequestSession.writing`:
that turns the connection read so far into one that opens a transaction, so what a
request writes stays atomic.

What to notice: SQLite needs none of this (Python's sqlite3 only opens a transaction
before the first write), and a POST reads and writes in one transaction until its
writes are committed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask import request
from flask_sqlalchemy.session import Session

#: Methods whose requests start out reading (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_autocommit_engines: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()


def autocommit(engine: sa.Engine) -> sa.Engine:
    """Return ``engine`` with AUTOCOMMIT connections (made once per engine, sharing its pool)."""
    variant = _autocommit_engines.get(engine)
    if variant is None:
        variant = _autocommit_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return variant


class RequestSession(Session):
    """Flask-SQLAlchemy's session, reading in AUTOCOMMIT on PostgreSQL until the request writes."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        """Pick the engine as Flask-SQLAlchemy does; its AUTOCOMMIT variant while only reading.

        A transaction that began reading keeps its connection to the end, writes included
        (``writing`` turns that connection's autocommit off), so it never takes a second one.
        """
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        postgresql = bind is None and isinstance(engine, sa.Engine) and engine.dialect.name == "postgresql"
        if postgresql and (self.info.get("reading") or self._reads_only()):
            self.info["reading"] = True
            return autocommit(engine)
        return engine

    def _reads_only(self) -> bool:
        return (
            not self.info.get("writing")
            and has_request_context()
            and (request.method in SAFE_METHODS or self.info.get("wrote", False))
        )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Run the block in a real transaction, even if the request was reading in AUTOCOMMIT.

        The connection read so far is switched out of autocommit (the driver then sends
        BEGIN before the block's first statement): nothing pending is flushed early and
        nothing loaded is expired. Blocks nest.
        """
        self.info["writing"] = self.info.get("writing", 0) + 1
        if self.info.get("reading") and self.in_transaction():
            engine = super().get_bind()
            connection = self.connection(bind_arguments={"bind": autocommit(engine)})
            connection.connection.dbapi_connection.autocommit = False
        try:
            yield
        finally:
            self.info["writing"] -= 1
            if not self.info["writing"]:
                self.info["wrote"] = True


@sa.event.listens_for(RequestSession, "after_transaction_end")
def _forget_the_read(session: RequestSession, transaction: Any) -> None:
    """A finished transaction gave its connection back: the next one picks again."""
    if transaction.parent is None:
        session.info.pop("reading", None)
