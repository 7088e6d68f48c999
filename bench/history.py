"""A long answer history for one learner, written in bulk with the summaries the pages read.

The benchmark and the page-cost tests give a learner thousands of stored answers this
way: a few statements instead of thousands of requests. The summary rows
(``question_summaries``, ``quiz_summaries``) are then rebuilt from the whole history
with the same rules the progress service applies answer by answer: a question is
mastered once answered right, its latest answer's score counts, and a quiz's best is
the best finished attempt at the whole quiz.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa


def add_history(
    conn: sa.Connection,
    learner_id: int,
    questions: Mapping[str, Sequence[str]],
    count: int,
    now: datetime | None = None,
) -> int:
    """Store ``count`` answers for ``learner_id`` in finished attempts of ``questions``' quizzes.

    ``questions`` maps a quiz id to its question ids. Attempts go back one per hour from
    ``now``, half their answers right. Returns the number of answers stored.
    """
    meta = sa.MetaData()
    meta.reflect(conn, only=["quiz_attempts", "question_responses"])
    attempts, responses = meta.tables["quiz_attempts"], meta.tables["question_responses"]
    now = now or datetime.now(UTC)
    numbers = dict(
        conn.execute(
            sa.select(attempts.c.quiz_id, sa.func.max(attempts.c.number))
            .where(attempts.c.learner_id == learner_id)
            .group_by(attempts.c.quiz_id)
        ).all()
    )
    done = hour = 0
    while done < count:
        for quiz_id, ids in questions.items():
            ids = list(ids)[: count - done]
            if not ids:
                continue
            hour += 1
            moment = now - timedelta(hours=hour)
            numbers[quiz_id] = numbers.get(quiz_id, 0) + 1
            attempt = conn.execute(
                attempts.insert().values(
                    learner_id=learner_id,
                    quiz_id=quiz_id,
                    number=numbers[quiz_id],
                    mode="all",
                    question_ids=ids,
                    started_at=moment,
                    finished_at=moment,
                    score=sum(i % 2 == 0 for i in range(len(ids))) / len(ids),
                )
            ).inserted_primary_key[0]
            rows = [
                {
                    "attempt_id": attempt,
                    "question_id": qid,
                    "answer": "x",
                    "correct": i % 2 == 0,
                    "score": float(i % 2 == 0),
                    "answered_at": moment,
                }
                for i, qid in enumerate(ids)
            ]
            conn.execute(responses.insert(), rows)
            done += len(rows)
            if done >= count:
                break
    rebuild_summaries(conn, learner_id)
    return done


def rebuild_summaries(conn: sa.Connection, learner_id: int) -> None:
    """Rebuild the learner's summary rows from their whole history (three statements each)."""
    params = {"learner": learner_id}
    conn.execute(sa.text("DELETE FROM question_summaries WHERE learner_id = :learner"), params)
    conn.execute(
        sa.text(
            """
            INSERT INTO question_summaries
                (learner_id, question_id, quiz_id, mastered, last_score, last_answered_at)
            SELECT a.learner_id, r.question_id, max(a.quiz_id),
                   max(CASE WHEN r.correct THEN 1 ELSE 0 END) = 1,
                   (SELECT r2.score FROM question_responses r2
                      JOIN quiz_attempts a2 ON a2.id = r2.attempt_id
                     WHERE a2.learner_id = a.learner_id AND r2.question_id = r.question_id
                     ORDER BY r2.answered_at DESC, r2.id DESC LIMIT 1),
                   max(r.answered_at)
              FROM question_responses r JOIN quiz_attempts a ON a.id = r.attempt_id
             WHERE a.learner_id = :learner
             GROUP BY a.learner_id, r.question_id
            """
        ),
        params,
    )
    conn.execute(sa.text("DELETE FROM quiz_summaries WHERE learner_id = :learner"), params)
    conn.execute(
        sa.text(
            """
            INSERT INTO quiz_summaries (learner_id, quiz_id, best_score, finished_attempts)
            SELECT learner_id, quiz_id, max(CASE WHEN mode = 'all' THEN score END), count(*)
              FROM quiz_attempts
             WHERE learner_id = :learner AND finished_at IS NOT NULL
             GROUP BY learner_id, quiz_id
            """
        ),
        params,
    )
