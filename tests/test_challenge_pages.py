"""Code challenges on the quiz page: the partial, the runner endpoints, the CSP, the skip."""

from __future__ import annotations

import json

import pytest
from conftest import csrf_token
from markupsafe import escape

from app.content.challenge_runner import run_json
from app.content.challenges import RUNNER

TOPIC = "hooks"
QUIZ = f"/topics/{TOPIC}/quiz"
QID = "hooks-challenge-api-key"


def quiz_of(app):
    """Return the hooks quiz of the course the app serves."""
    return app.extensions["content"].get().quizzes[TOPIC]


def right_answer(question):
    """Return a right answer to ``question`` for the JSON API."""
    if question.type == "flashcard":
        return "good"
    if question.type == "ordering":
        return [c.id for c in question.choices]
    if question.type in ("short_answer", "code_output"):
        return question.accept[0]
    if question.type == "code_challenge":
        return {"passed": list(question.answer), "total": len(question.answer)}
    return list(question.answer) if isinstance(question.answer, tuple) else question.answer


def reach_the_challenge(app, client) -> dict:
    """Answer every question before the challenge through the JSON API; return the headers."""
    token = csrf_token(client, QUIZ)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for question in quiz_of(app).questions:
        if question.id == QID:
            break
        answer = right_answer(question)
        response = client.post(
            f"{QUIZ}/answer", json={"question_id": question.id, "answer": answer}, headers=headers
        )
        assert response.status_code == 200, response.json
    return headers


def test_the_quiz_page_renders_the_challenge_without_its_hidden_tests(app, client):
    question = next(q for q in quiz_of(app).questions if q.id == QID)
    assert question.challenge.hidden_tests.strip(), "this challenge has hidden tests"
    reach_the_challenge(app, client)
    response = client.get(QUIZ)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-challenge=" in html and "js/challenge.js" in html
    for name in question.challenge.hidden_test_names:
        assert name not in html
    assert question.challenge.hidden_tests.strip().splitlines()[0] not in html
    assert question.challenge.solution.strip().splitlines()[-1].strip() not in html
    # The visible tests are shown, highlighted; the starter code is in the page's data.
    assert question.challenge.test_names[0] in html and 'class="highlight"' in html
    assert "<script>" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "worker-src 'self'" in policy
    assert "unsafe-eval'" not in policy.replace("'wasm-unsafe-eval'", "")


def test_a_quiz_page_without_a_challenge_keeps_the_strict_policy(client):
    response = client.get(QUIZ)  # question 1 of the flash quiz
    assert response.status_code == 200
    assert "data-challenge" not in response.get_data(as_text=True)
    assert "wasm-unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert "worker-src" not in response.headers["Content-Security-Policy"]


def test_the_next_question_fragment_links_to_the_full_page(app, client):
    headers = reach_the_challenge(app, client)
    # Re-answering the question before the challenge returns the challenge as next_html.
    questions = quiz_of(app).questions
    before = questions[[q.id for q in questions].index(QID) - 1]
    answer = right_answer(before)
    body = {"question_id": before.id, "answer": answer}
    response = client.post(f"{QUIZ}/answer", json=body, headers=headers)
    fragment = response.json["next_html"]
    assert "data-challenge-fragment" in fragment and f'href="{QUIZ}"' in fragment
    assert "challenge.js" not in fragment
    assert "wasm-unsafe-eval" not in response.headers.get("Content-Security-Policy", "")


def test_the_skip_answer_is_an_honest_zero(app, client):
    reach_the_challenge(app, client)
    token = csrf_token(client, QUIZ)
    html = client.get(QUIZ).get_data(as_text=True)
    total = len(next(q for q in quiz_of(app).questions if q.id == QID).answer)
    skip = json.dumps({"passed": [], "total": total})
    assert f'value="{skip.replace(chr(34), "&#34;")}"' in html
    response = client.post(
        f"{QUIZ}/answer",
        data={"csrf_token": token, "question_id": QID, "answer": skip},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    feedback = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not quite." in feedback
    # The feedback reads the report (not its raw dict) beside the reference solution.
    question = next(q for q in quiz_of(app).questions if q.id == QID)
    assert f"Tests passed: 0 of {total}" in feedback
    assert "{&#39;passed&#39;" not in feedback
    assert str(escape(question.challenge.solution.splitlines()[0])) in feedback


def test_the_tests_endpoint_returns_visible_and_hidden_sources(app, client):
    question = next(q for q in quiz_of(app).questions if q.id == QID)
    response = client.get(f"/playground/challenges/{QID}/tests")
    assert response.status_code == 200
    assert response.json["tests"] == question.challenge.tests
    assert response.json["hidden_tests"] == question.challenge.hidden_tests
    assert response.json["names"] == list(question.challenge.all_test_names)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("qid", ["nope", "flash-1", "x" * 500])
def test_the_tests_endpoint_refuses_what_is_not_a_challenge(client, qid):
    response = client.get(f"/playground/challenges/{qid}/tests", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["message"]


def test_the_runner_is_served_from_memory(app, client, monkeypatch):
    response = client.get("/playground/challenge_runner.py")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == RUNNER.read_text(encoding="utf-8")
    assert response.mimetype == "text/x-python"
    again = client.get("/playground/challenge_runner.py", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # Read at start-up: the file is not opened again per request.
    monkeypatch.setattr(type(RUNNER), "read_text", lambda *a, **k: pytest.fail("read per request"))
    assert client.get("/playground/challenge_runner.py").status_code == 200


def test_run_json_is_what_the_browser_calls(app):
    question = next(q for q in quiz_of(app).questions if q.id == QID)
    challenge = question.challenge
    payload = {"code": challenge.starter, "tests": challenge.tests, "hidden_tests": challenge.hidden_tests}
    starter = json.loads(run_json(json.dumps(payload)))
    assert [o["name"] for o in starter["outcomes"]] == list(challenge.all_test_names)
    assert not all(o["passed"] for o in starter["outcomes"])
    solved = json.loads(run_json(json.dumps({**payload, "code": challenge.solution + "\nprint('hi')\n"})))
    assert all(o["passed"] for o in solved["outcomes"]), solved
    assert "hi" in solved["output"]


def test_the_challenge_speaks_chinese(app, client):
    reach_the_challenge(app, client)
    html = client.get(QUIZ, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "跳过这道挑战（不得分）" in html and "运行测试" in html
    config = json.loads(html.split("data-challenge='", 1)[1].split("'", 1)[0])
    assert config["strings"]["summary"] == "{total} 个测试中通过了 {passed} 个。"
    assert config["questionId"] == QID and config["runner"] == "/playground/challenge_runner.py"
