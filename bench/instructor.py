"""Benchmark the instructor reports on a generated class (not part of ``make test``).

Generates learners (a tenth of them anonymous) with lessons opened and finished, quiz
attempts and answers over the real course's questions, and a review card per question
each learner answered (some due, some leeches), then measures in process, as the median
of several runs:

- the roster page (``/instructor/learners``) per sort key, at 10,000 learners;
- one learner's page, the item analysis page and the overview;
- the peak Python memory (tracemalloc) while streaming ``responses.csv`` of 100,000 answers.

    .venv/bin/python bench/instructor.py [--learners 10000] [--responses 100000] [--database URL]
                                         [--runs 5] [--explain]

SQLite in a temporary file by default; ``--database`` takes a PostgreSQL URL (the tables
live in a private schema, dropped at the end). ``--explain`` prints the query plans of the
report statements (``EXPLAIN QUERY PLAN`` or ``EXPLAIN ANALYZE``).
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.content.model import Catalog  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.progress.cards import LEECH_LAPSES  # noqa: E402
from app.progress.models import Learner  # noqa: E402
from app.progress.models import LessonProgress  # noqa: E402
from app.progress.models import QuestionResponse  # noqa: E402
from app.progress.models import QuestionSummary  # noqa: E402
from app.progress.models import QuizAttempt  # noqa: E402
from app.progress.models import QuizSummary  # noqa: E402
from app.progress.models import ReviewCard  # noqa: E402

NAMES = ("Ada", "Grace", "Linus", "张伟", "王芳", "李娜", "Guido", "Barbara")
#: (label, path) of the pages timed besides the roster's sort orders.
PAGES = (
    ("roster filtered q=ada", "/instructor/learners?q=ada&sort=average"),
    ("roster newest active", "/instructor/learners?sort=last_active&dir=desc"),
    ("one learner", "/instructor/learners/{learner_id}"),
    ("item analysis", "/instructor/items"),
    ("item analysis (topic)", "/instructor/items/routing"),
    ("overview", "/instructor/"),
    ("content health", "/instructor/health"),
)
#: Share of cards that became leeches (suspended after ``LEECH_LAPSES`` lapses).
LEECH_SHARE = 0.03
#: One fixed hash: generated accounts never log in, and hashing 10,000 passwords takes minutes.
PASSWORD_HASH = "scrypt:32768:8:1$generated$0"


def right_answer(question) -> object:
    """Return an answer a learner could send that is right (as stored: JSON values only)."""
    if question.type in ("short_answer", "code_output"):
        return question.accept[0] if question.accept else "answer"
    if isinstance(question.answer, (bool, str)):
        return question.answer
    if isinstance(question.answer, (list, tuple)):
        return list(question.answer)
    return "recalled"


def wrong_answer(question, rng: random.Random) -> object:
    """Return a plausible wrong answer to ``question`` (some of them formulas, some Chinese)."""
    right = right_answer(question)
    if isinstance(right, bool):
        return not right
    if question.type == "ordering" and isinstance(right, list):
        return list(reversed(right))
    if question.choices and isinstance(right, str):
        return rng.choice([choice.id for choice in question.choices if choice.id != right] or ["x"])
    if question.choices:
        return [question.choices[0].id]
    return rng.choice(("=cmd|' /C calc'!A0", "不知道", "request", "g"))


LESSON_SPAN = timedelta(seconds=1800)
"""The longest a generated learner takes to finish a lesson."""
ANSWER_GAP_MAX = 120
"""The most seconds between two generated answers of one attempt."""


def generate_class(
    catalog: Catalog, learners: int, responses: int, seed: int = 7, now: datetime | None = None
) -> None:
    """Insert ``learners`` named learners (plus a tenth anonymous) and about ``responses`` answers."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    lessons = list(catalog.lesson_order)
    quizzes = [quiz for quiz in catalog.quizzes.values() if quiz.questions]
    users, people, progress = [], [], []
    # Generated rows take ids after the existing ones (an instructor may be logged in).
    user_base = db.session.scalar(sa.select(sa.func.max(User.id))) or 0
    learner_base = db.session.scalar(sa.select(sa.func.max(Learner.id))) or 0
    attempt_id = db.session.scalar(sa.select(sa.func.max(QuizAttempt.id))) or 0
    for number in range(1, learners + 1):
        joined = now - timedelta(days=rng.randint(1, 120))
        users.append(
            {
                "id": user_base + number,
                "email": f"learner{number:05d}@example.com",
                "password_hash": PASSWORD_HASH,
                "display_name": f"{rng.choice(NAMES)} {number:05d}",
                "role": "learner",
                "created_at": joined,
            }
        )
        people.append(
            {
                "id": learner_base + number,
                "user_id": user_base + number,
                "anonymous_key": None,
                "created_at": joined,
            }
        )
    for number in range(learners + 1, learners + learners // 10 + 1):
        key = f"{learner_base + number:064x}"
        people.append({"id": learner_base + number, "user_id": None, "anonymous_key": key, "created_at": now})
    for person in people:
        for slug in rng.sample(lessons, rng.randint(0, min(8, len(lessons)))):
            # Every generated moment lies before ``now``: a lesson takes at most LESSON_SPAN.
            started = now - LESSON_SPAN - timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86_400))
            done = started + timedelta(seconds=rng.randint(60, 1800)) if rng.random() < 0.7 else None
            progress.append(
                {"learner_id": person["id"], "lesson_slug": slug, "started_at": started, "completed_at": done}
            )
    db.session.execute(sa.insert(User), users)
    db.session.execute(sa.insert(Learner), people)
    db.session.execute(sa.insert(LessonProgress), progress)
    attempts, answers, summaries, quiz_best, numbers = [], [], {}, {}, {}
    skill = {person["id"]: rng.random() for person in people}
    while len(answers) < responses:
        person = rng.choice(people)
        quiz = rng.choice(quizzes)
        attempt_id += 1
        span = timedelta(seconds=ANSWER_GAP_MAX * len(quiz.questions))
        started = now - span - timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86_400))
        at = started
        scores = []
        for question in quiz.questions:
            at += timedelta(seconds=rng.randint(5, ANSWER_GAP_MAX))
            right = rng.random() < 0.25 + 0.7 * skill[person["id"]]
            answer = right_answer(question) if right else wrong_answer(question, rng)
            scores.append(1.0 if right else 0.0)
            answers.append(
                {
                    "attempt_id": attempt_id,
                    "question_id": question.id,
                    "answer": answer,
                    "correct": right,
                    "score": 1.0 if right else 0.0,
                    "answered_at": at,
                }
            )
            key = (person["id"], question.id)
            mastered = summaries.get(key, {}).get("mastered", False) or right
            summaries[key] = {
                "learner_id": person["id"],
                "question_id": question.id,
                "quiz_id": quiz.id,
                "mastered": mastered,
                "last_score": 1.0 if right else 0.0,
                "last_answered_at": at,
            }
        score = sum(scores) / len(scores)
        numbers[(person["id"], quiz.id)] = numbers.get((person["id"], quiz.id), 0) + 1
        attempts.append(
            {
                "id": attempt_id,
                "learner_id": person["id"],
                "quiz_id": quiz.id,
                "number": numbers[(person["id"], quiz.id)],
                "mode": "all",
                "question_ids": [question.id for question in quiz.questions],
                "started_at": started,
                "finished_at": at,
                "score": score,
            }
        )
        key = (person["id"], quiz.id)
        best = quiz_best.get(key)
        quiz_best[key] = {
            "learner_id": person["id"],
            "quiz_id": quiz.id,
            "best_score": max(score, best["best_score"]) if best else score,
            "finished_attempts": (best["finished_attempts"] if best else 0) + 1,
        }
    for start in range(0, len(attempts), 5000):
        db.session.execute(sa.insert(QuizAttempt), attempts[start : start + 5000])
    for start in range(0, len(answers), 5000):
        db.session.execute(sa.insert(QuestionResponse), answers[start : start + 5000])
    db.session.execute(sa.insert(QuestionSummary), list(summaries.values()))
    db.session.execute(sa.insert(QuizSummary), list(quiz_best.values()))
    cards = review_cards(summaries.values(), rng)
    for start in range(0, len(cards), 5000):
        db.session.execute(sa.insert(ReviewCard), cards[start : start + 5000])
    sync_sequences(("users", "learners", "quiz_attempts"))
    db.session.commit()


