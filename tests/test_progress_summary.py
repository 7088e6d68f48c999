"""History-independent reads: summaries kept by the service, read in a constant number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import small_catalog

from app.extensions import db as database
from app.models import User
from app.models import utcnow
from app.progress import service
from app.progress import stats
from app.progress import summary
from app.progress.models import Learner
from app.progress.models import QuestionResponse
from app.progress.models import QuestionSummary
from app.progress.models import QuizAttempt
from app.progress.models import QuizSummary
from app.progress.queries import load_snapshot

pytestmark = pytest.mark.storage

CATALOG = small_catalog()
QUIZ = CATALOG.quizzes["routing"]
TOPICS = ("intro", "routing")


class StatementCounter:
    """Count the SQL statements the engine sends while the block runs."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def assert_same_progress(learner_id: int) -> None:
    """Assert that the summaries give the very progress the full history gives."""
    snapshot = load_snapshot(learner_id)
    standing = summary.load_standing(learner_id)
    assert summary.course_progress(CATALOG, TOPICS, standing) == stats.course_progress(
        CATALOG, TOPICS, snapshot
    )
    assert standing.lessons == snapshot.lessons
    assert summary.score_history(learner_id) == stats.score_history(snapshot)
    assert summary.weakest_topics(CATALOG, learner_id) == stats.weakest_topics(CATALOG, snapshot)
    # The pages' way: the statement that confirms the learner reads the lessons.
    user_id = database.session.get(Learner, learner_id).user_id
    claim = ("anonymous", learner_id) if user_id is None else ("account", user_id)
    claimed_id, claimed = summary.claimed_lessons(*claim)
    assert (claimed_id, claimed) == (learner_id, snapshot.lessons)
    assert summary.standing_of(learner_id, claimed) == standing
    for topic in TOPICS:
        slugs, quiz_ids = summary.topic_scope(CATALOG, topic)
        narrow = summary.load_standing(learner_id, slugs, quiz_ids)
        assert summary.claimed_lessons(*claim, slugs) == (learner_id, narrow.lessons)
        assert summary.standing_of(learner_id, narrow.lessons, quiz_ids) == narrow
        assert summary.topic_progress(CATALOG, topic, narrow) == stats.topic_progress(
            CATALOG, topic, snapshot
        )


def test_summaries_follow_every_answer_and_finished_attempt(db):
    learner = service.new_anonymous_learner()
    service.start_lesson(learner.id, "what-is-flask")
    service.complete_lesson(learner, "routing")
    assert_same_progress(learner.id)
    for qid, answer in WRONG.items():
        service.submit_answer(learner, QUIZ, qid, answer)
    assert_same_progress(learner.id)
    service.start_attempt(learner, QUIZ)
    for qid in list(RIGHT)[:4]:
        service.submit_answer(learner, QUIZ, qid, RIGHT[qid])
    assert_same_progress(learner.id)
    for qid in list(RIGHT)[4:]:
        service.submit_answer(learner, QUIZ, qid, WRONG[qid])
    assert_same_progress(learner.id)
    row = db.session.scalar(sa.select(QuizSummary))
    assert (row.finished_attempts, row.best_score) == (2, pytest.approx(4 / 7))
    latest = {r.question_id: r.last_score for r in db.session.scalars(sa.select(QuestionSummary))}
    assert latest["rt-single"] == 1.0 and latest["rt-code"] == 0.0


def test_a_missed_questions_attempt_does_not_count_as_a_best_score(db):
    learner = service.new_anonymous_learner()
    for qid, answer in WRONG.items():
        service.submit_answer(learner, QUIZ, qid, answer)
    service.start_attempt(learner, QUIZ, "missed", ["rt-single"])
    service.submit_answer(learner, QUIZ, "rt-single", RIGHT["rt-single"])
    assert summary.load_standing(learner.id).best == {"routing": 0.0}
    assert_same_progress(learner.id)


