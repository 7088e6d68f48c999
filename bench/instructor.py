"""Benchmark the instructor reports on a generated class (not part of ``make test``).

Generates learners (a tenth of them anonymous) with lessons opened and finished, quiz
attempts and answers over the real course's questions, then measures in process:

- the roster page (``/instructor/learners``) per sort key, at 10,000 learners;
- the item analysis page and the overview;
- the peak Python memory (tracemalloc) while streaming ``responses.csv`` of 100,000 answers.

    .venv/bin/python bench/instructor.py [--learners 10000] [--responses 100000] [--database URL]

SQLite in a temporary file by default; ``--database`` takes a PostgreSQL URL (its tables
are created and dropped).
"""

from __future__ import annotations

import argparse
import random
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
from app.progress.models import Learner  # noqa: E402
from app.progress.models import LessonProgress  # noqa: E402
from app.progress.models import QuestionResponse  # noqa: E402
from app.progress.models import QuestionSummary  # noqa: E402
from app.progress.models import QuizAttempt  # noqa: E402
from app.progress.models import QuizSummary  # noqa: E402

NAMES = ("Ada", "Grace", "Linus", "张伟", "王芳", "李娜", "Guido", "Barbara")
#: (label, path, repeats) of the pages timed besides the roster's sort orders.
PAGES = (
    ("roster filtered q=ada", "/instructor/learners?q=ada&sort=average", 5),
    ("roster newest active", "/instructor/learners?sort=last_active&dir=desc", 5),
    ("item analysis", "/instructor/items", 3),
    ("item analysis (topic)", "/instructor/items/routing", 3),
    ("overview", "/instructor/", 3),
    ("content health", "/instructor/health", 3),
)
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
            started = now - timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86_400))
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
        started = now - timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86_400))
        at = started
        scores = []
        for question in quiz.questions:
            at += timedelta(seconds=rng.randint(5, 120))
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
    db.session.commit()


def timed(client, path: str, repeat: int = 5) -> float:
    """Return the best of ``repeat`` in-process times of GET ``path``, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (path, response.status_code)
        best = min(best, elapsed)
    return best


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


def main() -> None:
    """Generate the class, then print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database")
    options = parser.parse_args()
    from app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = options.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
        with app.app_context():
            db.create_all()
            catalog = app.extensions["content"].load()
            start = time.perf_counter()
            generate_class(catalog, options.learners, options.responses)
            took = time.perf_counter() - start
            print(f"generated {options.learners} learners, {options.responses} answers in {took:.1f} s")
            instructor = User(email="teacher@example.com", display_name="Teacher", role="instructor")
            instructor.set_password("correct horse")
            db.session.add(instructor)
            db.session.commit()
            instructor_id = instructor.id
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(instructor_id)
            session["_fresh"] = True
        try:
            for sort in ("name", "completion", "average", "last_active"):
                for direction in ("asc", "desc"):
                    path = f"/instructor/learners?sort={sort}&dir={direction}&page=3"
                    print(f"roster {sort:<12} {direction:<4} {timed(client, path):7.1f} ms")
            for label, path, repeat in PAGES:
                print(f"{label:<26}{timed(client, path, repeat):7.1f} ms")
            for path in ("/instructor/exports/responses.csv", "/instructor/exports/roster.csv"):
                start = time.perf_counter()
                size, peak = stream_peak(client, path)
                elapsed = time.perf_counter() - start
                print(
                    f"{path}: {size / 1e6:.1f} MB in {elapsed:.1f} s, peak traced memory {peak / 1e6:.2f} MB"
                )
        finally:
            with app.app_context():
                db.session.remove()
                if options.database:
                    db.drop_all()
                db.engine.dispose()


if __name__ == "__main__":
    main()
