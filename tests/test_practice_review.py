"""Spaced review: FSRS cards written by the progress service, the review queue, undo, leeches."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import fsrs
import pytest
import sqlalchemy as sa
from test_learn_catalog import QUESTIONS
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import small_catalog
from test_learn_catalog import use_catalog
from test_progress_summary import StatementCounter

from app.content.grading import Result
from app.practice.panel import heatmap
from app.practice.panel import heatmap_cells
from app.practice.panel import heatmap_labels
from app.progress import cards
from app.progress import clock
from app.progress import reviews
from app.progress import service
from app.progress.models import ReviewCard
from app.progress.models import ReviewLog
from app.progress.service import as_utc

pytestmark = pytest.mark.storage

CATALOG = small_catalog()
QUIZ = CATALOG.quizzes["routing"]
BY_ID = {question.id: question for question in QUESTIONS}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand; installed as ``app.progress.clock.now``."""

    def __init__(self, monkeypatch, start: datetime = START) -> None:
        self.moment = start
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def advance(self, **kwargs) -> datetime:
        """Move time forward and return the new moment."""
        self.moment += timedelta(**kwargs)
        return self.moment

    def to(self, moment: datetime) -> datetime:
        """Jump to ``moment``."""
        self.moment = as_utc(moment)
        return self.moment


def card_of(learner, question_id: str) -> ReviewCard:
    """Return the learner's card for a question, fresh from the database."""
    card = cards.find_card(learner.id, question_id)
    assert card is not None
    return card


def graduate(learner, time: Clock, question_id: str = "rt-card") -> ReviewCard:
    """Review the card at each due time with Good until FSRS calls it learned (state Review)."""
    card = card_of(learner, question_id)
    for _ in range(5):
        if card.state == fsrs.State.Review:
            return card
        time.to(card.due)
        service.review_answer(learner, BY_ID[question_id], "good")
        card = card_of(learner, question_id)
    assert card.state == fsrs.State.Review
    return card


@pytest.mark.parametrize(
    ("question_id", "answer", "duration", "rating"),
    [
        ("rt-single", WRONG["rt-single"], None, fsrs.Rating.Again),
        ("rt-multi", ["a"], None, fsrs.Rating.Hard),
        ("rt-single", RIGHT["rt-single"], 60_000, fsrs.Rating.Good),
        ("rt-single", RIGHT["rt-single"], None, fsrs.Rating.Good),
        ("rt-single", RIGHT["rt-single"], 4_000, fsrs.Rating.Easy),
        ("rt-code", RIGHT["rt-code"], 25_000, fsrs.Rating.Easy),
        ("rt-tf", RIGHT["rt-tf"], 25_000, fsrs.Rating.Good),
        ("rt-card", "hard", 1_000, fsrs.Rating.Hard),
        ("rt-card", "easy", None, fsrs.Rating.Easy),
    ],
)
def test_an_answer_becomes_a_rating(db, question_id, answer, duration, rating):
    learner = service.new_anonymous_learner()
    submission = service.submit_answer(learner, QUIZ, question_id, answer, duration_ms=duration)
    (log,) = db.session.scalars(sa.select(ReviewLog))
    assert log.rating == rating
    assert log.source == "quiz"
    card = card_of(learner, question_id)
    assert log.card_id == card.id
    assert card.reps == 1
    assert as_utc(card.last_review) >= as_utc(submission.response.answered_at) - timedelta(seconds=5)


def test_rating_rule_is_pure():
    question = BY_ID["rt-short"]
    assert cards.rating_for(question, "x", Result(False, 0.0, "", "incorrect"), 1) == fsrs.Rating.Again
    assert cards.rating_for(question, "x", Result(True, 1.0, "", "correct"), 20_000) == fsrs.Rating.Easy
    assert cards.rating_for(question, "x", Result(True, 1.0, "", "correct"), 20_001) == fsrs.Rating.Good
    assert cards.clean_duration("nonsense") is None
    assert cards.clean_duration(-5) is None
    assert cards.clean_duration(True) is None
    assert cards.clean_duration("1500") == 1500


def test_a_bad_answer_writes_no_card(db):
    learner = service.new_anonymous_learner()
    with pytest.raises(service.BadAnswer):
        service.submit_answer(learner, QUIZ, "rt-order", ["match", "match", "save"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard)) == 0


