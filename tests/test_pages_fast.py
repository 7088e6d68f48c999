"""Every hot page reads what it shows in a fixed, small number of statements, whatever the history.

A returning learner (a lesson done, a quiz finished, an attempt open) visits each page;
the statements (and on PostgreSQL the round trips, BEGIN/COMMIT/ROLLBACK included) are
counted at the DBAPI level. A second learner with the same progress plus 5,000 stored
answers must cost exactly as many.
"""

from __future__ import annotations

import cProfile
import pstats
import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import psycopg
import pytest
import sqlalchemy as sa
from conftest import AuthActions
from conftest import csrf_token
from test_learn_catalog import RIGHT
from test_learn_catalog import use_catalog

from app.extensions import db
from app.progress.models import Learner
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt
from app.progress.queries import RECENT_ATTEMPTS
from app.progress.stats import day_streak
from bench.history import add_history

pytestmark = pytest.mark.storage

HISTORY = 5000
SESSION_TABLE = "sessions"


def in_transaction(dbapi_connection) -> bool:
    """Return whether the driver's connection is inside a transaction on the server."""
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):  # psycopg
        return info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return dbapi_connection.in_transaction  # sqlite3


class RoundTrips:
    """Count what the engine sends the database: statements, and transaction commands apart.

    A transaction command is counted when the server really gets one: a BEGIN (the driver
    sends it before a statement when the connection is not in autocommit), and a COMMIT
    or ROLLBACK that ends a transaction the server has open. SQLAlchemy's own begin and
    rollback events fire for AUTOCOMMIT connections too, so they are not the measure.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements = 0
        self.transactions = 0
        self.seen: list[str] = []
        self._was_open = False

    def _statement(self, conn, cursor, statement, *args) -> None:
        self._was_open = in_transaction(conn.connection.dbapi_connection)
        # The embedded session store (used without Redis) is the session's cost, not the page's.
        if SESSION_TABLE not in statement:
            self.statements += 1
            self.seen.append(statement)

    def _after_statement(self, conn, *args) -> None:
        if not self._was_open and in_transaction(conn.connection.dbapi_connection):
            self.transactions += 1  # the driver sent BEGIN first

    def _end(self, conn) -> None:
        if in_transaction(conn.connection.dbapi_connection):
            self.transactions += 1

    def __enter__(self) -> RoundTrips:
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "after_cursor_execute", self._after_statement)
        for name in ("commit", "rollback"):
            sa.event.listen(self.engine, name, self._end)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "after_cursor_execute", self._after_statement)
        for name in ("commit", "rollback"):
            sa.event.remove(self.engine, name, self._end)


@dataclass
class Visitor:
    """A returning learner's client and the ids its pages need."""

    client: object
    token: str
    finished_id: int
    response_id: int


def returning_learner(app, history: int = 0) -> Visitor:
    """Return a learner with a lesson done, a finished attempt, ``history`` answers and an open attempt."""
    client = app.test_client()
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    client.get("/topics/routing/routing")
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for qid, answer in RIGHT.items():
        reply = client.post(
            "/topics/routing/quiz/answer", json={"question_id": qid, "answer": answer}, headers=headers
        )
        assert reply.status_code == 200
    finished_id = reply.json["attempt_id"]
    with app.app_context():
        learner_id = db.session.scalar(sa.select(sa.func.max(Learner.id)))
        if history:
            with db.engine.begin() as conn:
                assert add_history(conn, learner_id, {"routing": list(RIGHT)}, history) == history
    client.post("/topics/routing/quiz/start", data={"csrf_token": token, "mode": "all"})
    reply = client.post(
        "/topics/routing/quiz/answer", json={"question_id": "rt-single", "answer": "b"}, headers=headers
    )
    assert reply.status_code == 200 and not reply.json["finished"]
    with app.app_context():
        response_id = db.session.scalar(sa.select(sa.func.max(QuestionResponse.id)))
    return Visitor(client, token, finished_id, response_id)


