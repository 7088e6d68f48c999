"""The dashboard's weakest topics: "Practise the ones I missed" starts an attempt on those questions."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import use_catalog
from test_pages_fast import EXPECTED
from test_pages_fast import RoundTrips

from app.extensions import db
from app.progress.models import QuizAttempt

pytestmark = pytest.mark.storage

#: First attempt: a wrong, a partly right (one of two right choices), a flashcard rated Good (0.8).
FIRST = {
    **RIGHT,
    "rt-single": WRONG["rt-single"],
    "rt-multi": ["a"],
    "rt-code": WRONG["rt-code"],
    "rt-card": "good",
}
#: Second attempt, two answers only: rt-single is now right, rt-tf now wrong.
SECOND = {"rt-single": RIGHT["rt-single"], "rt-tf": WRONG["rt-tf"]}
#: The questions whose latest answer scored under 1, in quiz order.
MISSED = ["rt-multi", "rt-tf", "rt-code", "rt-card"]


def answer(client, token: str, answers: dict) -> None:
    """Answer the routing quiz's questions as a JSON client."""
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for question_id, value in answers.items():
        reply = client.post(
            "/topics/routing/quiz/answer", json={"question_id": question_id, "answer": value}, headers=headers
        )
        assert reply.status_code == 200, reply.get_json()


def start_weak(client, token: str, **headers):
    """Post the dashboard's "Practise the ones I missed" form for the routing topic."""
    return client.post(
        "/topics/routing/quiz/start", data={"csrf_token": token, "mode": "weak"}, headers=headers
    )


def latest_attempt() -> QuizAttempt:
    """Return the newest attempt stored."""
    return db.session.scalars(sa.select(QuizAttempt).order_by(QuizAttempt.id.desc()).limit(1)).one()


@pytest.fixture
def learner(app):
    """Return a client whose learner answered the routing quiz twice (see ``FIRST`` and ``SECOND``)."""
    use_catalog(app)
    client = app.test_client()
    token = csrf_token(client, "/topics/routing/quiz")
    answer(client, token, FIRST)
    reply = client.post("/topics/routing/quiz/start", data={"csrf_token": token, "mode": "all"})
    assert reply.status_code == 303
    answer(client, token, SECOND)
    return client, token


def test_each_weak_topic_offers_to_practise_the_missed_questions(app, learner):
    client, _ = learner
    with app.app_context():
        engine = db.engine
    with RoundTrips(engine) as trips:
        html = client.get("/dashboard").get_data(as_text=True)
    # The button costs no statement: the questions are chosen when it is pressed.
    assert trips.statements == EXPECTED["dashboard"]
    opening = r'<form method="post" action="/topics/routing/quiz/start"[^>]*data-practise-weak="routing">'
    form = re.search(opening + "(.*?)</form>", html, re.S)
    assert form is not None
    assert 'name="csrf_token"' in form.group(1)
    assert '<input type="hidden" name="mode" value="weak">' in form.group(1)
    assert "Practise the ones I missed" in form.group(1)


def test_the_attempt_asks_the_questions_whose_latest_answer_was_wrong(app, learner):
    client, token = learner
    reply = start_weak(client, token)
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/topics/routing/quiz")
    with app.app_context():
        attempt = latest_attempt()
        # rt-single was wrong once but right last time; rt-tf the other way round.
        assert (attempt.mode, attempt.question_ids, attempt.finished_at) == ("missed", MISSED, None)
    page = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert 'name="question_id" value="rt-multi"' in page


def test_practising_counts_the_new_answers_as_the_latest(app, learner):
    client, token = learner
    start_weak(client, token)
    answer(client, token, {"rt-multi": RIGHT["rt-multi"], "rt-card": "easy"})
    assert start_weak(client, token).status_code == 303
    with app.app_context():
        assert latest_attempt().question_ids == ["rt-tf", "rt-code"]


def test_nothing_missed_is_a_clear_400(app):
    use_catalog(app)
    client = app.test_client()
    token = csrf_token(client, "/topics/routing/quiz")
    fresh = start_weak(client, token)
    assert fresh.status_code == 400
    assert "Nothing to practise" in fresh.get_data(as_text=True)
    answer(client, token, RIGHT)
    reply = start_weak(client, token, Accept="application/json")
    assert reply.status_code == 400
    assert (
        reply.get_json()["message"]
        == "Nothing to practise: none of your latest answers in this quiz is wrong."
    )
    chinese = start_weak(client, token, **{"Accept-Language": "zh"})
    assert chinese.status_code == 400
    assert "没有要练习的题" in chinese.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


def test_the_form_needs_its_csrf_token(app, learner):
    client, _ = learner
    assert start_weak(client, "not-a-token").status_code == 400
    with app.app_context():
        assert latest_attempt().mode == "all"
