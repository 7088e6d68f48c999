"""Instructor pages: who may see them (every route of the blueprint), JSON, bad input, banks."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import AuthActions
from conftest import csrf_token
from flask import Flask

from app.content.exchange import SUFFIXES
from app.content.exchange import export_topic
from app.extensions import db
from app.instructor.source import quiz_source_url
from app.progress.models import Learner
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt
from app.progress.models import ReviewCard
from app.progress.stats import quiz_for_topic

#: A value for each URL argument an instructor route may take (learner_id is filled in per test).
ARGUMENTS = {"topic": "routing", "fmt": "gift", "lang": "en", "path": "quizzes/routing.yaml"}
#: Routes that are downloads rather than pages (no JSON form).
DOWNLOADS = {
    "instructor.responses_csv",
    "instructor.roster_csv",
    "instructor.course_bank",
    "instructor.topic_bank",
}


def instructor_routes(app: Flask, learner_id: int) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, URL) of every route of the instructor blueprint."""
    rv = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("instructor."):
                continue
            values = {
                name: learner_id if name == "learner_id" else ARGUMENTS[name] for name in rule.arguments
            }
            method = "GET" if "GET" in rule.methods else "POST"
            rv.append((rule.endpoint, method, url_for(rule.endpoint, **values)))
    return rv


def request(client, method: str, url: str, **kwargs):
    """Send ``method`` to ``url`` and read the whole body; a POST sends the JSON the preview expects.

    A streamed download keeps its request context until its body is read and closed,
    as a server does: reading it here keeps one client's login out of the next request.
    """
    if method == "POST":
        token = csrf_token(client, "/")
        rv = client.post(url, json={"markdown": "# Hello"}, headers={"X-CSRFToken": token}, **kwargs)
    else:
        rv = client.get(url, **kwargs)
    rv.get_data()
    rv.close()
    return rv


@pytest.fixture
def people(app: Flask) -> dict:
    """Create an instructor and a learner (with one answer), each logged in on a client of their own."""
    clients, users = {}, {}
    for role in ("instructor", "learner"):
        client = app.test_client()
        auth = AuthActions(app, client)
        users[role] = auth.create_user(email=f"{role}@example.com", role=role)
        assert auth.login(email=f"{role}@example.com").status_code in (302, 303)
        clients[role] = client
    with app.app_context():
        learner = db.session.scalar(sa.select(Learner).where(Learner.user_id == users["learner"].id))
        if learner is None:
            learner = Learner(user_id=users["learner"].id)
            db.session.add(learner)
            db.session.flush()
        attempt = QuizAttempt(learner_id=learner.id, quiz_id="routing", question_ids=["q"])
        db.session.add(attempt)
        db.session.flush()
        db.session.add(
            QuestionResponse(attempt_id=attempt.id, question_id="q", answer="a", correct=True, score=1.0)
        )
        db.session.commit()
        clients["learner_id"] = learner.id
    clients["anonymous"] = app.test_client()
    return clients


def test_the_blueprint_has_the_report_routes(app: Flask):
    routes = {endpoint for endpoint, _, _ in instructor_routes(app, 1)}
    assert {"instructor.overview", "instructor.learners", "instructor.learner", "instructor.items"} <= routes
    assert {"instructor.topic_items", "instructor.health", "instructor.exports"} <= routes
    assert routes >= DOWNLOADS


def test_every_instructor_route_is_for_instructors_only(app: Flask, people: dict):
    for endpoint, method, url in instructor_routes(app, people["learner_id"]):
        anonymous = request(people["anonymous"], method, url)
        assert anonymous.status_code == 302, (endpoint, anonymous.status_code)
        assert "/auth/login" in anonymous.headers["Location"], endpoint
        learner = request(people["learner"], method, url)
        assert learner.status_code == 403, (endpoint, learner.status_code)
        instructor = request(people["instructor"], method, url)
        assert instructor.status_code == 200, (endpoint, instructor.status_code)


@pytest.mark.storage
def test_every_instructor_page_answers_json(app: Flask, people: dict):
    pages = [
        (endpoint, url)
        for endpoint, method, url in instructor_routes(app, people["learner_id"])
        if method == "GET" and endpoint not in DOWNLOADS and endpoint != "instructor.preview_page"
    ]
    assert len(pages) >= 7
    for endpoint, url in pages:
        response = request(people["instructor"], "GET", url, headers={"Accept": "application/json"})
        assert response.status_code == 200, endpoint
        assert response.is_json, endpoint
        html = people["instructor"].get(url)
        assert html.mimetype == "text/html", endpoint


