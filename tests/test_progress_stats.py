"""What the rows mean: topic progress, streaks, weak spots, where to continue; the chart."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from test_learn_catalog import small_catalog

from app.extensions import db
from app.learn.chart import HEIGHT
from app.learn.chart import score_chart
from app.progress import stats
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.queries import AttemptState
from app.progress.queries import LessonState
from app.progress.queries import ResponseState
from app.progress.queries import Snapshot

CATALOG = small_catalog()
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def at(days: float) -> datetime:
    """Return a moment ``days`` after T0."""
    return T0 + timedelta(days=days)


def response(qid: str, correct: bool, when: float = 0, score: float | None = None) -> ResponseState:
    """Return a stored answer to a question of the routing quiz."""
    return ResponseState(1, "routing", qid, correct, float(correct) if score is None else score, at(when))


def attempt(score: float | None, when: float, mode: str = "all", quiz: str = "routing") -> AttemptState:
    """Return a finished (or open, with ``score=None``) attempt."""
    finished = at(when) if score is not None else None
    return AttemptState(int(when * 10), quiz, mode, (), at(when), finished, score)


def test_topic_progress_counts_lessons_and_quiz_mastery():
    snapshot = Snapshot(
        lessons={"routing": LessonState("routing", at(0), at(0))},
        responses=(response("rt-single", True), response("rt-tf", False), response("rt-tf", True, 1)),
    )
    progress = stats.topic_progress(CATALOG, "routing", snapshot)
    assert (progress.lessons_done, progress.lessons_total) == (1, 1)
    assert (progress.questions_mastered, progress.questions_total) == (2, 7)
    assert progress.fraction == pytest.approx((1 + 2 / 7) / 2)
    assert progress.status == "in-progress"


def test_topic_without_quiz_is_done_when_every_lesson_is():
    snapshot = Snapshot(lessons={s: LessonState(s, at(0), at(0)) for s in ("what-is-flask", "wsgi")})
    progress = stats.topic_progress(CATALOG, "intro", snapshot)
    assert progress.fraction == 1.0
    assert progress.status == "done"


def test_empty_snapshot_is_not_started_everywhere():
    progress = stats.course_progress(CATALOG, ["intro", "routing", "ecosystem"], Snapshot())
    assert [p.status for p in progress] == ["not-started"] * 3
    assert stats.overall_fraction(progress) == 0.0
    assert progress[2].fraction == 0.0  # a topic with no content at all


def test_overall_weights_topics_by_size():
    snapshot = Snapshot(lessons={"what-is-flask": LessonState("what-is-flask", at(0), at(0))})
    progress = stats.course_progress(CATALOG, ["intro", "routing"], snapshot)
    # intro: 2 parts, routing: 1 lesson + 1 quiz = 2 parts; 1 done of 4.
    assert stats.overall_fraction(progress) == pytest.approx(0.25)


def test_best_scores_ignore_retries_of_missed_questions_and_open_attempts():
    attempts = (attempt(0.5, 0), attempt(1.0, 1, mode="missed"), attempt(0.75, 2), attempt(None, 3))
    assert stats.best_scores(attempts) == {"routing": 0.75}


@pytest.mark.parametrize(
    ("days", "today", "streak"),
    [
        ([], date(2026, 3, 5), 0),
        ([date(2026, 3, 5)], date(2026, 3, 5), 1),
        ([date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)], date(2026, 3, 5), 3),
        ([date(2026, 3, 3), date(2026, 3, 4)], date(2026, 3, 5), 2),  # today not yet: still alive
        ([date(2026, 3, 1), date(2026, 3, 3)], date(2026, 3, 5), 0),
        ([date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 5)], date(2026, 3, 5), 2),
    ],
)
def test_day_streak(days, today, streak):
    assert stats.day_streak(days, today) == streak


def test_active_days_come_from_lessons_and_answers():
    snapshot = Snapshot(
        lessons={"wsgi": LessonState("wsgi", at(0), at(2))},
        responses=(response("rt-tf", True, 5),),
    )
    assert stats.active_days(snapshot) == {at(0).date(), at(2).date(), at(5).date()}


def test_weakest_topics_use_the_latest_answer_to_each_question():
    snapshot = Snapshot(
        responses=(
            response("rt-single", False, 0),
            response("rt-single", True, 1),
            response("rt-tf", False, 1),
            response("gone-question", False, 1),
        )
    )
    assert stats.topic_accuracy(CATALOG, snapshot) == {"routing": pytest.approx(1 / 3)}
    assert stats.weakest_topics(CATALOG, snapshot) == [("routing", pytest.approx(1 / 3))]
    perfect = Snapshot(responses=(response("rt-single", True),))
    assert stats.weakest_topics(CATALOG, perfect) == []


def test_continue_with_the_last_unfinished_lesson_else_the_next_one():
    assert stats.continue_lesson(CATALOG, Snapshot()) == "what-is-flask"
    reading = Snapshot(
        lessons={
            "what-is-flask": LessonState("what-is-flask", at(0), None),
            "routing": LessonState("routing", at(1), None),
            "gone": LessonState("gone", at(2), None),
        }
    )
    assert stats.continue_lesson(CATALOG, reading) == "routing"
    finished_first = Snapshot(lessons={"what-is-flask": LessonState("what-is-flask", at(0), at(0))})
    assert stats.continue_lesson(CATALOG, finished_first) == "wsgi"
    everything = Snapshot(lessons={s: LessonState(s, at(0), at(0)) for s in CATALOG.lesson_order})
    assert stats.continue_lesson(CATALOG, everything) is None


def test_recent_activity_is_newest_first():
    snapshot = Snapshot(
        lessons={"wsgi": LessonState("wsgi", at(0), at(1))},
        attempts=(attempt(0.5, 2), attempt(None, 3)),
        responses=(ResponseState(30, "routing", "rt-tf", True, 1.0, at(3.5)),),
    )
    events = stats.recent_activity(snapshot)
    assert [(e.kind, e.ref) for e in events] == [
        ("answering", "routing"),
        ("quiz", "routing"),
        ("completed", "wsgi"),
        ("started", "wsgi"),
    ]
    assert (events[0].count, events[0].at) == (1, at(3.5))
    assert events[1].score == 0.5


def test_score_history_keeps_the_last_finished_attempts_oldest_first():
    attempts = (*(attempt(i / 30, i) for i in range(30)), attempt(None, 40))
    history = stats.score_history(Snapshot(attempts=attempts))
    assert len(history) == 20
    assert history[0].score == pytest.approx(10 / 30)
    assert history[-1].score == pytest.approx(29 / 30)


def test_chart_geometry():
    chart = score_chart([(at(0), 0.0, "a"), (at(1), 0.5, "b"), (at(2), 1.0, "c")])
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert ys[0] > ys[1] > ys[2]  # higher scores are drawn higher
    assert min(ys) >= 0 and max(ys) <= HEIGHT
    assert [label for _, label in chart.grid] == ["0%", "50%", "100%"]
    assert chart.polyline.count(",") == 3
    single = score_chart([(at(0), 0.8, "only")])
    assert single.points[0].x == (chart.left + chart.right) / 2


def test_chart_markup_escapes_quiz_titles_and_rounds_scores_like_the_template_did():
    chart = score_chart([(at(0), 0.125, "<b>Forms</b> & CSRF"), (at(1), 1.0, "Routing")], "en")
    dots = str(chart.dots)
    assert dots.count("<circle ") == 2
    assert "<b>" not in dots and "&lt;b&gt;Forms&lt;/b&gt; &amp; CSRF · 12% · " in dots
    assert 'class="chart-dot chart-dot-full"><title>Routing · 100% · ' in dots
    assert f'cx="{chart.points[0].x}" cy="{chart.points[0].y}"' in dots
    readout = str(chart.readout)
    assert readout.startswith("<li>&lt;b&gt;Forms&lt;/b&gt; &amp; CSRF: 12% (") and readout.count("<li>") == 2
    # The day under a dot, in the reader's language; formatted once per day and language.
    day = datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    assert score_chart([(day, 0.5, "x")], "en").points[0].day == "6 Dec"
    assert score_chart([(day, 0.5, "x")], "zh").points[0].day == "12月6日"


@pytest.mark.storage
def test_days_are_cut_in_utc_whatever_the_database_clock(app, monkeypatch):
    """On PostgreSQL each connection is set to UTC, so a server or a ``PGTZ`` in another zone
    moves no answer to another day (SQLite keeps what it is given, in UTC)."""
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")
    late = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)  # 07:30 the next day in Shanghai
    with app.app_context():
        db.engine.dispose()  # new connections, made with PGTZ set
        try:
            if db.engine.dialect.name == "postgresql":  # date() in SQL, as the reports use it
                moment = sa.cast(sa.literal(late), sa.DateTime(timezone=True))
                assert str(db.session.scalar(sa.select(sa.func.date(moment)))) == "2026-03-04"
            learner = Learner(anonymous_key="z" * 64)
            db.session.add(learner)
            db.session.commit()
            db.session.add(LessonProgress(learner_id=learner.id, lesson_slug="routing", started_at=late))
            db.session.commit()
            db.session.expire_all()
            stored = db.session.scalar(sa.select(LessonProgress.started_at))
            assert stored.date() == late.date()
            assert stats.active_days(Snapshot(lessons={"routing": LessonState("routing", stored, None)})) == {
                late.date()
            }
        finally:
            db.session.remove()
            db.engine.dispose()
