"""Practice in a real browser: answers come back due in /review, rated and undone by keyboard; a drill."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.progress import clock

pytestmark = pytest.mark.browser


@pytest.fixture
def later(monkeypatch):
    """Return ``advance(minutes)``: moves the server's clock forward (the server runs in this process)."""
    real = clock.now
    offset = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: real() + offset[0])

    def advance(minutes: int) -> None:
        offset[0] += timedelta(minutes=minutes)

    return advance


def order_status(page: Page) -> str:
    """Return the review page's status line, whitespace folded."""
    return " ".join(page.locator("[data-review-status]").inner_text().split())


def test_answers_come_back_due_and_are_rated_and_undone_by_keyboard(live_server, page, page_errors, later):
    page.goto(live_server + "/topics/context/quiz")
    stage = page.locator("[data-quiz-stage]")
    # 1. A flashcard on the quiz page: Space reveals it, 1 rates it Again.
    expect(stage.locator("[data-flashcard]")).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("Space")
    expect(stage.locator("[data-flashcard]")).to_have_attribute("open", "")
    page.keyboard.press("1")
    expect(stage.locator("[data-feedback]")).to_be_focused()
    page.keyboard.press("n")
    # 2. The ordering question: move an item with Alt+↓ and the Up button, then check.
    items = stage.locator("[data-ordering] > [data-item]")
    expect(items.first).to_be_visible()
    first = items.first.get_attribute("data-item")
    items.first.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(items.nth(1)).to_have_attribute("data-item", first)
    expect(items.nth(1)).to_be_focused()
    items.nth(1).get_by_role("button", name=re.compile("^Move up")).click()
    expect(items.first).to_have_attribute("data-item", first)
    stage.get_by_role("button", name="Check answer").click()
    expect(stage.locator("[data-feedback]")).to_be_focused()

    # Both come back due in the review queue once their learning step has passed.
    later(12)
    page.goto(live_server + "/review")
    expect(page.locator("[data-review-status]")).to_contain_text("2 cards due now.")
    expect(page.locator("[data-flashcard]")).to_be_visible()
    page.keyboard.press("Space")
    page.keyboard.press("3")
    page.wait_for_url(re.compile(r"/review$"))
    expect(page.locator("[data-review-status]")).to_contain_text("1 card due now.")
    expect(page.locator(".question-ordering")).to_be_visible()

    # u takes the rating back: the flashcard is due again, as it was.
    page.keyboard.press("u")
    expect(page.locator(".flash")).to_contain_text("Last rating undone.")
    expect(page.locator("[data-review-status]")).to_contain_text("2 cards due now.")
    expect(page.locator("[data-flashcard]")).to_be_visible()

    page.keyboard.press("Space")
    page.keyboard.press("4")
    expect(page.locator(".question-ordering")).to_be_visible()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("[data-feedback]")).to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("[data-review-empty]")).to_be_visible()
    assert "Next due" in order_status(page)
    assert page_errors == []


def answer_any(page: Page) -> None:
    """Answer whatever question the drill shows (not necessarily rightly) and submit it."""
    form = page.locator("[data-quiz-form]")
    kind = form.get_attribute("data-type")
    if kind == "flashcard":
        form.locator("[data-written]").fill("The request context is pushed per request.")
        form.locator("[data-flashcard] > summary").click()
        page.keyboard.press("2")
        return
    if kind == "code_challenge":
        # "Check answer" first runs the tests in Pyodide (seconds on a busy machine); a drill
        # taker in a hurry skips for no credit, which sends at once.
        form.get_by_role("button", name="Skip this challenge (no credit)").click()
        return
    if kind in ("single_choice", "multiple_choice", "true_false"):
        form.locator('input[name="answer"]').first.check()
    elif kind in ("short_answer", "code_output"):
        form.locator('[name="answer"]').fill("g")
    form.get_by_role("button", name="Check answer").click()


def test_a_drill_runs_to_the_end(live_server, page, page_errors):
    page.goto(live_server + "/drill")
    page.locator("#drill-topic-context").check()
    page.locator("#drill-length").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the drill").click()
    expect(page.locator("[data-overall-timer]")).to_have_text(re.compile(r"^(19|20):\d\d$"))
    expect(page.locator("[data-question-timer]")).to_have_text(re.compile(r"^0:0\d$"))
    for number in range(1, 4):
        expect(page.locator(".question-count")).to_contain_text(f"Question {number} of 3")
        if number == 2:
            page.reload()  # the drill survives a reload: same question, same clock
            expect(page.locator(".question-count")).to_contain_text("Question 2 of 3")
        with page.expect_navigation():
            answer_any(page)
    expect(page.locator("h1")).to_have_text("Drill result")
    expect(page.locator("[data-drill-score]")).to_contain_text("3 of 3 answered")
    assert page_errors == []
