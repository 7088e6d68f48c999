"""Opt-in request counters for the benchmark: SQL statements per request, in a response header.

Off unless ``COUNT_SQL`` is set (``FLASK_COUNT_SQL=true``); production pays nothing for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask import Response
from flask import g
from flask import has_app_context

HEADER = "X-SQL-Statements"


def init_instrumentation(app: Flask) -> None:
    """Count the SQL statements of each request when ``COUNT_SQL`` is on."""
    if not app.config.get("COUNT_SQL"):
        return
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count_statement)
    app.after_request(report_statements)


def count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    """Add one to the current request's count."""
    if has_app_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def report_statements(response: Response) -> Response:
    """Tell the client how many statements this request ran so far."""
    response.headers[HEADER] = str(g.get("sql_statements", 0))
    return response
