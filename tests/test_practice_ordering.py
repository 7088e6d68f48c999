"""Ordering questions grade honestly: only a permutation is an answer, shuffled per attempt."""

from __future__ import annotations

import pytest
from test_learn_catalog import QUESTIONS
from test_learn_catalog import RIGHT
from test_learn_catalog import use_catalog

from app.learn.answers import shuffled_items

ORDER = next(question for question in QUESTIONS if question.id == "rt-order")


@pytest.fixture
def settings(app_settings):
    """Send forms and JSON without CSRF tokens."""
    app_settings.update(WTF_CSRF_ENABLED=False)
    return app_settings


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["match", "match", "save"], "only once"),
        ({"match": "1", "view": "1", "save": "1"}, "different position"),
        (["match", "view"], "1 of 3 are missing"),
        ({"match": "1"}, "2 of 3 are missing"),
    ],
)
def test_a_non_permutation_is_a_400_with_a_clear_message(settings, app, client, answer, message):
    use_catalog(app)
    response = client.post("/topics/routing/quiz/answer", json={"question_id": "rt-order", "answer": answer})
    assert response.status_code == 400
    assert message in response.get_json()["message"]


def test_the_message_is_translated(settings, app, client):
    use_catalog(app)
    response = client.post(
        "/topics/routing/quiz/answer",
        json={"question_id": "rt-order", "answer": {"match": "1", "view": "1", "save": "1"}},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 400
    assert "不同的位置" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("positions", "score"),
    [({"match": "1", "view": "2", "save": "3"}, 1.0), ({"match": "2", "view": "1", "save": "3"}, 2 / 3)],
)
def test_a_permutation_is_scored_by_kendall_pairs(settings, app, client, positions, score):
    use_catalog(app)
    form = {"question_id": "rt-order", **{f"pos-{item}": value for item, value in positions.items()}}
    response = client.post("/topics/routing/quiz/answer", data=form)
    assert response.status_code == 303  # the no-JavaScript form still works
    response = client.post(
        "/topics/routing/quiz/answer", json={"question_id": "rt-order", "answer": positions}
    )
    assert response.get_json()["score"] == pytest.approx(score)


def test_the_shuffle_is_seeded_per_attempt():
    answer = list(RIGHT["rt-order"])
    orders = {tuple(item.id for item in shuffled_items(ORDER, seed)) for seed in range(1, 30)}
    assert len(orders) > 1
    assert tuple(answer) not in orders
    assert shuffled_items(ORDER, 7) == shuffled_items(ORDER, 7)
