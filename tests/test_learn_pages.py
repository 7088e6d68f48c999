"""The learner's pages: course map, topic, lesson, quiz (forms and JSON), dashboard."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from test_learn_catalog import RIGHT
from test_learn_catalog import WRONG
from test_learn_catalog import use_catalog

from app.extensions import db
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt


@pytest.fixture
def real_catalog(app):
    """Return the real course (the ``app`` fixture shares one build per test run)."""
    return app.extensions["content"].get()


@pytest.fixture
def course(app):
    """Serve the small test course."""
    return use_catalog(app)


def rows(app, model):
    """Return every row of ``model``."""
    with app.app_context():
        return list(db.session.scalars(sa.select(model)))


def post_json(client, path, body, token=None, **kwargs):
    """Post ``body`` as JSON with the CSRF header, as quiz.js does."""
    token = token or csrf_token(client, "/topics/routing/quiz")
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    return client.post(path, json=body, headers=headers, **kwargs)


def answer_all(client, answers, token=None):
    """Answer every question of the routing quiz through the JSON API."""
    token = token or csrf_token(client, "/topics/routing/quiz")
    for qid, answer in answers.items():
        response = post_json(
            client, "/topics/routing/quiz/answer", {"question_id": qid, "answer": answer}, token
        )
        assert response.status_code == 200, response.json
    return response


# Pages and 404s -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/topics/nope/",
        "/topics/nope/quiz",
        "/topics/nope/routing",
        "/topics/routing/nope",
        "/topics/intro/routing",  # a real lesson, in another topic
        "/topics/intro/quiz",  # a topic without a quiz
    ],
)
def test_unknown_topic_lesson_or_quiz_is_404(client, course, path):
    assert client.get(path).status_code == 404


def test_course_map_lists_topics_in_order_with_progress_bars(client, course):
    html = client.get("/").get_data(as_text=True)
    assert html.index("/topics/intro/") < html.index("/topics/routing/") < html.index("/topics/ecosystem/")
    assert html.count('<progress class="bar"') >= 16
    assert "Start the course" in html
    assert "/topics/intro/what-is-flask" in html


def test_topic_page_lists_lessons_quiz_and_existing_demos(client, course):
    html = client.get("/topics/routing/").get_data(as_text=True)
    assert "Routing inside out" in html
    assert "/topics/routing/quiz" in html
    assert 'href="/dashboard"' in html  # the demo endpoint that exists
    assert "demo_that_does_not_exist" not in html


def test_lesson_page_renders_toc_prerequisites_and_neighbours(client, course):
    html = client.get("/topics/routing/routing").get_data(as_text=True)
    assert "<h1>Routing inside out</h1>" in html
    assert 'href="#first-part"' in html
    assert 'href="/topics/intro/what-is-flask"' in html  # prerequisite
    assert 'href="/topics/intro/wsgi"' in html  # previous lesson
    assert "Mark as done" in html
    assert "js/lesson.js" in html


def test_opening_a_lesson_records_started_once_the_learner_exists(app, client, course):
    # A first look (or a crawler) creates nothing: no learner, no row, no learner cookie.
    response = client.get("/topics/intro/what-is-flask")
    assert "learner" not in response.headers.get("Set-Cookie", "")
    assert rows(app, Learner) == [] and rows(app, LessonProgress) == []
    # The first real action creates the learner; from then on, opening a lesson counts.
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    client.get("/topics/intro/wsgi")
    client.get("/topics/intro/wsgi")
    (learner,) = rows(app, Learner)
    assert learner.user_id is None
    states = {row.lesson_slug: row.completed_at is not None for row in rows(app, LessonProgress)}
    assert states == {"what-is-flask": True, "wsgi": False}


def test_visitors_who_only_browse_create_no_rows(app, client, course):
    for path in ("/", "/topics/routing/", "/topics/routing/quiz", "/dashboard"):
        assert client.get(path).status_code == 200
    assert rows(app, Learner) == []


def test_mark_as_done_needs_csrf(client, course):
    client.get("/topics/intro/what-is-flask")
    assert client.post("/topics/intro/what-is-flask/done").status_code == 400


def test_mark_as_done_records_completed_and_goes_to_the_next_lesson(app, client, course):
    token = csrf_token(client, "/topics/intro/what-is-flask")
    response = client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/topics/intro/wsgi"
    (row,) = rows(app, LessonProgress)
    assert row.completed_at is not None
    html = client.get("/topics/intro/what-is-flask").get_data(as_text=True)
    assert "You marked this lesson as done." in html


def test_mark_as_done_answers_json_to_scripts(client, course):
    response = post_json(client, "/topics/routing/routing/done", {})
    assert response.status_code == 200
    assert response.json == {"slug": "routing", "completed": True}


def test_home_offers_to_continue_the_last_unfinished_lesson(client, course):
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    client.get("/topics/routing/routing")
    html = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in html
    assert re.search(r'href="/topics/routing/routing">\s*Continue where you left off', html)


# Quiz through plain forms ---------------------------------------------------------------


def test_quiz_page_shows_the_first_question_at_once(client, course):
    html = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert "Question 1 of 7" in html
    assert 'name="question_id" value="rt-single"' in html
    assert "js/quiz.js" in html


def test_form_answer_redirects_to_feedback_with_both_answers_and_explanation(app, client, course):
    token = csrf_token(client, "/topics/routing/quiz")
    data = {"csrf_token": token, "question_id": "rt-single", "answer": "a"}
    response = client.post("/topics/routing/quiz/answer", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Not quite." in html
    assert "<code>the rule</code>" in html and "<code>__name__</code>" in html
    assert "Because rt-single." in html
    assert "Next question" in html
    html = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert "Question 2 of 7" in html
    assert 'name="attempt_id"' in html


def test_form_answers_for_every_question_type_then_final_score(app, client, course):
    token = csrf_token(client, "/topics/routing/quiz")
    forms = {
        "rt-single": {"answer": "b"},
        "rt-multi": {"answer": ["a", "b"]},
        "rt-tf": {"answer": "true"},
        "rt-short": {"answer": "URL_FOR"},
        "rt-code": {"answer": "3"},
        "rt-order": {"pos-match": "1", "pos-view": "2", "pos-save": "3"},
        "rt-card": {"answer": "good"},
    }
    for qid, fields in forms.items():
        response = client.post(
            "/topics/routing/quiz/answer", data={"csrf_token": token, "question_id": qid, **fields}
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    (attempt,) = rows(app, QuizAttempt)
    assert attempt.finished_at is not None
    assert attempt.score == pytest.approx((5 + 0 + 0.8) / 7)
    feedback = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "See your score" in feedback
    result = client.get(f"/topics/routing/quiz/attempts/{attempt.id}").get_data(as_text=True)
    assert "83%" in result
    assert "Retry only the 1 I missed" in result
    # With no open attempt, the quiz page is the summary with the retry buttons.
    summary = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert "Your last score" in summary
    assert "Retry the whole quiz" in summary


def test_empty_or_wrong_form_answer_shows_the_question_again_with_a_message(client, course):
    token = csrf_token(client, "/topics/routing/quiz")
    response = client.post(
        "/topics/routing/quiz/answer", data={"csrf_token": token, "question_id": "rt-single"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Pick one of the choices." in html
    assert 'name="question_id" value="rt-single"' in html


def test_retry_only_the_missed_questions(app, client, course):
    answers = dict(RIGHT)
    answers["rt-tf"] = WRONG["rt-tf"]
    answers["rt-order"] = WRONG["rt-order"]
    answer_all(client, answers)
    (attempt,) = rows(app, QuizAttempt)
    token = csrf_token(client, f"/topics/routing/quiz/attempts/{attempt.id}")
    response = client.post(
        "/topics/routing/quiz/start", data={"csrf_token": token, "mode": "missed", "attempt_id": attempt.id}
    )
    assert response.status_code == 303
    retry = max(rows(app, QuizAttempt), key=lambda a: a.id)
    assert (retry.mode, retry.question_ids) == ("missed", ["rt-tf", "rt-order"])
    html = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert "Question 1 of 2" in html
    assert 'value="rt-tf"' in html
    assert "Retrying the 2 questions you missed." in html
    # A question outside the retry is refused.
    response = post_json(client, "/topics/routing/quiz/answer", {"question_id": "rt-single", "answer": "b"})
    assert response.status_code == 400
    assert "not part of this attempt" in response.json["message"]


def test_retry_the_whole_quiz_starts_a_new_attempt(app, client, course):
    answer_all(client, RIGHT)
    token = csrf_token(client, "/topics/routing/quiz")
    client.post("/topics/routing/quiz/start", data={"csrf_token": token, "mode": "all"})
    attempts = rows(app, QuizAttempt)
    assert len(attempts) == 2
    assert "Question 1 of 7" in client.get("/topics/routing/quiz").get_data(as_text=True)


def test_someone_elses_attempt_or_feedback_is_404(app, course):
    first, second = app.test_client(), app.test_client()
    answer_all(first, {"rt-single": "b"})
    (response,) = rows(app, QuestionResponse)
    assert first.get(f"/topics/routing/quiz/feedback/{response.id}").status_code == 200
    assert second.get(f"/topics/routing/quiz/feedback/{response.id}").status_code == 404
    assert second.get(f"/topics/routing/quiz/attempts/{response.attempt_id}").status_code == 404


# Quiz through JSON ----------------------------------------------------------------------


def test_json_answer_gives_feedback_and_the_next_question(client, course):
    response = post_json(client, "/topics/routing/quiz/answer", {"question_id": "rt-single", "answer": "b"})
    assert response.status_code == 200
    body = response.json
    assert body["correct"] is True and body["score"] == 1.0 and body["kind"] == "correct"
    assert (body["answered"], body["total"], body["finished"], body["repeated"]) == (1, 7, False, False)
    assert "Correct!" in body["feedback_html"]
    assert "Because rt-single." in body["feedback_html"]
    assert 'value="rt-multi"' in body["next_html"]
    assert f'name="attempt_id" value="{body["attempt_id"]}"' in body["next_html"]


def test_answering_twice_keeps_the_first_answer(app, client, course):
    token = csrf_token(client, "/topics/routing/quiz")
    post_json(client, "/topics/routing/quiz/answer", {"question_id": "rt-tf", "answer": False}, token)
    again = post_json(client, "/topics/routing/quiz/answer", {"question_id": "rt-tf", "answer": True}, token)
    assert again.status_code == 200
    assert again.json["repeated"] is True
    assert again.json["correct"] is False
    assert len(rows(app, QuestionResponse)) == 1


def test_last_json_answer_finishes_the_attempt(client, course):
    response = answer_all(client, RIGHT)
    assert response.json["finished"] is True
    assert response.json["next_html"] is None
    assert response.json["result_url"].startswith("/topics/routing/quiz/attempts/")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question_id": "no-such-question", "answer": "a"}, "not part of this quiz"),
        ({"question_id": ["rt-single"], "answer": "a"}, "not part of this quiz"),
        ({"question_id": "rt-single", "answer": {"x": 1}}, "must be given by its id"),
        ({"question_id": "rt-single", "answer": "z"}, "Unknown choice"),
        ({"question_id": "rt-multi", "answer": 7}, "list of choice ids"),
        ({"question_id": "rt-tf", "answer": "perhaps"}, "true or false"),
        ({"question_id": "rt-short", "answer": "x" * 5000}, "too long"),
        ({"question_id": "rt-short", "answer": ["a", "b"]}, "one answer"),
        ({"question_id": "rt-order", "answer": ["match", "match"]}, "only once"),
        ({"question_id": "rt-card", "answer": "meh"}, "again, hard, good or easy"),
        ({"question_id": "rt-single", "answer": "b", "attempt_id": "abc"}, "must be a whole number"),
        ({"question_id": "rt-single", "answer": "b", "attempt_id": 999999}, "does not exist"),
    ],
)
def test_bad_answers_are_400_with_a_message(app, client, course, body, message):
    response = post_json(client, "/topics/routing/quiz/answer", body)
    assert response.status_code == 400
    assert message in response.json["message"]
    assert rows(app, QuestionResponse) == []


def test_a_json_body_that_is_not_an_object_is_400(client, course):
    response = post_json(client, "/topics/routing/quiz/answer", ["rt-single", "b"])
    assert response.status_code == 400
    assert "JSON object" in response.json["message"]


def test_an_oversized_body_is_413_not_500(client, course):
    huge = {"question_id": "rt-short", "answer": "x" * (2 * 1024 * 1024)}
    assert post_json(client, "/topics/routing/quiz/answer", huge).status_code == 413


def test_json_answer_without_csrf_header_is_refused(client, course):
    response = client.post(
        "/topics/routing/quiz/answer",
        json={"question_id": "rt-single", "answer": "b"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.json["message"]


def test_answer_to_a_finished_attempt_is_400(app, client, course):
    answer_all(client, RIGHT)
    (attempt,) = rows(app, QuizAttempt)
    response = post_json(
        client,
        "/topics/routing/quiz/answer",
        {"question_id": "rt-single", "answer": "b", "attempt_id": attempt.id},
    )
    assert response.status_code == 400
    assert "already finished" in response.json["message"]


def test_flashcard_shows_reveal_and_rating_keys(client, course):
    token = csrf_token(client, "/topics/routing/quiz")
    for qid in list(RIGHT)[:6]:
        post_json(client, "/topics/routing/quiz/answer", {"question_id": qid, "answer": RIGHT[qid]}, token)
    html = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert '<details class="flashcard" data-flashcard>' in html
    assert "Reveal the answer" in html
    for key, rating in enumerate(("again", "hard", "good", "easy"), start=1):
        assert f'value="{rating}" class="button rating rating-{rating}" data-rating-key="{key}"' in html
    assert "point one" in html


def test_a_question_removed_from_the_course_keeps_its_history(app, client, course):
    from test_learn_catalog import QUESTIONS
    from test_learn_catalog import small_catalog

    answer_all(client, RIGHT)
    (attempt,) = rows(app, QuizAttempt)
    use_catalog(app, small_catalog(QUESTIONS[1:]))  # rt-single is gone
    assert len(rows(app, QuestionResponse)) == 7
    html = client.get(f"/topics/routing/quiz/attempts/{attempt.id}").get_data(as_text=True)
    assert "no longer part of the course" in html
    assert client.get("/dashboard").status_code == 200


# Dashboard ------------------------------------------------------------------------------


def test_dashboard_reflects_lessons_quizzes_streak_and_activity(client, course):
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    answers = dict(RIGHT)
    answers["rt-single"] = WRONG["rt-single"]
    answer_all(client, answers)
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<svg viewBox="0 0 640 220"' in html
    chart = html[html.index('class="score-chart"') :]
    assert chart[: chart.index("</svg>")].count("<circle") == 1
    assert "1 day" in html  # the streak
    assert "Finished the lesson “What is Flask”" in html
    assert "Scored 86% in the quiz “Routing”" in html
    assert re.search(r'href="/topics/routing/quiz">Routing</a>\s*<span class="muted">86% right', html)


def test_dashboard_for_a_new_visitor(client, course):
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Finish a quiz and your scores will show here." in html
    assert "0%" in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dashboard",
        "/topics/routing/",
        "/topics/routing/routing",
        "/topics/routing/quiz",
        "/auth/login",
        "/auth/register",
    ],
)
def test_pages_have_no_inline_style_or_script(client, course, path):
    html = client.get(path).get_data(as_text=True)
    assert " style=" not in html
    for chunk in html.split("<script")[1:]:
        assert " src=" in chunk.split(">", 1)[0]


def test_every_page_of_the_real_course_renders(app, real_catalog):
    client = app.test_client()
    for slug, lesson in real_catalog.lessons.items():
        assert client.get(f"/topics/{lesson.topic}/{slug}").status_code == 200, slug
    for quiz in real_catalog.quizzes.values():
        assert client.get(f"/topics/{quiz.topic}/quiz").status_code == 200, quiz.id
        assert client.get(f"/topics/{quiz.topic}/").status_code == 200, quiz.topic
    assert client.get("/").status_code == 200
    assert client.get("/dashboard").status_code == 200


def test_every_question_of_the_real_course_can_be_answered(app, real_catalog):
    client = app.test_client()
    token = csrf_token(client, "/")
    for quiz in real_catalog.quizzes.values():
        for question in quiz.questions:
            if right_answer(question) is None:
                continue  # a pattern-only question: no literal right answer to send
            response = post_json(
                client,
                f"/topics/{quiz.topic}/quiz/answer",
                {"question_id": question.id, "answer": right_answer(question)},
                token,
            )
            assert response.status_code == 200, (question.id, response.json)
            assert response.json["correct"], question.id
            assert "answer-right" in response.json["feedback_html"]


def right_answer(question):
    """Return a right answer to any question of the course, from its key."""
    if question.type == "ordering":
        return [choice.id for choice in question.choices]
    if question.type in ("short_answer", "code_output"):
        return question.accept[0] if question.accept else None
    if question.type == "flashcard":
        return "easy"
    if question.type == "multiple_choice":
        return list(question.answer)
    return question.answer