def sync_sequences(tables: tuple[str, ...]) -> None:
    """Move PostgreSQL's id sequences past the ids inserted explicitly (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def review_cards(summaries, rng: random.Random) -> list[dict]:
    """Return one review card per answered question, as quiz answers leave them.

    A card is due some days after its last answer (so some are due now, some later);
    ``LEECH_SHARE`` of them lapsed ``LEECH_LAPSES`` times and are suspended.
    """
    rv = []
    for summary in summaries:
        at = summary["last_answered_at"]
        stability = rng.uniform(0.5, 60.0)
        leech = rng.random() < LEECH_SHARE
        lapses = LEECH_LAPSES if leech else rng.choice((0, 0, 0, 1, 2))
        rv.append(
            {
                "learner_id": summary["learner_id"],
                "question_id": summary["question_id"],
                "quiz_id": summary["quiz_id"],
                "state": 2,
                "step": None,
                "stability": stability,
                "difficulty": rng.uniform(1.0, 10.0),
                "due": at + timedelta(days=stability),
                "last_review": at,
                "reps": 1 + lapses + rng.randint(0, 4),
                "lapses": lapses,
                "introduced_at": at if rng.random() < 0.5 else None,
                "suspended": leech,
                "created_at": at,
            }
        )
    return rv


def timed(client, path: str, runs: int = 5) -> float:
    """Return the median of ``runs`` in-process times of GET ``path`` (after a warm-up), in ms."""
    assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples)


def stream_peak(client, path: str) -> tuple[int, int]:
    """Return (bytes, peak traced bytes) while streaming ``path`` chunk by chunk."""
    tracemalloc.start()
    response = client.get(path, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, peak


def settings(url: str | None, tmp: str) -> tuple[dict, str | None]:
    """Return the app's database settings and, for PostgreSQL, the private schema to create."""
    if not url:
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"}, None
    schema = f"bench_{secrets.token_hex(6)}"
    options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    return {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}, schema


