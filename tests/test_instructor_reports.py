"""Instructor reports on known data: item statistics, the CSV exports, the roster at 10,000 learners."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import AuthActions
from flask import Flask

from app.extensions import db
from app.instructor.csvout import BOM
from app.instructor.csvout import pseudonym
from app.instructor.csvout import safe_cell
from app.instructor.pages import weakest_topics
from app.models import User
from app.progress import reports
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.models import ReviewCard
from bench.instructor import generate_class

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Per learner: (answer to A, answer to B, score on C). A is right for the strong learners,
#: B (an inverted question) for the weak ones, C ranks them: overall scores 0.667 … 0.367.
CLASS = {
    1: ("a", "c", 1.0),
    2: ("a", "c", 0.9),
    3: ("a", "d", 0.8),
    4: ("a", "c", 0.7),
    5: ("b", "a", 0.2),
    6: ("b", "a", 0.1),
}
#: Learner ids of ``CLASS`` start after this (an instructor logging in gets a learner row too).
BASE = 100


def add_known_class() -> None:
    """Insert six learners, one attempt each answering A, B, C 10, 20 and 30 seconds apart."""
    for number, (a, b, c) in CLASS.items():
        db.session.add(Learner(id=BASE + number, anonymous_key=f"{number:064x}"))
        db.session.flush()
        attempt = QuizAttempt(
            learner_id=BASE + number, quiz_id="quiz", question_ids=["A", "B", "C"], started_at=NOW
        )
        db.session.add(attempt)
        db.session.flush()
        answers = (("A", a, a == "a", 1.0 if a == "a" else 0.0), ("B", b, b == "a", 1.0 if b == "a" else 0.0))
        answers += (("C", "text", c == 1.0, c),)
        for offset, (question, answer, correct, score) in zip((10, 30, 60), answers, strict=True):
            at = NOW + timedelta(seconds=offset)
            db.session.add(
                QuestionResponse(
                    attempt_id=attempt.id,
                    question_id=question,
                    answer=answer,
                    correct=correct,
                    score=score,
                    answered_at=at,
                )
            )
            db.session.add(
                QuestionSummary(
                    learner_id=BASE + number,
                    question_id=question,
                    quiz_id="quiz",
                    mastered=correct,
                    last_score=score,
                    last_answered_at=at,
                )
            )
    db.session.commit()


@pytest.mark.storage
def test_item_statistics_on_a_known_class(db):
    add_known_class()
    items = {item.question_id: item for item in reports.item_stats()}
    assert [item.question_id for item in reports.item_stats()] == ["C", "B", "A"]
    a, b, c = items["A"], items["B"], items["C"]
    assert (a.attempts, b.attempts, c.attempts) == (6, 6, 6)
    assert a.facility == pytest.approx(4 / 6)
    assert b.facility == pytest.approx(2 / 6)
    assert c.facility == pytest.approx(1 / 6)
    # Thirds by overall score: {1, 2} top, {3, 4} middle, {5, 6} bottom.
    assert a.discrimination == pytest.approx(1.0)
    assert b.discrimination == pytest.approx(-1.0)
    assert c.discrimination == pytest.approx((1.0 + 0.9) / 2 - (0.2 + 0.1) / 2)
    assert a.seconds == pytest.approx(10, abs=0.01)
    assert b.seconds == pytest.approx(20, abs=0.01)
    assert c.seconds == pytest.approx(30, abs=0.01)
    assert a.wrong == (("b", 2),)
    assert b.wrong == (("c", 3), ("d", 1))
    assert c.mean_score == pytest.approx((1.0 + 0.9 + 0.8 + 0.7 + 0.2 + 0.1) / 6)
    # Six answers are too few to flag anything.
    assert not any(item.flagged for item in items.values())
    assert reports.item_stats(["other quiz"]) == []


def figures(items: list[reports.ItemStats], approx: bool = False) -> list[tuple]:
    """Return the items' figures; with ``approx`` floats match within rounding (sums run in any order)."""
    rv = []
    for item in items:
        values = (item.facility, item.mean_score, item.seconds, item.discrimination)
        rv.append(
            (
                item.question_id,
                item.quiz_id,
                item.attempts,
                item.wrong,
                pytest.approx(values) if approx else values,
            )
        )
    return rv


@pytest.mark.storage
def test_chosen_questions_get_the_statistics_the_whole_course_gives_them(db):
    add_known_class()
    everything = {item.question_id: item for item in reports.item_stats()}
    # B is timed from A, answered before it in the same attempts: those answers are read too.
    assert figures(reports.item_stats(question_ids=["B"])) == figures([everything["B"]], approx=True)
    chosen = reports.item_stats(question_ids=["C", "A"])
    assert figures(chosen) == figures([everything["C"], everything["A"]], approx=True)
    assert reports.item_stats(question_ids=[]) == []
    assert reports.item_stats(["other quiz"], question_ids=["A"]) == []
    totals = [
        (item.question_id, item.quiz_id, item.attempts, item.facility) for item in reports.item_totals()
    ]
    assert totals == [
        (item.question_id, item.quiz_id, item.attempts, item.facility) for item in everything.values()
    ]