def hot_pages(visitor: Visitor) -> dict:
    """Return each hot page as a function of the client that visits it."""
    headers = {"X-CSRFToken": visitor.token, "Accept": "application/json"}
    return {
        "course map": lambda c: c.get("/"),
        "topic": lambda c: c.get("/topics/routing/"),
        "lesson": lambda c: c.get("/topics/routing/routing"),
        "quiz page": lambda c: c.get("/topics/routing/quiz"),
        "feedback": lambda c: c.get(f"/topics/routing/quiz/feedback/{visitor.response_id}"),
        "result": lambda c: c.get(f"/topics/routing/quiz/attempts/{visitor.finished_id}"),
        "dashboard": lambda c: c.get("/dashboard"),
        "quiz answer POST": lambda c: c.post(
            "/topics/routing/quiz/answer", json={"question_id": "rt-tf", "answer": True}, headers=headers
        ),
    }


def page_costs(app, visitor: Visitor) -> dict[str, tuple[int, int]]:
    """Return (statements, transaction commands) of each hot page for ``visitor``."""
    costs = {}
    with app.app_context():
        engine = db.engine
    for name, visit in hot_pages(visitor).items():
        with RoundTrips(engine) as trips:
            reply = visit(visitor.client)
        assert reply.status_code == 200, (name, reply.status_code)
        costs[name] = (trips.statements, trips.transactions)
    return costs


#: Statements per page for a returning learner. The learner row is read with the lesson rows
#: (which confirm it) wherever a page shows lessons: the map, topic, lesson and dashboard.
EXPECTED = {
    "course map": 2,
    "topic": 2,
    "lesson": 1,
    # The learner, then the open attempt with its answers (one statement).
    "quiz page": 2,
    "feedback": 2,
    "result": 4,
    # 5 for progress, plus 4 for the practice panel (heatmap, retention, leeches, recent
    # drills), each bounded by a time window or the course's size, not by history.
    "dashboard": 9,
    # The learner; the open attempt with its answers; in one transaction the answer, its
    # question summary, the answers again (a parallel answer may have completed the attempt),
    # the review card, its update and log; then the attempt and its answers as committed.
    "quiz answer POST": 10,
}


def test_each_page_reads_a_fixed_small_number_of_statements(app):
    use_catalog(app)
    costs = page_costs(app, returning_learner(app))
    assert {name: statements for name, (statements, _) in costs.items() if name in EXPECTED} == EXPECTED


def test_pages_that_only_read_send_no_transaction_commands(app):
    """No BEGIN and no ROLLBACK around a page's SELECTs (on PostgreSQL, two round trips saved).

    The answer POST writes, in one transaction: BEGIN and COMMIT.
    """
    use_catalog(app)
    costs = page_costs(app, returning_learner(app))
    commands = {name: transactions for name, (_, transactions) in costs.items()}
    assert commands == dict.fromkeys(EXPECTED, 0) | {"quiz answer POST": 2}


def test_five_thousand_answers_cost_no_statement_more(app):
    use_catalog(app)
    fresh = page_costs(app, returning_learner(app))
    veteran_visitor = returning_learner(app, history=HISTORY)
    with app.app_context():
        answers = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse))
        attempts = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))
    assert answers >= 2 * 8 + HISTORY and attempts > HISTORY // len(RIGHT)
    assert page_costs(app, veteran_visitor) == fresh


def test_the_dashboard_from_bounded_reads_matches_the_history(app):
    use_catalog(app)
    visitor = returning_learner(app, history=60)
    html = visitor.client.get("/dashboard").get_data(as_text=True)
    # The streak, from every stored answer: today, and yesterday too when the seeded answers
    # (one attempt an hour, going back eight hours) reach back past midnight UTC.
    with app.app_context():
        moments = db.session.scalars(sa.select(QuestionResponse.answered_at)).all()
    days = {(moment.astimezone(UTC) if moment.tzinfo else moment).date() for moment in moments}
    streak = day_streak(days, datetime.now(UTC).date())
    assert streak in (1, 2)
    assert re.search(rf"data-streak>{streak} days?<", html)
    assert "Answered 1 question in the quiz" in html  # the open attempt
    assert re.search(r"Scored 100% in the quiz", html)
    assert "Finished the lesson" in html