def test_a_refusal_answers_json_when_asked(people: dict):
    response = people["learner"].get("/instructor/learners", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


def test_the_header_links_instructors_to_their_pages(people: dict):
    assert 'href="/instructor/"' in people["instructor"].get("/").get_data(as_text=True)
    assert 'href="/instructor/"' not in people["learner"].get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/instructor/learners?sort=password_hash",
        "/instructor/learners?dir=sideways",
        "/instructor/learners?page=0",
        "/instructor/learners?page=two",
        "/instructor/learners?page=99999999999",
        "/instructor/learners?since=2026-13-01",
        "/instructor/learners?q=" + "x" * 101,
        "/instructor/learners/1?page=-1",
    ],
)
def test_bad_roster_arguments_are_400(people: dict, url: str):
    response = people["instructor"].get(url)
    assert response.status_code == 400
    assert "<h1" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/instructor/learners?page=2",
        "/instructor/learners/999999",
        "/instructor/learners/1?page=5",
        "/instructor/items/no-such-topic",
        "/instructor/banks/csv/en",
        "/instructor/banks/gift/fr",
        "/instructor/banks/gift/en/no-such-topic",
        "/instructor/source/config.py",
        "/instructor/source/quizzes/../config.py",
    ],
)
def test_what_does_not_exist_is_404(people: dict, url: str):
    assert people["instructor"].get(url).status_code == 404


@pytest.mark.storage
def test_roster_lists_named_learners_and_counts_anonymous_ones(app: Flask, people: dict):
    with app.app_context():
        db.session.add(Learner(anonymous_key="a" * 64))
        db.session.commit()
    data = people["instructor"].get("/instructor/learners", headers={"Accept": "application/json"}).get_json()
    assert [row["name"] for row in data["learners"]] == ["learner"]
    assert data["anonymous"] == 1
    assert data["learners"][0]["average"] is None
    assert (data["learners"][0]["cards_due"], data["learners"][0]["leeches"]) == (0, 0)


@pytest.mark.storage
def test_roster_search_treats_wildcards_as_text(people: dict):
    data = (
        people["instructor"]
        .get("/instructor/learners?q=%25", headers={"Accept": "application/json"})
        .get_json()
    )
    assert data["total"] == 0
    data = (
        people["instructor"]
        .get("/instructor/learners?q=LEARN", headers={"Accept": "application/json"})
        .get_json()
    )
    assert data["total"] == 1


@pytest.mark.storage
def test_learner_page_shows_topics_and_attempts(people: dict):
    url = f"/instructor/learners/{people['learner_id']}"
    data = people["instructor"].get(url, headers={"Accept": "application/json"}).get_json()
    assert data["name"] == "learner"
    assert data["attempts_total"] == 1
    assert data["attempts"][0]["answered"] == 1
    assert {row["topic"] for row in data["topics"]} >= {"routing", "intro"}


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_question_banks_download_per_topic_and_language(app: Flask, people: dict, fmt: str):
    response = people["instructor"].get(f"/instructor/banks/{fmt}/zh/routing")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="inside-flask-routing-zh{SUFFIXES[fmt]}"'
    with app.app_context():
        expected = export_topic(app.extensions["catalog"], "routing", fmt, "zh")
    assert response.get_data(as_text=True) == expected
    assert re.search(r"[\u4e00-\u9fff]", expected)


@pytest.mark.storage
def test_overview_counts_activity(app: Flask, people: dict):
    data = people["instructor"].get("/instructor/", headers={"Accept": "application/json"}).get_json()
    assert data["answers"] == 1
    assert data["learners"] == 1
    assert data["active_30_days"] == 0  # the one answer updated no summary row
    today = datetime.now(UTC).date().isoformat()
    assert data["answers_per_day"][-1] == {"day": today, "answers": 1}
    assert len(data["answers_per_day"]) == 30
    html = people["instructor"].get("/instructor/").get_data(as_text=True)
    assert "<svg" in html and "data-day-chart" in html


def test_instructor_pages_speak_chinese(people: dict):
    client = people["instructor"]
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "zh", "next": "/instructor/", "csrf_token": token})
    assert response.status_code == 303
    html = client.get("/instructor/").get_data(as_text=True)
    assert "教师总览" in html
    assert "每日作答数" in html
    assert "学习者" in client.get("/instructor/learners").get_data(as_text=True)


def test_a_question_links_to_its_yaml_line(app: Flask, people: dict):
    catalog = app.extensions["catalog"]
    question = quiz_for_topic(catalog, "routing").questions[0]
    with app.test_request_context():
        url = quiz_source_url(question.path, question.line)
    assert url == f"/instructor/source/{question.path}#L{question.line}"
    page = people["instructor"].get(url.split("#")[0]).get_data(as_text=True)
    assert f'<tr id="L{question.line}">' in page
    assert question.id in page.split(f'<tr id="L{question.line}">')[1].split("</tr>")[0]


