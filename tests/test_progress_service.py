"""The progress service: the rows it writes, the transactions it owns, claiming and merging."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from test_learn_catalog import QUESTIONS
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import small_catalog

from app.models import User
from app.progress import service
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt
from app.progress.queries import load_snapshot
from app.progress.service import as_utc
from app.progress.stats import best_scores

pytestmark = pytest.mark.storage

QUIZ = small_catalog().quizzes["routing"]


def count(db, model) -> int:
    """Return how many rows ``model`` has."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def make_user(db, email="ada@example.com") -> User:
    """Insert a user."""
    user = User(email=email, display_name=email.split("@")[0])
    user.set_password("correct horse")
    db.session.add(user)
    db.session.commit()
    return user


def test_lesson_start_is_recorded_once(db):
    learner = service.new_anonymous_learner()
    first = service.start_lesson(learner.id, "routing")
    again = service.start_lesson(learner.id, "routing")
    assert first.id == again.id
    assert count(db, LessonProgress) == 1
    assert first.completed_at is None


def test_completing_keeps_the_first_completion(db):
    learner = service.new_anonymous_learner()
    done = service.complete_lesson(learner, "routing")
    first = as_utc(done.completed_at)
    again = service.complete_lesson(learner, "routing")
    assert as_utc(again.completed_at) == first
    assert count(db, LessonProgress) == 1