def test_claiming_merges_the_summaries(db):
    user = User(email="ada@example.com", display_name="ada")
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    mine = service.learner_for_user(user)
    for qid in list(RIGHT)[:3]:
        service.submit_answer(mine, QUIZ, qid, RIGHT[qid])
    anonymous = service.new_anonymous_learner()
    for qid, answer in WRONG.items():
        service.submit_answer(anonymous, QUIZ, qid, answer)
    for qid in list(RIGHT)[3:]:
        service.submit_answer(anonymous, QUIZ, qid, RIGHT[qid])
    merged = service.claim(anonymous.id, user)
    assert merged.id == mine.id
    standing = summary.load_standing(mine.id)
    assert standing.mastered == {"routing": frozenset(RIGHT)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionSummary)) == len(RIGHT)
    assert_same_progress(mine.id)


def add_history(db, learner_id: int, responses: int) -> None:
    """Store ``responses`` answers in finished attempts, with their summaries, in a few bulk statements."""
    ids = [question.id for question in QUIZ.questions]
    attempts = responses // len(ids)
    if not attempts:
        return
    start = utcnow() - timedelta(days=30)
    db.session.execute(
        sa.insert(QuizAttempt),
        [
            {
                "learner_id": learner_id,
                "quiz_id": QUIZ.id,
                "number": number + 1,
                "mode": "all",
                "question_ids": ids,
                "started_at": start + timedelta(minutes=number),
                "finished_at": start + timedelta(minutes=number, seconds=30),
                "score": 0.5,
            }
            for number in range(attempts)
        ],
    )
    attempt_ids = db.session.scalars(
        sa.select(QuizAttempt.id).where(QuizAttempt.learner_id == learner_id)
    ).all()
    db.session.execute(
        sa.insert(QuestionResponse),
        [
            {
                "attempt_id": attempt_id,
                "question_id": qid,
                "answer": "x",
                "correct": qid == "rt-single",
                "score": 1.0 if qid == "rt-single" else 0.0,
                "answered_at": start,
            }
            for attempt_id in attempt_ids
            for qid in ids
        ],
    )
    db.session.execute(
        sa.insert(QuestionSummary),
        [
            {
                "learner_id": learner_id,
                "question_id": qid,
                "quiz_id": QUIZ.id,
                "mastered": qid == "rt-single",
                "last_score": 1.0 if qid == "rt-single" else 0.0,
                "last_answered_at": start,
            }
            for qid in ids
        ],
    )
    db.session.add(
        QuizSummary(learner_id=learner_id, quiz_id=QUIZ.id, best_score=0.5, finished_attempts=attempts)
    )
    db.session.commit()


@pytest.mark.parametrize("responses", [0, 5005])
def test_pages_reads_take_two_statements_whatever_the_history(db, responses):
    learner = service.new_anonymous_learner()
    learner_id = learner.id
    service.complete_lesson(learner, "routing")
    add_history(db, learner_id, responses)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse)) == responses
    db.session.expire_all()
    engine = db.session.get_bind()
    counts = []
    for read in (
        lambda: summary.load_standing(learner_id),
        lambda: summary.load_standing(learner_id, *summary.topic_scope(CATALOG, "routing")),
        lambda: summary.load_standing(learner_id, *summary.topic_scope(CATALOG, "intro")),
        lambda: summary.score_history(learner_id),
        lambda: summary.weakest_topics(CATALOG, learner_id),
        lambda: summary.claimed_lessons("anonymous", learner_id),
        lambda: summary.standing_of(learner_id, {}, [QUIZ.id]),
    ):
        with StatementCounter(engine) as counter:
            read()
        counts.append(counter.count)
    # Everything, the routing topic (lessons and quiz), the intro topic (lessons only, no quiz),
    # the score history, the weakest topics; the learner confirmed with its lessons, the quiz half.
    assert counts == [2, 2, 1, 1, 1, 1, 1]
    progress = summary.topic_progress(
        CATALOG, "routing", summary.load_standing(learner.id, *summary.topic_scope(CATALOG, "routing"))
    )
    assert progress.lessons_done == 1
    assert progress.questions_mastered == (1 if responses else 0)
    assert progress.best_score == (0.5 if responses else None)
    assert len(summary.score_history(learner_id)) == (20 if responses else 0)
    assert summary.weakest_topics(CATALOG, learner_id) == ([("routing", 1 / 7)] if responses else [])
    assert summary.load_standing(learner_id, *summary.topic_scope(CATALOG, "intro")).lessons == {}
    assert summary.load_standing(None) == summary.NOBODY