def test_good_pushes_the_due_date_out_and_again_brings_it_back(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-card", "good")
    card = graduate(learner, time)
    first_interval = as_utc(card.due) - time.moment
    assert first_interval >= timedelta(days=1)

    time.to(card.due)
    service.review_answer(learner, BY_ID["rt-card"], "good")
    card = card_of(learner, "rt-card")
    assert as_utc(card.due) - time.moment > first_interval

    time.to(card.due)
    service.review_answer(learner, BY_ID["rt-card"], "again")
    card = card_of(learner, "rt-card")
    assert card.lapses == 1
    assert card.state == fsrs.State.Relearning
    assert as_utc(card.due) - time.moment <= timedelta(minutes=10)


def test_an_auto_graded_card_is_answered_again_in_review(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-short", WRONG["rt-short"])
    service.submit_answer(learner, QUIZ, "rt-order", WRONG["rt-order"])
    time.to(card_of(learner, "rt-short").due)
    done = service.review_answer(learner, BY_ID["rt-short"], RIGHT["rt-short"], duration_ms=3000)
    assert done.result.correct
    assert done.log.rating == fsrs.Rating.Easy
    assert done.log.answer == RIGHT["rt-short"]
    with pytest.raises(service.BadAnswer):
        service.review_answer(learner, BY_ID["rt-order"], ["save", "save", "view"])


def test_undo_restores_the_card_from_the_log(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-card", "good")
    card = graduate(learner, time)
    before = cards.snapshot(card)
    time.to(card.due)
    service.review_answer(learner, BY_ID["rt-card"], "again")
    assert card_of(learner, "rt-card").lapses == 1
    logs = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog))

    service.undo_last_review(learner)
    db.session.expire_all()
    assert cards.snapshot(card_of(learner, "rt-card")) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == logs - 1


def test_undo_takes_back_only_review_ratings(db):
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-card", "good")
    assert service.undo_last_review(learner) is None
    assert card_of(learner, "rt-card").reps == 1


def test_a_card_that_lapses_eight_times_is_a_suspended_leech(db, monkeypatch):
    time = Clock(monkeypatch)
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-card", "easy")
    for lapse in range(1, cards.LEECH_LAPSES + 1):
        card = graduate(learner, time)
        time.to(card.due)
        service.review_answer(learner, BY_ID["rt-card"], "again")
        card = card_of(learner, "rt-card")
        assert card.lapses == lapse
        assert card.suspended is (lapse == cards.LEECH_LAPSES)
    assert [c.question_id for c in reviews.suspended_cards(learner.id)] == ["rt-card"]
    time.advance(days=30)
    assert reviews.due_cards(learner.id, None, time.moment, allow_new=True) == []
    with pytest.raises(service.UnknownQuestion):
        service.review_answer(learner, BY_ID["rt-card"], "good")
    service.unsuspend(learner, BY_ID["rt-card"])
    assert [c.question_id for c in reviews.due_cards(learner.id, None, time.moment, allow_new=True)] == [
        "rt-card"
    ]


def test_claiming_moves_cards_and_logs(db):
    from test_progress_service import make_user

    anonymous = service.new_anonymous_learner()
    service.submit_answer(anonymous, QUIZ, "rt-card", "good")
    user = make_user(db)
    mine = service.learner_for_user(user)
    service.submit_answer(mine, QUIZ, "rt-tf", True)
    merged = service.claim(anonymous.id, user)
    assert {c.question_id for c in db.session.scalars(sa.select(ReviewCard))} == {"rt-card", "rt-tf"}
    assert {c.learner_id for c in db.session.scalars(sa.select(ReviewCard))} == {merged.id}
    assert {log.learner_id for log in db.session.scalars(sa.select(ReviewLog))} == {merged.id}


# Pages ------------------------------------------------------------------------------------


@pytest.fixture
def settings(app_settings):
    """Limit new review cards to two a day, and send forms without CSRF tokens."""
    app_settings.update(REVIEW_NEW_CARDS_PER_DAY=2, WTF_CSRF_ENABLED=False)
    return app_settings


def answer_quiz(client, answers: dict) -> None:
    """Answer routing questions through the quiz's JSON endpoint."""
    for qid, answer in answers.items():
        response = client.post("/topics/routing/quiz/answer", json={"question_id": qid, "answer": answer})
        assert response.status_code == 200, response.json


def status(client, path: str = "/review") -> tuple[str, str]:
    """Return the review page's status line and the id of the question it asks (or "")."""
    html = client.get(path).get_data(as_text=True)
    line = " ".join(html.split("data-review-status>")[1].split("</p>")[0].split())
    marker = 'name="question_id" value="'
    qid = html.split(marker)[1].split('"')[0] if marker in html else ""
    return line, qid


def test_the_daily_new_card_limit(settings, app, client, monkeypatch):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    answer_quiz(client, {"rt-single": "a", "rt-tf": False, "rt-short": "nope"})
    line, qid = status(client)
    assert line.startswith("0 cards due now.")
    time.advance(minutes=2)
    line, qid = status(client)
    assert line.startswith("2 cards due now.")
    assert "New cards left today: 2 of 2" in client.get("/review").get_data(as_text=True)
    for _ in range(2):
        line, qid = status(client)
        response = client.post("/review/answer", data={"question_id": qid, "answer": RIGHT[qid]})
        assert response.status_code == 303
    line, qid = status(client)
    assert line.startswith("0 cards due now.")
    assert qid == ""
    time.advance(days=1)
    line, qid = status(client)
    assert qid != ""


def test_review_pages_answer_undo_and_feedback(settings, app, client, monkeypatch):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    answer_quiz(client, {"rt-order": WRONG["rt-order"]})
    time.advance(minutes=2)
    _line, qid = status(client)
    assert qid == "rt-order"
    bad = client.post(
        "/review/answer", data={"question_id": "rt-order", "pos-match": "1", "pos-view": "1", "pos-save": "1"}
    )
    assert bad.status_code == 400
    assert "different position" in bad.get_data(as_text=True)
    response = client.post(
        "/review/answer", data={"question_id": "rt-order", "pos-match": "1", "pos-view": "2", "pos-save": "3"}
    )
    assert response.status_code == 303
    feedback = client.get(response.location)
    assert feedback.status_code == 200
    assert "data-feedback" in feedback.get_data(as_text=True)
    assert status(client)[1] == ""
    assert client.post("/review/undo").status_code == 303
    assert status(client)[1] == "rt-order"
    assert client.post("/review/answer", data={"question_id": "nope"}).status_code == 400
    assert client.get("/review?topic=nowhere").status_code == 404
    assert client.get("/review/feedback/999999").status_code == 404


@pytest.mark.parametrize("many", [False, True])
def test_review_page_statements_do_not_grow_with_cards(settings, app, client, monkeypatch, many):
    use_catalog(app, CATALOG)
    time = Clock(monkeypatch)
    client.get("/review")
    answer_quiz(client, {"rt-tf": True})
    if many:
        with app.app_context():
            learner_id = db_learner_id(app)
            from app.extensions import db

            for number in range(300):
                db.session.add(
                    ReviewCard(
                        learner_id=learner_id, question_id=f"gone-{number}", quiz_id="routing", due=START
                    )
                )
            db.session.commit()
    time.advance(days=3)
    client.get("/review")
    with app.app_context():
        from app.extensions import db

        engine = db.engine
    with StatementCounter(engine) as counter:
        assert client.get("/review").status_code == 200
    # The learner, the queue's counts, the due cards; the session store may add its own.
    session_reads = 0 if app.config.get("REDIS_URL") else 2
    assert counter.count <= 3 + session_reads
    app.config["STATEMENTS_SEEN"] = counter.count


def db_learner_id(app) -> int:
    """Return the id of the only learner."""
    from app.extensions import db
    from app.progress.models import Learner

    return db.session.scalar(sa.select(Learner.id))


@pytest.mark.parametrize(
    ("duration_ms", "rating"),
    [(2_000, fsrs.Rating.Easy), (60_000, fsrs.Rating.Good), (None, fsrs.Rating.Good)],
)
def test_the_quiz_page_reports_the_time_taken_so_a_fast_right_answer_is_easy(
    settings, app, client, duration_ms, rating
):
    use_catalog(app, CATALOG)
    body = {"question_id": "rt-single", "answer": RIGHT["rt-single"]}
    if duration_ms is not None:
        body["duration_ms"] = duration_ms
    assert client.post("/topics/routing/quiz/answer", json=body).status_code == 200
    with app.app_context():
        from app.extensions import db

        log = db.session.scalars(sa.select(ReviewLog)).one()
        assert log.rating == int(rating)


# The heatmap ---------------------------------------------------------------------------

#: The template loop the heatmap helper replaced, kept as the reference for its output.
HEATMAP_LOOP = (
    "{% for cell in map.cells %}"
    '<rect x="{{ cell.x }}" y="{{ cell.y }}" width="12" height="12" rx="2" '
    'class="heat heat-{{ cell.level }}" '
    "fill=\"{{ ('#e5e7eb', '#bbf7d0', '#4ade80', '#16a34a', '#14532d')[cell.level] }}\">"
    "<title>{{ labels.days[loop.index0] }}: {{ cell.count }}</title></rect>"
    "{% endfor %}"
)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_heatmap_cells_are_what_the_template_loop_drew(app, lang):
    today = datetime(2026, 12, 6, tzinfo=UTC).date()
    counts = {today: 1, today - timedelta(days=3): 4, today - timedelta(days=40): 12}
    with app.test_request_context("/dashboard", headers={"Accept-Language": lang}):
        grid = heatmap(counts, today)
        drawn = str(heatmap_cells(grid))
        reference = app.jinja_env.from_string(HEATMAP_LOOP).render(map=grid, labels=heatmap_labels(grid))
    assert drawn.split("\n") == reference.replace("</rect><rect", "</rect>\n<rect").split("\n")
    assert drawn.count("<rect ") == len(grid.cells) == 182
    assert 'class="heat heat-2" fill="#4ade80"' in drawn and ": 4</title>" in drawn
    assert drawn.count("heat heat-0") == len(grid.cells) - 3
