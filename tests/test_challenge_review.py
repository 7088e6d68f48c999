"""A code challenge answered in a quiz becomes a review card, and comes back answerable in /review.

The review page shows the same challenge as the quiz (editor, visible tests, the tests run
in the browser); its form posts the self-reported test report to the review answer.
"""

from __future__ import annotations

import json
from datetime import timedelta

import fsrs
import pytest
from conftest import csrf_token
from test_challenge_pages import QID
from test_challenge_pages import QUIZ
from test_challenge_pages import quiz_of
from test_challenge_pages import reach_the_challenge
from test_practice_review import Clock

from app.content.grading import grade
from app.progress import cards
from app.progress.models import ReviewCard
from app.progress.models import ReviewLog

pytestmark = pytest.mark.storage


def challenge(app):
    """Return the hooks quiz's code challenge."""
    return next(question for question in quiz_of(app).questions if question.id == QID)


def report(question, passed: int) -> dict:
    """Return a test report with the first ``passed`` tests passing."""
    names = list(question.challenge.all_test_names)
    return {"passed": names[:passed], "total": len(names), "code": "print('mine')"}


def only_the_challenge_card(db) -> ReviewCard:
    """Drop every card but the challenge's (the questions answered on the way), and return it."""
    db.session.query(ReviewCard).filter(ReviewCard.question_id != QID).delete()
    db.session.commit()
    return db.session.query(ReviewCard).filter_by(question_id=QID).one()


@pytest.mark.parametrize(
    ("passed", "rating"), [(99, fsrs.Rating.Good), (1, fsrs.Rating.Hard), (0, fsrs.Rating.Again)]
)
def test_a_challenge_report_rates_the_card_by_its_tests(app, passed, rating):
    question = challenge(app)
    answer = report(question, min(passed, len(question.answer)))
    result = grade(question, answer)
    # Never Easy, however fast: writing code is not recalling a fact.
    assert cards.rating_for(question, answer, result, duration_ms=1_000) == rating


def test_a_quiz_answer_makes_the_card_and_review_brings_the_challenge_back(app, client, db, monkeypatch):
    clock = Clock(monkeypatch)
    question = challenge(app)
    headers = reach_the_challenge(app, client)
    answer = report(question, 1)
    response = client.post(f"{QUIZ}/answer", json={"question_id": QID, "answer": answer}, headers=headers)
    assert response.status_code == 200 and response.json["correct"] is False

    card = only_the_challenge_card(db)
    log = db.session.query(ReviewLog).filter_by(card_id=card.id).one()
    assert (log.source, log.rating) == ("quiz", int(fsrs.Rating.Hard))

    clock.advance(days=2)
    page = client.get("/review")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "data-challenge=" in html and "js/challenge.js" in html
    assert f'name="question_id" value="{QID}"' in html
    assert question.challenge.hidden_tests.strip().splitlines()[0] not in html
    assert "'wasm-unsafe-eval'" in page.headers["Content-Security-Policy"]

    token = csrf_token(client, "/review")
    passing = json.dumps(report(question, len(question.answer)))
    form = {"csrf_token": token, "question_id": QID, "answer": passing}
    response = client.post("/review/answer", data=form)
    assert response.status_code == 303
    feedback = client.get(response.headers["Location"]).get_data(as_text=True)
    total = len(question.answer)
    assert f"Tests passed: {total} of {total}" in feedback and "print(&#39;mine&#39;)" in feedback

    db.session.expire_all()
    card = db.session.get(ReviewCard, card.id)
    review = db.session.query(ReviewLog).filter_by(card_id=card.id, source="review").one()
    assert review.rating == int(fsrs.Rating.Good)
    assert cards.as_utc(card.due) > clock.moment + timedelta(minutes=5)


def test_a_bad_report_in_review_is_a_400_that_keeps_the_card(app, client, db, monkeypatch):
    clock = Clock(monkeypatch)
    headers = reach_the_challenge(app, client)
    answer = report(challenge(app), 0)
    client.post(f"{QUIZ}/answer", json={"question_id": QID, "answer": answer}, headers=headers)
    card = only_the_challenge_card(db)
    due = card.due
    clock.advance(days=1)
    token = csrf_token(client, "/review")
    bad = json.dumps({"passed": ["test_nothing_like_it"], "total": 1})
    response = client.post("/review/answer", data={"csrf_token": token, "question_id": QID, "answer": bad})
    assert response.status_code == 400
    assert "Unknown test" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReviewCard, card.id).due == due


def test_a_json_client_of_the_review_page_gets_a_link_to_the_challenge(app, client, db, monkeypatch):
    clock = Clock(monkeypatch)
    headers = reach_the_challenge(app, client)
    body = {"question_id": QID, "answer": report(challenge(app), 0)}
    client.post(f"{QUIZ}/answer", json=body, headers=headers)
    only_the_challenge_card(db)
    clock.advance(days=1)
    response = client.get("/review", headers={"Accept": "application/json"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-challenge-fragment" in html and f'href="{QUIZ}"' in html