def schema_command(url: str, command: str) -> None:
    """Run one DDL command on the PostgreSQL database at ``url``."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(command))
    engine.dispose()


def statements_of(engine: sa.Engine, visit) -> list[tuple[str, object]]:
    """Return the (statement, parameters) the engine sent while ``visit()`` ran."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        visit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def explain(app, client, path: str) -> None:
    """Print the plan and the time of every statement that GET ``path`` runs."""
    with app.app_context():
        engine = db.engine
    statements = statements_of(engine, lambda: client.get(path))
    prefix = "EXPLAIN ANALYZE " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    print(f"\n== {path}")
    with engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")) or "FROM sessions" in statement:
                continue
            start = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            took = (time.perf_counter() - start) * 1000
            print(f"-- {took:8.1f} ms  {' '.join(statement.split())[:160]}")
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                print("   ", " | ".join(str(value) for value in row))


def learner_with_leeches() -> int:
    """Return the id of a named learner holding the most suspended cards."""
    return db.session.scalar(
        sa.select(ReviewCard.learner_id)
        .join(Learner, Learner.id == ReviewCard.learner_id)
        .where(ReviewCard.suspended.is_(True), Learner.user_id.is_not(None))
        .group_by(ReviewCard.learner_id)
        .order_by(sa.func.count().desc(), ReviewCard.learner_id)
        .limit(1)
    )


def main() -> None:
    """Generate the class, then print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()
    from app import create_app
    from app.progress.reports import SORT_KEYS

    with tempfile.TemporaryDirectory() as tmp:
        database, schema = settings(options.database, tmp)
        if schema:
            schema_command(options.database, f'CREATE SCHEMA "{schema}"')
        app = create_app("testing", {**database, "REDIS_URL": None})
        try:
            with app.app_context():
                db.create_all()
                catalog = app.extensions["content"].load()
                start = time.perf_counter()
                generate_class(catalog, options.learners, options.responses)
                if db.engine.dialect.name == "postgresql":
                    # The planner's statistics, as autovacuum would gather them after a bulk load.
                    db.session.execute(sa.text("ANALYZE"))
                    db.session.commit()
                took = time.perf_counter() - start
                cards = db.session.scalar(sa.select(sa.func.count(ReviewCard.id)))
                print(
                    f"{db.engine.dialect.name}: generated {options.learners} learners,"
                    f" {options.responses} answers, {cards} review cards in {took:.1f} s"
                )
                instructor = User(email="teacher@example.com", display_name="Teacher", role="instructor")
                instructor.set_password("correct horse")
                db.session.add(instructor)
                db.session.commit()
                instructor_id = instructor.id
                learner_id = learner_with_leeches()
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(instructor_id)
                session["_fresh"] = True
            print(f"median of {options.runs} runs after a warm-up, in process:")
            for sort in SORT_KEYS:
                for direction in ("asc", "desc"):
                    path = f"/instructor/learners?sort={sort}&dir={direction}&page=3"
                    print(f"roster {sort:<12} {direction:<4} {timed(client, path, options.runs):7.1f} ms")
            for label, path in PAGES:
                path = path.format(learner_id=learner_id)
                print(f"{label:<26}{timed(client, path, options.runs):7.1f} ms")
            for path in ("/instructor/exports/responses.csv", "/instructor/exports/roster.csv"):
                start = time.perf_counter()
                size, peak = stream_peak(client, path)
                elapsed = time.perf_counter() - start
                print(
                    f"{path}: {size / 1e6:.1f} MB in {elapsed:.1f} s, peak traced memory {peak / 1e6:.2f} MB"
                )
            if options.explain:
                for path in ("/instructor/items", "/instructor/", "/instructor/learners?sort=name&page=3"):
                    explain(app, client, path)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if schema:
                schema_command(options.database, f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