def add_cards(learner_id: int, due: int, later: int, leeches: int) -> None:
    """Give a learner review cards: ``due`` due an hour ago, ``later`` due tomorrow, ``leeches`` suspended."""
    now = datetime.now(UTC)
    kinds = [(now - timedelta(hours=1), False)] * due + [(now + timedelta(days=1), False)] * later
    # A leech's due time has passed too: suspended, it is out of review all the same.
    kinds += [(now - timedelta(days=3), True)] * leeches
    for number, (when, suspended) in enumerate(kinds):
        db.session.add(
            ReviewCard(
                learner_id=learner_id,
                question_id=f"rt-{learner_id}-{number}",
                quiz_id="routing",
                state=2,
                due=when,
                reps=9 if suspended else 1,
                lapses=8 if suspended else number % 3,
                suspended=suspended,
            )
        )


@pytest.fixture
def class_with_cards(app: Flask, people: dict) -> dict:
    """Add three named learners beside ``people``'s, with known review cards (the first has none)."""
    auth = AuthActions(app, app.test_client())
    cards = {"ada": (3, 1, 0), "bob": (1, 2, 2), "cy": (0, 0, 1)}
    users = {name: auth.create_user(email=f"{name}@example.com") for name in cards}
    ids = {}
    with app.app_context():
        for name, counts in cards.items():
            learner = Learner(user_id=users[name].id)
            db.session.add(learner)
            db.session.flush()
            add_cards(learner.id, *counts)
            ids[name] = learner.id
        db.session.commit()
    return ids


@pytest.mark.storage
def test_roster_counts_cards_due_and_leeches(people: dict, class_with_cards: dict):
    get = lambda url: people["instructor"].get(url, headers={"Accept": "application/json"}).get_json()  # noqa: E731
    rows = {
        row["name"]: (row["cards_due"], row["leeches"]) for row in get("/instructor/learners")["learners"]
    }
    assert rows == {"ada": (3, 0), "bob": (1, 2), "cy": (0, 1), "learner": (0, 0)}
    by_due = [row["name"] for row in get("/instructor/learners?sort=cards_due&dir=desc")["learners"]]
    assert by_due == ["ada", "bob", "cy", "learner"]  # a tie: the newer learner first when descending
    by_leeches = [row["name"] for row in get("/instructor/learners?sort=leeches&dir=asc")["learners"]]
    assert by_leeches == ["learner", "ada", "cy", "bob"]
    html = people["instructor"].get("/instructor/learners?sort=cards_due&dir=desc").get_data(as_text=True)
    assert 'data-sort="cards_due" aria-sort="descending"' in html
    assert f'<tr data-learner="{class_with_cards["bob"]}">' in html
    row = html.split(f'<tr data-learner="{class_with_cards["bob"]}">')[1].split("</tr>")[0]
    assert 'data-cards-due="1"' in row and 'data-leeches="2"' in row


@pytest.mark.storage
def test_learner_page_shows_cards_due_and_the_leeches(app: Flask, people: dict, class_with_cards: dict):
    url = f"/instructor/learners/{class_with_cards['bob']}"
    data = people["instructor"].get(url, headers={"Accept": "application/json"}).get_json()
    assert data["cards_due"] == 1
    assert data["leeches_total"] == 2
    assert [leech["lapses"] for leech in data["leeches"]] == [8, 8]
    assert {leech["topic"] for leech in data["leeches"]} == {"routing"}
    html = people["instructor"].get(url).get_data(as_text=True)
    assert 'data-cards-due="1"' in html
    assert html.count("<tr data-leech=") == 2
    ada = people["instructor"].get(f"/instructor/learners/{class_with_cards['ada']}").get_data(as_text=True)
    assert "3 review cards are due now." in ada
    assert "No leeches." in ada


@pytest.mark.storage
def test_a_leech_of_a_course_question_shows_its_text_and_source(app: Flask, people: dict):
    question = quiz_for_topic(app.extensions["catalog"], "routing").questions[0]
    with app.app_context():
        db.session.add(
            ReviewCard(
                learner_id=people["learner_id"],
                question_id=question.id,
                quiz_id="routing",
                due=datetime.now(UTC),
                lapses=8,
                suspended=True,
            )
        )
        db.session.commit()
    url = f"/instructor/learners/{people['learner_id']}"
    (leech,) = people["instructor"].get(url, headers={"Accept": "application/json"}).get_json()["leeches"]
    assert leech["question_id"] == question.id
    assert leech["text"] and leech["source"] == f"{question.path}:{question.line}"
    assert leech["source_url"].endswith(f"#L{question.line}")