def test_thirds_split_learners_by_overall_score(db):
    add_known_class()
    thirds = reports.learner_thirds()
    rows = db.session.execute(sa.select(thirds.c.learner_id, thirds.c.third))
    assert {row.learner_id: row.third for row in rows} == {
        BASE + 1: 1,
        BASE + 2: 1,
        BASE + 3: 2,
        BASE + 4: 2,
        BASE + 5: 3,
        BASE + 6: 3,
    }


@pytest.mark.parametrize(
    ("attempts", "facility", "discrimination", "flagged"),
    [
        (10, 0.19, 0.5, True),
        (10, 0.2, 0.5, False),
        (10, 0.9, -0.01, True),
        (9, 0.0, -1.0, False),
        (50, 0.5, None, False),
    ],
)
def test_a_question_is_flagged_with_enough_answers_only(attempts, facility, discrimination, flagged):
    item = reports.ItemStats("q", "quiz", attempts, facility, discrimination, facility, None)
    assert item.flagged is flagged


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("ok", "ok"),
        ("中文", "中文"),
        (-2, -2),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert safe_cell(value) == expected


def test_pseudonyms_are_stable_and_do_not_show_the_id():
    assert pseudonym("secret", 42) == pseudonym("secret", 42)
    assert pseudonym("secret", 42) != pseudonym("secret", 43)
    assert pseudonym("secret", 42) != pseudonym("other", 42)
    assert len(pseudonym("secret", 42)) == 12
    assert "42" not in pseudonym("secret", 42)


@pytest.fixture
def instructor(app: Flask, client):
    """Log ``client`` in as an instructor."""
    auth = AuthActions(app, client)
    auth.create_user(email="teacher@example.com", role="instructor")
    auth.login(email="teacher@example.com")
    return client


def read_csv(response) -> tuple[str, list[list[str]], int]:
    """Return (raw text, rows, number of body chunks) of a streamed CSV response."""
    chunks = [chunk.decode("utf-8") for chunk in response.response]
    response.close()
    text = "".join(chunks)
    return text, list(csv.reader(io.StringIO(text.removeprefix(BOM)))), len(chunks)


