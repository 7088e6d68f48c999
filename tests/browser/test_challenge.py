"""A coding challenge in Debian's Chromium: the starter fails, the fix passes, the dashboard counts it.

Needs the runtime that `make playground-assets` installs (`make test` runs it first).
One worker start per test run: the whole walk happens on one page load.
"""

from __future__ import annotations

import pytest
from conftest import IN_CI
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.content.model import Question
from app.playground.manifest import find_runtime

pytestmark = pytest.mark.browser

TOPIC = "hooks"
QID = "hooks-challenge-api-key"
#: A cold start is 5–50 s on a busy 2-core machine; the page's own limit is 90 s.
READY_MS = 120_000


@pytest.fixture
def installed(live_app: Flask) -> None:
    """Require the runtime; CI installs it with `make playground-assets` before the tests."""
    if not find_runtime(live_app).installed:
        message = "the playground runtime is missing: run `make playground-assets`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def right_answer(question: Question):
    """Return a right answer to ``question`` for the JSON API."""
    if question.type == "flashcard":
        return "easy"
    if question.type == "ordering":
        return [c.id for c in question.choices]
    if question.type in ("short_answer", "code_output"):
        return question.accept[0]
    if question.type == "code_challenge":
        return {"passed": list(question.answer), "total": len(question.answer)}
    return list(question.answer) if isinstance(question.answer, tuple) else question.answer


def test_a_challenge_fails_is_fixed_passes_and_counts(
    installed, live_app, live_server, page: Page, page_errors
):
    quiz = live_app.extensions["content"].get().quizzes[TOPIC]
    question = next(q for q in quiz.questions if q.id == QID)
    assert question is quiz.questions[-1] and question.challenge.hidden_tests
    # Every question before the challenge, answered right through the quiz's JSON API.
    quiz_url = f"{live_server}/topics/{TOPIC}/quiz"
    page.goto(quiz_url)
    token = page.locator('input[name="csrf_token"]').first.input_value()
    for earlier in quiz.questions[:-1]:
        response = page.request.post(
            f"{quiz_url}/answer",
            data={"question_id": earlier.id, "answer": right_answer(earlier)},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )
        assert response.ok, response.text()

    response = page.goto(quiz_url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "worker-src 'self'" in policy
    challenge = page.locator("[data-challenge]")
    status = challenge.locator("[data-challenge-status]")
    # The hidden tests are not on the page; the visible ones are, highlighted.
    for name in question.challenge.hidden_test_names:
        assert name not in page.content()
    tests = challenge.locator("[data-challenge-tests] .highlight")
    expect(tests).to_contain_text(question.challenge.test_names[0])
    expect(status).to_have_attribute("data-state", "ready", timeout=READY_MS)

    # The starter fails a test, and says why.
    challenge.locator("[data-challenge-run]").click()
    expect(status).to_have_attribute("data-state", "failed", timeout=30_000)
    results = challenge.locator("[data-challenge-results] li[data-test]")
    expect(results).to_have_count(len(question.challenge.all_test_names))
    failed = challenge.locator('[data-challenge-results] li[data-passed="false"]')
    expect(failed.first.locator(".challenge-message")).not_to_be_empty()
    expect(challenge.locator("li[data-test] .muted").first).to_contain_text("hidden test")

    # The reference solution in the editor passes every test, the hidden ones too.
    editor = challenge.locator("[data-playground-editor]")
    editor.fill(question.challenge.solution)
    challenge.locator("[data-challenge-run]").click()
    expect(status).to_have_attribute("data-state", "passed", timeout=30_000)
    expect(challenge.locator('[data-challenge-results] li[data-passed="true"]')).to_have_count(
        len(question.challenge.all_test_names)
    )

    # Edits persist per browser, keyed by the question.
    saved = page.evaluate(f"JSON.parse(localStorage.getItem('challenge:{QID}')).code")
    assert saved == question.challenge.solution

    # Sent through the quiz form: the feedback, then the finished attempt on the dashboard.
    page.get_by_role("button", name="Check answer").click()
    feedback = page.locator("[data-feedback]")
    expect(feedback.locator(".verdict")).to_contain_text("Correct!")
    feedback.locator("[data-see-score]").click()
    page.goto(live_server + "/dashboard")
    expect(page.locator(".activity")).to_contain_text("Scored 100% in the quiz")
    assert page_errors == []


def test_without_javascript_the_challenge_can_be_skipped(browser, live_app, live_server):
    quiz = live_app.extensions["content"].get().quizzes[TOPIC]
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        quiz_url = f"{live_server}/topics/{TOPIC}/quiz"
        page.goto(quiz_url)
        token = page.locator('input[name="csrf_token"]').first.input_value()
        for earlier in quiz.questions[:-1]:
            response = page.request.post(
                f"{quiz_url}/answer",
                data={"question_id": earlier.id, "answer": right_answer(earlier)},
                headers={"X-CSRFToken": token, "Accept": "application/json"},
            )
            assert response.ok, response.text()
        page.goto(quiz_url)
        expect(page.locator(".challenge-nojs")).to_contain_text("needs JavaScript")
        expect(page.locator("[data-challenge-toolbar]")).to_be_hidden()
        page.get_by_role("button", name="Skip this challenge (no credit)").click()
        expect(page.locator("[data-feedback] .verdict")).to_contain_text("Not quite.")
    finally:
        context.close()