def python_calls(visit, client) -> int:
    """Return how many Python function calls one ``visit`` makes, after a warm-up.

    A count of calls, not a time: it does not move with the machine's load, and it
    grows with every row a page loads and every item it renders.
    """
    visit(client)
    profile = cProfile.Profile()
    profile.enable()
    visit(client)
    profile.disable()
    return pstats.Stats(profile).total_calls


def test_five_thousand_answers_cost_about_the_same_work(app, capsys):
    use_catalog(app)
    fresh, veteran = returning_learner(app), returning_learner(app, history=HISTORY)
    # The dashboard shows the latest scores (20) and the days of the latest attempts (up to
    # RECENT_ATTEMPTS): against a new learner's one or two it has more to show, not more
    # history to read. Its baseline is a learner whose history already fills those lists.
    filled = returning_learner(app, history=(RECENT_ATTEMPTS + 1) * len(RIGHT))
    rows = []
    for name in hot_pages(fresh):
        if name == "quiz answer POST":
            continue  # each run stores an answer: measured by the benchmark instead
        base = filled if name == "dashboard" else fresh
        before = python_calls(hot_pages(base)[name], base.client)
        rows.append((name, before, python_calls(hot_pages(veteran)[name], veteran.client)))
    dashboard_new = python_calls(hot_pages(fresh)["dashboard"], fresh.client)
    with capsys.disabled():
        print(f"\nPython calls per page ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}):")
        for name, empty, full in rows:
            print(f"  {name:<12} base {empty:7,}   {HISTORY:,} answers {full:7,}   x{full / empty:.2f}")
        print(f"  (dashboard of a learner with one finished quiz: {dashboard_new:,})")
    # Loading the whole history made a page ~10 times the work; the bounded reads keep
    # every page within 1.2 times.
    heavier = [(name, empty, full) for name, empty, full in rows if full > 1.2 * empty]
    assert heavier == []


def test_a_page_that_writes_reads_and_writes_on_one_connection(app):
    """A learner's first visit to a lesson records it: the read before and the write share a
    connection (the transaction that began reading keeps it), and the write is one transaction."""
    use_catalog(app)
    visitor = returning_learner(app)
    with app.app_context():
        engine = db.engine
    checkouts = []

    def checkout(*args) -> None:
        checkouts.append(args)

    sa.event.listen(engine.pool, "checkout", checkout)
    try:
        with RoundTrips(engine) as trips:
            reply = visitor.client.get("/topics/intro/wsgi")
    finally:
        sa.event.remove(engine.pool, "checkout", checkout)
    assert reply.status_code == 200
    # One connection for the read and the write (committed), one for what the page reads after.
    assert (len(checkouts), trips.transactions) == (2, 2)


def test_an_accounts_pages_read_the_user_and_then_as_an_anonymous_learner(app):
    """Logged in: the user row (Flask-Login) comes first, then the same statements as above."""
    use_catalog(app)
    client = app.test_client()
    AuthActions(app, client).create_user()
    AuthActions(app, client).login()
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    with app.app_context():
        engine = db.engine
    pages = {"lesson": "/topics/routing/routing", "topic": "/topics/routing/", "course map": "/"}
    costs = {}
    for name, path in pages.items():
        client.get(path)  # a first visit to a lesson records it
        with RoundTrips(engine) as trips:
            assert client.get(path).status_code == 200
        costs[name] = trips.statements
    assert costs == {name: EXPECTED[name] + 1 for name in pages}
