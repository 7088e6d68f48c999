"""The interview drill: questions drawn on the server, its clock, resume, and every drill kept."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import small_catalog
from test_learn_catalog import use_catalog
from test_practice_review import Clock
from test_progress_summary import StatementCounter

from app.extensions import db as _db
from app.progress import cards
from app.progress import drills
from app.progress import service
from app.progress.models import Drill
from app.progress.service import as_utc

pytestmark = pytest.mark.storage

CATALOG = small_catalog()
QUIZ = CATALOG.quizzes["routing"]


def form_answer(question_id: str) -> dict:
    """Return the form fields of the right answer to a question of the small course."""
    answer = RIGHT[question_id]
    if question_id == "rt-order":
        return {f"pos-{item}": str(index + 1) for index, item in enumerate(answer)}
    if isinstance(answer, list):
        return {"answer": answer}
    return {"answer": str(answer).lower() if isinstance(answer, bool) else answer}


def test_questions_mix_due_weak_and_unseen():
    pool = list(QUIZ.questions)
    seen = {"rt-single": 0.0, "rt-multi": 1.0, "rt-tf": 0.5}
    chosen = drills.choose_questions(pool, seen, {"rt-multi"}, 3, random.Random(1))
    assert len(chosen) == len(set(chosen)) == 3
    assert "rt-multi" in chosen  # the due one
    assert {"rt-single", "rt-tf"} & set(chosen)  # a weak one
    assert set(chosen) - set(seen)  # an unseen one
    assert len(drills.choose_questions(pool, {}, set(), 40, random.Random(1))) == len(pool)


def test_an_answer_after_the_deadline_is_not_counted(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    drill = drills.start_drill(learner, CATALOG, ["routing"], length=3, minutes=5)
    assert as_utc(drill.deadline) == time.moment + timedelta(minutes=5)
    first = CATALOG.questions[drills.current_question_id(drill)]
    time.advance(seconds=42)
    entry = drills.answer(learner, drill, first, RIGHT[first.id])
    assert entry["seconds"] == 42.0
    assert entry["correct"]

    second = CATALOG.questions[drills.current_question_id(drill)]
    time.advance(minutes=5)  # past the deadline by 42 s
    with pytest.raises(drills.DrillOver):
        drills.answer(learner, drill, second, RIGHT[second.id])
    _db.session.expire_all()
    drill = _db.session.get(Drill, drill.id)
    assert drill.is_finished
    assert list(drill.answers) == [first.id]
    assert drill.score == pytest.approx(1 / 3)
    assert as_utc(drill.finished_at) == as_utc(drill.deadline)
    with pytest.raises(service.AttemptClosed):
        drills.answer(learner, drill, second, RIGHT[second.id])


def test_only_the_current_question_is_accepted(db, monkeypatch):
    Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    drill = drills.start_drill(learner, CATALOG, ["routing"], length=3)
    later = CATALOG.questions[drill.question_ids[1]]
    with pytest.raises(service.UnknownQuestion):
        drills.answer(learner, drill, later, RIGHT[later.id])
    current = CATALOG.questions[drills.current_question_id(drill)]
    with pytest.raises(service.BadAnswer):
        drills.answer(learner, drill, current, {"nonsense": [1]} if current.type != "short_answer" else 5)
    assert drill.answers == {}


def test_a_new_drill_ends_and_keeps_the_running_one(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    first = drills.start_drill(learner, CATALOG, ["routing"], length=2)
    question = CATALOG.questions[drills.current_question_id(first)]
    drills.answer(learner, first, question, WRONG[question.id])
    time.advance(minutes=1)
    second = drills.start_drill(learner, CATALOG, ["routing"], length=2)
    _db.session.expire_all()
    rows = list(_db.session.scalars(sa.select(Drill).order_by(Drill.id)))
    assert [row.id for row in rows] == [first.id, second.id]
    assert rows[0].is_finished and rows[0].score == 0.0
    assert not rows[1].is_finished


def test_missed_questions_become_due_now(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    drill = drills.start_drill(learner, CATALOG, ["routing"], length=3)
    question = CATALOG.questions[drills.current_question_id(drill)]
    drills.answer(learner, drill, question, RIGHT[question.id])
    drills.give_up(learner, drill)
    time.advance(minutes=1)
    assert drills.review_missed(learner, drill, CATALOG) == 2
    for qid in drills.missed_ids(drill):
        assert as_utc(cards.find_card(learner.id, qid).due) == time.moment


# Pages ------------------------------------------------------------------------------------


@pytest.fixture
def settings(app_settings):
    """Send forms without CSRF tokens."""
    app_settings.update(WTF_CSRF_ENABLED=False)
    return app_settings


def current(client, drill_url: str) -> str:
    """Return the question id the running drill page asks."""
    html = client.get(drill_url).get_data(as_text=True)
    return html.split('name="question_id" value="')[1].split('"')[0]


def test_a_drill_runs_to_the_end_and_survives_a_reload(settings, app, client, monkeypatch):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    assert client.post("/drill", data={"topic": ["routing"], "length": "99"}).status_code == 400
    assert client.post("/drill", data={"topic": ["nowhere"]}).status_code == 400
    response = client.post("/drill", data={"topic": ["routing"], "length": "4", "minutes": "10"})
    assert response.status_code == 303
    url = response.location
    first = current(client, url)
    assert current(client, url) == first  # a reload asks the same question
    time.advance(seconds=20)
    client.post(f"{url}/answer", data={"question_id": first, **form_answer(first)})
    second = current(client, url)
    assert second != first
    page = client.get("/drill").get_data(as_text=True)
    assert "data-resume" in page and url in page
    assert "Question 2 of 4" in client.get(url).get_data(as_text=True)
    for _ in range(3):
        qid = current(client, url)
        time.advance(seconds=10)
        response = client.post(f"{url}/answer", data={"question_id": qid, **form_answer(qid)})
    assert response.location.endswith("/result")
    result = client.get(response.location).get_data(as_text=True)
    assert "Score: 100%" in result
    assert "20.0 s on this question" in result


def test_the_drill_page_after_the_deadline_shows_the_result(settings, app, client, monkeypatch):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    url = client.post("/drill", data={"topic": ["routing"], "length": "3", "minutes": "1"}).location
    qid = current(client, url)
    time.advance(minutes=2)
    late = client.post(f"{url}/answer", data={"question_id": qid, **form_answer(qid)})
    assert late.status_code == 303 and late.location.endswith("/result")
    result = client.get(late.location).get_data(as_text=True)
    assert "Score: 0%" in result
    assert "0 of 3 answered" in result
    assert client.get(url).location.endswith("/result")
    assert client.post(f"{url}/review-missed").status_code == 303
    assert client.get("/drill/999999").status_code == 404


@pytest.mark.parametrize("many", [False, True])
def test_drill_page_statements_do_not_grow_with_history(settings, app, client, monkeypatch, many):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    for _ in range(12 if many else 1):
        url = client.post("/drill", data={"topic": ["routing"], "length": "7"}).location
        for _ in range(3 if many else 0):
            qid = current(client, url)
            client.post(f"{url}/answer", data={"question_id": qid, **form_answer(qid)})
        time.advance(minutes=1)
    client.get(url)
    with app.app_context():
        engine = _db.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200
    session_reads = 0 if app.config.get("REDIS_URL") else 2
    assert counter.count <= 2 + session_reads
