"""A page per quiz question: read-only, answer behind <details>, linked from search, no DB reads."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import csrf_token
from flask import url_for
from test_pages_fast import RoundTrips

from app.content.model import Catalog
from app.content.model import Question
from app.extensions import db
from app.practice.links import teaching_link
from app.search.documents import course_documents
from app.search.documents import question_url

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def course(app) -> Catalog:
    """Return the catalog ``app`` shows (the real course)."""
    return app.extensions["content"].get()


def first_of_each_type(course: Catalog) -> dict[str, Question]:
    """Return one question of each type, in course order."""
    rv: dict[str, Question] = {}
    for quiz in course.quizzes.values():
        for question in quiz.questions:
            rv.setdefault(question.type, question)
    return rv


def topic_of(course: Catalog, question: Question) -> str:
    """Return the topic whose quiz holds ``question``."""
    return course.quizzes[question.quiz_id].topic


def details(html: str) -> str:
    """Return the "Show the answer" block of a question page."""
    match = re.search(r"<details class=\"explanation question-answer\".*?</details>", html, re.S)
    assert match, "no answer block"
    return match.group(0)


def test_the_url_search_builds_is_the_route(app, course):
    question = course.quizzes["routing"].questions[0]
    with app.test_request_context():
        assert url_for("learn.question_page", topic="routing", question_id=question.id) == question_url(
            "routing", question.id
        )


def test_every_type_shows_read_only_with_its_answer_folded(app, client, course):
    kinds = first_of_each_type(course)
    assert set(kinds) >= {"single_choice", "multiple_choice", "true_false", "short_answer", "code_output"}
    assert {"ordering", "flashcard", "code_challenge"} <= set(kinds)
    for kind, question in kinds.items():
        topic = topic_of(course, question)
        response = client.get(question_url(topic, question.id))
        assert response.status_code == 200, kind
        html = response.get_data(as_text=True)
        # Read-only: no form, nothing to post, no script needed for the answer.
        assert "<form" not in html.split('<main id="main"')[1], kind
        assert "<script" not in html.split('<main id="main"')[1], kind
        assert question.prompt_html["en"] in html
        answer = details(html)
        assert "<summary>Show the answer</summary>" in answer
        assert question.explanation_html["en"] in answer
        assert f'href="/topics/{topic}/quiz"' in html
        link = teaching_link(course, question)
        assert link is not None and f'href="{link.url}"' in html
        if kind in ("single_choice", "multiple_choice"):
            assert '<fieldset class="choices" disabled' in html
            right = question.answer if isinstance(question.answer, list) else [question.answer]
            for choice in question.choices:
                if choice.id in right:
                    assert choice.html["en"] in answer, kind
        if kind in ("short_answer", "code_output"):
            assert f"<code>{question.accept[0]}</code>" in answer.replace("&#39;", "'").replace("&#34;", '"')
        if kind == "flashcard":
            assert question.model_answer_html["en"] in answer
        if kind == "code_challenge":
            # The starter code and the visible tests; the reference solution only in the answer.
            assert "Starter code" in html and question.challenge.test_names[0] in html
            assert "def " in answer and answer.count("<pre>") >= 1


def test_a_section_link_names_the_lesson_and_the_section(client, course):
    question = next(q for q in course.quizzes["routing"].questions if q.id == "routing-endpoint-card")
    html = client.get(question_url("routing", question.id)).get_data(as_text=True)
    href = "/topics/routing/routing#endpoints-the-name-in-the-middle"
    assert (
        f'<a class="button" href="{href}" data-question-lesson>'
        "Where the course teaches it: Routing inside out › Endpoints: the name in the middle</a>" in html
    )


def test_hidden_challenge_tests_are_never_shown(client, course):
    challenges = [
        q
        for quiz in course.quizzes.values()
        for q in quiz.questions
        if q.challenge and q.challenge.hidden_tests
    ]
    assert challenges
    documents = course_documents(course)
    for question in challenges:
        topic = topic_of(course, question)
        for headers in ({}, ZH):
            html = client.get(question_url(topic, question.id), headers=headers).get_data(as_text=True)
            for name in question.challenge.hidden_test_names:
                assert name not in html, (question.id, name)
        hit = [doc for doc in documents if doc.kind == "question" and doc.key == question.id]
        assert hit
        for doc in hit:
            shown = doc.heading + doc.body + doc.code
            assert not any(name in shown for name in question.challenge.hidden_test_names), question.id


@pytest.mark.parametrize(
    "path",
    [
        "/topics/routing/questions/no-such-question",
        "/topics/no-such-topic/questions/routing-endpoint-card",
        # A question of another topic's quiz: one address per question.
        "/topics/context/questions/routing-endpoint-card",
        "/topics/routing/questions/" + quote("<script>", safe=""),
        "/topics/routing/questions/" + "x" * 5000,
    ],
)
def test_unknown_or_foreign_questions_are_404(client, path):
    assert client.get(path).status_code == 404


def test_the_page_reads_in_chinese(client, course):
    question = next(q for q in course.quizzes["routing"].questions if q.id == "routing-endpoint-card")
    html = client.get(question_url("routing", question.id), headers=ZH).get_data(as_text=True)
    assert question.prompt_html["zh"] in html
    assert "<summary>显示答案</summary>" in html
    assert question.model_answer_html["zh"] in details(html)
    assert "测验题：" in html and "课程里讲解它的地方" in html


def test_search_question_hits_link_to_the_question_page(client, course):
    data = client.get("/search.json", query_string={"q": "BlueprintSetupState.add_url_rule"}).get_json()
    hits = [hit for hit in data["results"] if hit["kind"] == "question"]
    assert hits
    for hit in hits:
        assert re.fullmatch(r"/topics/blueprints/questions/[a-z0-9-]+", hit["url"]), hit["url"]
        question_id = hit["url"].rpartition("/")[2]
        page = client.get(hit["url"]).get_data(as_text=True)
        assert course.questions[question_id].prompt_html["en"] in page
    html = client.get("/search", query_string={"q": "BlueprintSetupState.add_url_rule"}).get_data(
        as_text=True
    )
    assert f'href="{hits[0]["url"]}"' in html


@pytest.mark.storage
def test_the_page_reads_nothing_beyond_the_session(app, client, course):
    # A returning learner (a lesson done): the lesson page reads their progress, this page does not.
    token = csrf_token(client, "/topics/intro/what-is-flask")
    assert client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        engine = db.engine
    question = course.quizzes["routing"].questions[1]
    counts = {}
    pages = {
        "lesson": "/topics/intro/what-is-flask",
        "search": "/search?q=url_for",
        "question": question_url("routing", question.id),
    }
    for name, path in pages.items():
        with RoundTrips(engine) as trips:
            assert client.get(path).status_code == 200
        counts[name] = trips.statements
    assert counts["lesson"] > 0, counts
    assert counts["question"] == counts["search"] == 0, counts