def test_lesson_rows_are_unique_per_learner_and_slug(db):
    learner = service.new_anonymous_learner()
    db.session.add_all(
        [
            LessonProgress(learner_id=learner.id, lesson_slug="routing"),
            LessonProgress(learner_id=learner.id, lesson_slug="routing"),
        ]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_concurrent_duplicate_start_returns_the_existing_row(db, monkeypatch):
    learner = service.new_anonymous_learner()
    existing = service.start_lesson(learner.id, "routing")
    # Simulate the race: the lookup misses, the insert then hits the unique constraint.
    real_find = service.find_lesson_progress
    misses = [True]

    def find(*args):
        return None if misses and misses.pop() else real_find(*args)

    monkeypatch.setattr(service, "find_lesson_progress", find)
    row = service.start_lesson(learner.id, "routing")
    assert not misses
    assert row.id == existing.id
    assert count(db, LessonProgress) == 1


def test_first_answer_opens_an_attempt_and_the_last_finishes_it(db):
    learner = service.new_anonymous_learner()
    for qid, answer in RIGHT.items():
        submission = service.submit_answer(learner, QUIZ, qid, answer)
        assert submission.created and submission.result.correct
    attempt = submission.attempt
    assert attempt.is_finished
    assert attempt.score == 1.0
    assert attempt.question_ids == [q.id for q in QUESTIONS]
    assert count(db, QuizAttempt) == 1
    assert count(db, QuestionResponse) == 7


def test_the_score_is_the_mean_over_the_questions_asked(db):
    learner = service.new_anonymous_learner()
    answers = dict(WRONG)
    answers["rt-single"] = RIGHT["rt-single"]
    answers["rt-card"] = "hard"  # 0.5
    answers["rt-order"] = ["match", "save", "view"]  # 2 of 3 pairs
    for qid, answer in answers.items():
        submission = service.submit_answer(learner, QUIZ, qid, answer)
    assert submission.attempt.score == pytest.approx((1 + 0.5 + 2 / 3) / 7)


def test_answers_are_stored_normalized_as_json(db):
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-tf", "yes")
    service.submit_answer(learner, QUIZ, "rt-order", {"view": "2", "save": "3", "match": "1"})
    stored = {r.question_id: r.answer for r in db.session.scalars(sa.select(QuestionResponse))}
    assert stored == {"rt-tf": True, "rt-order": ["match", "view", "save"]}


def test_a_second_answer_to_the_same_question_returns_the_first(db):
    learner = service.new_anonymous_learner()
    first = service.submit_answer(learner, QUIZ, "rt-single", "a")
    second = service.submit_answer(learner, QUIZ, "rt-single", "b")
    assert second.created is False
    assert second.response.id == first.response.id
    assert second.result.correct is False
    assert count(db, QuestionResponse) == 1


@pytest.mark.parametrize(
    ("qid", "answer", "error"),
    [
        ("nope", "a", service.UnknownQuestion),
        (None, "a", service.UnknownQuestion),
        ("rt-single", 3, service.BadAnswer),
        ("rt-short", "x" * 2001, service.BadAnswer),
        ("rt-multi", {"a": True}, service.BadAnswer),
        ("rt-card", "perfect", service.BadAnswer),
    ],
)
def test_bad_answers_raise_and_write_nothing(db, qid, answer, error):
    learner = service.new_anonymous_learner()
    with pytest.raises(error) as info:
        service.submit_answer(learner, QUIZ, qid, answer)
    assert info.value.message
    assert count(db, QuizAttempt) == 0
    assert count(db, QuestionResponse) == 0


def test_a_failure_inside_the_transaction_rolls_everything_back(db, monkeypatch):
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-single", "b")

    def explode(attempt):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_finish_if_complete", explode)
    with pytest.raises(RuntimeError):
        service.submit_answer(learner, QUIZ, "rt-tf", True)
    db.session.expire_all()
    assert count(db, QuestionResponse) == 1
    assert db.session.scalar(sa.select(QuestionResponse.question_id)) == "rt-single"


def test_answers_go_to_the_named_attempt_only_while_it_is_open(db):
    learner = service.new_anonymous_learner()
    other = service.new_anonymous_learner()
    attempt = service.start_attempt(learner, QUIZ, "missed", ["rt-tf"])
    with pytest.raises(service.UnknownQuestion):
        service.submit_answer(learner, QUIZ, "rt-single", "b", attempt.id)
    with pytest.raises(service.AttemptClosed):
        service.submit_answer(other, QUIZ, "rt-tf", True, attempt.id)
    done = service.submit_answer(learner, QUIZ, "rt-tf", True, attempt.id)
    assert done.attempt.is_finished and done.attempt.score == 1.0
    with pytest.raises(service.AttemptClosed):
        service.submit_answer(learner, QUIZ, "rt-tf", True, attempt.id)


def test_start_attempt_keeps_the_quiz_order_and_refuses_empty_or_unknown_modes(db):
    learner = service.new_anonymous_learner()
    attempt = service.start_attempt(learner, QUIZ, "missed", ["rt-card", "gone", "rt-single"])
    assert attempt.question_ids == ["rt-single", "rt-card"]
    with pytest.raises(service.ProgressError):
        service.start_attempt(learner, QUIZ, "missed", ["gone"])
    with pytest.raises(service.ProgressError):
        service.start_attempt(learner, QUIZ, "sideways")


def test_a_new_attempt_supersedes_the_open_one(db):
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-single", "b")
    fresh = service.start_attempt(learner, QUIZ)
    assert service.find_open_attempt(learner.id, QUIZ.id).id == fresh.id
    submission = service.submit_answer(learner, QUIZ, "rt-single", "a")
    assert submission.attempt.id == fresh.id and submission.created


def test_finish_attempt_closes_one_that_can_no_longer_be_completed(db):
    learner = service.new_anonymous_learner()
    service.submit_answer(learner, QUIZ, "rt-single", "b")
    attempt = service.find_open_attempt(learner.id, QUIZ.id)
    service.finish_attempt(attempt)
    assert attempt.is_finished
    assert attempt.score == pytest.approx(1 / 7)


# Claiming --------------------------------------------------------------------------------


def test_claim_gives_an_account_without_progress_the_anonymous_learner(db):
    user = make_user(db)
    anonymous = service.new_anonymous_learner()
    service.complete_lesson(anonymous, "routing")
    learner = service.claim(anonymous.id, user)
    assert learner.id == anonymous.id
    assert learner.user_id == user.id
    assert count(db, Learner) == 1


def test_claim_merges_into_the_accounts_progress_without_duplicates(db):
    user = make_user(db)
    mine = service.learner_for_user(user)
    early = datetime(2026, 1, 1, tzinfo=UTC)
    # The account: routing opened early, never finished; a 3/7 attempt.
    db.session.add(LessonProgress(learner_id=mine.id, lesson_slug="routing", started_at=early))
    db.session.commit()
    answers = {qid: (RIGHT if i < 3 else WRONG)[qid] for i, qid in enumerate(RIGHT)}
    for qid, answer in answers.items():
        service.submit_answer(mine, QUIZ, qid, answer)
    # This browser: routing and wsgi finished later, and a perfect attempt.
    anonymous = service.new_anonymous_learner()
    service.complete_lesson(anonymous, "routing")
    service.complete_lesson(anonymous, "wsgi")
    for qid, answer in RIGHT.items():
        service.submit_answer(anonymous, QUIZ, qid, answer)

    learner = service.claim(anonymous.id, user)

    assert learner.id == mine.id
    assert db.session.get(Learner, anonymous.id) is None
    lessons = {row.lesson_slug: row for row in db.session.scalars(sa.select(LessonProgress))}
    assert set(lessons) == {"routing", "wsgi"}
    assert all(row.learner_id == mine.id for row in lessons.values())
    assert as_utc(lessons["routing"].started_at) == early
    assert lessons["routing"].completed_at is not None
    attempts = list(db.session.scalars(sa.select(QuizAttempt)))
    assert len(attempts) == 2 and {a.learner_id for a in attempts} == {mine.id}
    assert count(db, QuestionResponse) == 14
    assert best_scores(load_snapshot(mine.id).attempts) == {"routing": 1.0}


def test_claim_keeps_the_earliest_completion(db):
    user = make_user(db)
    mine = service.learner_for_user(user)
    early = datetime(2026, 2, 1, tzinfo=UTC)
    db.session.add(
        LessonProgress(learner_id=mine.id, lesson_slug="wsgi", started_at=early, completed_at=early)
    )
    db.session.commit()
    anonymous = service.new_anonymous_learner()
    service.complete_lesson(anonymous, "wsgi")
    service.claim(anonymous.id, user)
    (row,) = db.session.scalars(sa.select(LessonProgress))
    assert as_utc(row.completed_at) == early


@pytest.mark.parametrize("anonymous_id", [None, 424242])
def test_claim_with_nothing_to_claim_returns_the_accounts_learner(db, anonymous_id):
    user = make_user(db)
    learner = service.claim(anonymous_id, user)
    assert learner.user_id == user.id
    assert count(db, Learner) == 1


def test_claim_never_takes_another_accounts_learner(db):
    ada, bob = make_user(db), make_user(db, "bob@example.com")
    adas = service.learner_for_user(ada)
    service.complete_lesson(adas, "routing")
    learner = service.claim(adas.id, bob)
    assert learner.user_id == bob.id
    assert db.session.get(Learner, adas.id).user_id == ada.id
    assert load_snapshot(learner.id).lessons == {}


def test_learner_for_user_is_created_once(db):
    user = make_user(db)
    assert service.learner_for_user(user).id == service.learner_for_user(user).id
    assert count(db, Learner) == 1


def test_snapshot_reads_times_as_utc(db):
    learner = service.new_anonymous_learner()
    service.complete_lesson(learner, "routing")
    service.submit_answer(learner, QUIZ, "rt-single", "b")
    snapshot = load_snapshot(learner.id)
    state = snapshot.lessons["routing"]
    now = datetime.now(UTC)
    assert state.started_at.tzinfo is not None
    assert now - timedelta(minutes=1) < state.completed_at <= now
    assert snapshot.responses[0].quiz_id == "routing"
    assert snapshot.attempts[0].finished_at is None