def test_responses_csv_is_streamed_with_bom_columns_and_escaping(app: Flask, instructor):
    with app.app_context():
        add_known_class()
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.learner_id == BASE + 1))
        db.session.add(
            QuestionResponse(
                attempt_id=attempt.id, question_id="D", answer="=1+1 路由", correct=False, score=0.0
            )
        )
        db.session.commit()
    response = instructor.get("/instructor/exports/responses.csv", buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="responses.csv"'
    text, rows, _ = read_csv(response)
    assert text.startswith(BOM + "learner,")
    assert rows[0] == [
        "learner",
        "quiz_id",
        "attempt",
        "question_id",
        "topic",
        "answer",
        "correct",
        "score",
        "answered_at",
    ]
    assert len(rows) == 1 + 6 * 3 + 1
    first = rows[1]
    assert first[0] == pseudonym(app.secret_key, BASE + 1)
    assert first[1:8] == ["quiz", "1", "A", "", "a", "1", "1"]
    assert first[8] == "2026-03-01T12:00:10+00:00"
    assert rows[-1][5] == "'=1+1 路由"
    assert {row[0] for row in rows[1:]} == {pseudonym(app.secret_key, BASE + number) for number in CLASS}


def test_responses_csv_reads_in_chunks(app: Flask, instructor):
    with app.app_context():
        generate_class(app.extensions["catalog"], learners=30, responses=2500, now=NOW)
        stored = db.session.scalar(sa.select(sa.func.count(QuestionResponse.id)))
        topics = {quiz.topic for quiz in app.extensions["catalog"].quizzes.values()}
    assert stored > 2 * reports.CHUNK
    response = instructor.get("/instructor/exports/responses.csv", buffered=False)
    _, rows, chunks = read_csv(response)
    assert len(rows) == stored + 1
    # The header, then one piece per chunk of rows read from the database.
    assert chunks == 1 + -(-stored // reports.CHUNK)
    assert {row[4] for row in rows[1:]} <= topics
    assert not any(row[5].startswith("=") for row in rows[1:])


def test_roster_csv_lists_named_learners(app: Flask, instructor):
    with app.app_context():
        generate_class(app.extensions["catalog"], learners=12, responses=200, now=NOW)
    response = instructor.get("/instructor/exports/roster.csv", buffered=False)
    text, rows, _ = read_csv(response)
    assert text.startswith(BOM)
    assert rows[0] == [
        "learner",
        "name",
        "email",
        "joined",
        "lessons_done",
        "completion",
        "average",
        "last_active",
        "cards_due",
        "leeches",
    ]
    assert len(rows) == 1 + 12
    assert rows[1][2] == "learner00001@example.com"
    with app.app_context():
        first = db.session.scalar(
            sa.select(Learner.id).where(Learner.user_id.is_not(None)).order_by(Learner.id.desc())
        )
    assert rows[-1][0] == pseudonym(app.secret_key, first)
    assert all(0 <= float(row[5]) <= 1 for row in rows[1:])
    with app.app_context():
        leeches = dict(
            db.session.execute(
                sa.select(Learner.id, sa.func.count(ReviewCard.id))
                .join(User, User.id == Learner.user_id)
                .outerjoin(ReviewCard, (ReviewCard.learner_id == Learner.id) & ReviewCard.suspended)
                .where(User.role == "learner")
                .group_by(Learner.id)
            ).all()
        )
    assert any(leeches.values())
    assert {row[0]: int(row[9]) for row in rows[1:]} == {
        pseudonym(app.secret_key, learner_id): count for learner_id, count in leeches.items()
    }
    assert sum(int(row[8]) for row in rows[1:]) > 0


def test_generated_class_has_no_activity_after_now(app: Flask):
    # An attempt started a minute before now used to end in the future: near midnight UTC
    # the roster then found learners "active since tomorrow".
    late = NOW.replace(hour=23, minute=59)
    with app.app_context():
        generate_class(app.extensions["catalog"], learners=5000, responses=20_000, now=late)
        columns = (
            LessonProgress.started_at,
            LessonProgress.completed_at,
            QuizAttempt.started_at,
            QuizAttempt.finished_at,
            QuestionResponse.answered_at,
            QuestionSummary.last_answered_at,
            ReviewCard.last_review,
        )
        latest = [db.session.scalar(sa.select(sa.func.max(column))) for column in columns]
    assert all(moment is not None for moment in latest)
    assert max(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment for moment in latest) <= late


def test_roster_with_ten_thousand_learners(app: Flask, instructor):
    with app.app_context():
        generate_class(app.extensions["catalog"], learners=10_000, responses=3000, now=datetime.now(UTC))
    get = lambda url: instructor.get(url, headers={"Accept": "application/json"}).get_json()  # noqa: E731
    first = get("/instructor/learners")
    assert first["total"] == 10_000
    assert first["pages"] == 200
    assert first["anonymous"] == 1000
    assert len(first["learners"]) == 50
    names = [row["name"] for row in first["learners"]]
    assert names == sorted(names)
    last = get("/instructor/learners?page=200&sort=completion&dir=desc")
    assert len(last["learners"]) == 50
    best = get("/instructor/learners?sort=completion&dir=desc")["learners"]
    completions = [row["completion"] for row in best]
    assert completions == sorted(completions, reverse=True)
    assert completions[0] > last["learners"][-1]["completion"] or completions[0] == 0
    averages = [row["average"] for row in get("/instructor/learners?sort=average&dir=asc")["learners"]]
    assert averages == sorted(averages, key=lambda value: (value is None, value))
    due = [row["cards_due"] for row in get("/instructor/learners?sort=cards_due&dir=desc")["learners"]]
    assert due == sorted(due, reverse=True) and due[0] > 0
    leeches = [row["leeches"] for row in get("/instructor/learners?sort=leeches&dir=desc&page=2")["learners"]]
    assert leeches == sorted(leeches, reverse=True)
    assert get("/instructor/learners?sort=leeches&dir=desc")["learners"][0]["leeches"] >= leeches[0] > 0
    assert get("/instructor/learners?q=learner00042")["total"] == 1
    assert get("/instructor/learners?q=LEARNER0004")["total"] == 10
    since = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert get(f"/instructor/learners?since={since}")["total"] == 0


def test_overview_shows_what_the_item_analysis_shows_first(app: Flask, instructor):
    with app.app_context():
        generate_class(app.extensions["catalog"], learners=30, responses=2500, now=NOW)
    get = lambda url: instructor.get(url, headers={"Accept": "application/json"}).get_json()  # noqa: E731
    items = get("/instructor/items")["items"]
    overview = get("/instructor/")
    hardest = [item for item in items if item["attempts"] >= reports.MIN_ATTEMPTS_TO_FLAG][:5]
    assert len(hardest) == 5
    assert overview["hardest_questions"] == hardest
    assert overview["weakest_topics"] == weakest_topics(items)
