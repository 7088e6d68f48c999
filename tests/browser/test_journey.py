"""A learner's journey in a real browser: read, mark done, answer, see progress, sign up, switch language."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.content.model import Catalog
from app.content.model import Question
from app.content.model import Quiz
from app.topics import TOPIC_NAMES

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def course(live_app) -> Catalog:
    """Return the catalog the live server shows."""
    return live_app.extensions["content"].get()


def can_answer_right(question: Question) -> bool:
    """Return whether the test knows a right answer to type in for ``question``."""
    return question.type not in ("short_answer", "code_output") or bool(question.accept)


@pytest.fixture(scope="module")
def quiz(course: Catalog) -> Quiz:
    """Return the first quiz in course order whose first two questions the test can answer."""
    for topic in TOPIC_NAMES:
        quiz = next((q for q in course.quizzes.values() if q.topic == topic), None)
        if quiz and len(quiz.questions) >= 2 and can_answer_right(quiz.questions[0]):
            return quiz
    pytest.fail("the course has no quiz to answer")


@pytest.fixture(scope="module")
def first_lesson(course: Catalog):
    """Return the first lesson of the course."""
    return course.lessons[course.lesson_order[0]]


def answer(page: Page, question: Question, right: bool) -> None:
    """Answer ``question`` in the quiz form on ``page``, rightly or wrongly, and submit."""
    stage = page.locator("[data-quiz-stage]")
    kind = question.type
    if kind == "flashcard":
        stage.locator("[data-flashcard] > summary").click()
        page.keyboard.press("4" if right else "1")  # Easy / Again
        return
    if kind == "single_choice":
        others = [c.id for c in question.choices if c.id != question.answer]
        stage.locator(f'input[name="answer"][value="{question.answer if right else others[0]}"]').check()
    elif kind == "multiple_choice":
        good = list(question.answer)
        bad = [c.id for c in question.choices if c.id not in good]
        for choice_id in good if right else (bad[:1] or good[:1]):
            stage.locator(f'input[name="answer"][value="{choice_id}"]').check()
    elif kind == "true_false":
        value = question.answer if right else not question.answer
        stage.locator(f'input[name="answer"][value="{str(value).lower()}"]').check()
    elif kind in ("short_answer", "code_output"):
        stage.locator('[name="answer"]').fill(question.accept[0] if right else "certainly not this")
    elif kind == "ordering":
        order = [c.id for c in question.choices]
        if not right:
            order.reverse()
        for position, item in enumerate(order, start=1):
            stage.locator(f'select[name="pos-{item}"]').select_option(str(position))
    stage.get_by_role("button", name=re.compile("Check answer|检查答案")).click()


def expect_fits(page: Page, width: int) -> None:
    """Assert the page has no horizontal scroll at ``width`` pixels."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide at {width}px"


def test_the_learner_journey(live_server, page, page_errors, course, quiz, first_lesson, screenshot):
    # A new visitor opens the course map and starts the first lesson.
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".course-map > li")).to_have_count(16)
    screenshot(page, "home-desktop")
    page.get_by_role("link", name=re.compile("Start the course")).click()
    title = first_lesson.text("en")[0].title
    expect(page.locator("h1")).to_have_text(title)

    # Reading moves the reading-progress bar; marking the lesson done records it.
    bar = page.locator("[data-reading-progress]")
    expect(bar).to_be_visible()
    page.mouse.wheel(0, 4000)
    page.wait_for_function("document.querySelector('[data-reading-progress]').value > 0")
    screenshot(page, "lesson-desktop")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".flash-success")).to_contain_text("Lesson marked as done.")

    # The quiz: one right answer, one wrong, each with feedback, without a page reload.
    page.goto(f"{live_server}/topics/{quiz.topic}/quiz")
    expect(page.locator(".question-count").first).to_contain_text(f"Question 1 of {len(quiz.questions)}")
    page.evaluate("window.journeyMarker = 'same page'")
    first, second = quiz.questions[0], quiz.questions[1]
    answer(page, first, right=True)
    feedback = page.locator("[data-feedback]")
    expect(feedback).to_be_visible()
    verdict = "Rating saved." if first.type == "flashcard" else "Correct!"
    expect(feedback.locator(".verdict")).to_contain_text(verdict)
    expect(feedback.locator(".answer-yours")).to_be_visible()
    expect(feedback.locator(".answer-right")).to_be_visible()
    expect(feedback.locator(".explanation")).to_be_visible()
    screenshot(page, "quiz-feedback-desktop")
    page.get_by_role("link", name=re.compile("Next question")).click()
    expect(page.locator(".question-count").first).to_contain_text("Question 2 of")
    answer(page, second, right=False)
    verdict = "Rating saved." if second.type == "flashcard" else re.compile("Not quite.|Partly right")
    expect(page.locator("[data-feedback] .verdict")).to_contain_text(verdict)
    assert page.evaluate("window.journeyMarker") == "same page"

    # The dashboard reflects the lesson and the answers.
    page.goto(live_server + "/dashboard")
    activity = page.locator(".activity")
    expect(activity).to_contain_text(f"Finished the lesson “{title}”")
    expect(activity).to_contain_text("Answered 2 questions in the quiz")
    expect(page.locator("[data-streak]")).to_have_text("1 day")
    expect(page.locator("[data-overall]")).not_to_have_text("0%")
    # Two answers are too few to call a topic weak: the card says how many it takes.
    expect(page.locator(".weak-list")).to_have_count(0)
    expect(page.locator("[data-weak-threshold]")).to_contain_text("at least 5")
    screenshot(page, "dashboard-desktop")

    # Registering keeps that progress; logging out and in again finds it still there.
    email = f"learner-{secrets.token_hex(4)}@example.com"
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Journey")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_label("Repeat the password").fill("a long password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".who")).to_have_text("Journey")
    page.goto(live_server + "/dashboard")
    expect(page.locator(".activity")).to_contain_text(f"Finished the lesson “{title}”")

    page.get_by_role("button", name="Log out").click()
    page.goto(live_server + "/dashboard")
    expect(page.locator(".activity")).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome back, Journey.")
    page.goto(live_server + "/dashboard")
    expect(page.locator(".activity")).to_contain_text(f"Finished the lesson “{title}”")
    expect(page.locator(".activity")).to_contain_text("Answered 2 questions in the quiz")

    # The language switch turns the interface and the lesson into Chinese.
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("h1")).to_have_text("学习进度")
    page.goto(f"{live_server}/topics/{first_lesson.topic}/{first_lesson.slug}")
    expect(page.locator("h1")).to_have_text(first_lesson.text("zh")[0].title)
    expect(page.get_by_text("你已将本课标记为已完成。")).to_be_visible()
    screenshot(page, "lesson-zh-desktop")
    assert page_errors == []


def test_the_quiz_works_without_javascript(browser: Browser, live_server, quiz):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/topics/{quiz.topic}/quiz")
        question = quiz.questions[0]
        if question.type == "flashcard":
            page.locator("[data-flashcard] > summary").click()
            page.get_by_role("button", name=re.compile("Easy")).click()
        else:
            answer(page, question, right=True)
        expect(page).to_have_url(re.compile(r"/quiz/feedback/\d+$"))
        expect(page.locator("[data-feedback] .verdict")).to_be_visible()
        page.get_by_role("link", name=re.compile("Next question")).click()
        expect(page.locator(".question-count").first).to_contain_text("Question 2 of")
    finally:
        context.close()


def finish_quiz_through_the_api(page: Page, live_server: str, quiz: Quiz) -> None:
    """Answer every question of ``quiz`` (all wrong but the first) with the page's session."""
    page.goto(f"{live_server}/topics/{quiz.topic}/quiz")
    token = page.locator('input[name="csrf_token"]').first.input_value()
    for index, question in enumerate(quiz.questions):
        body = {"question_id": question.id, "answer": wrong_or_right(question, right=index == 0)}
        response = page.request.post(
            f"{live_server}/topics/{quiz.topic}/quiz/answer",
            data=body,
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )
        assert response.ok, response.text()


def wrong_or_right(question: Question, right: bool):
    """Return an answer for the JSON API."""
    if question.type == "flashcard":
        return "good" if right else "again"
    if question.type == "ordering":
        order = [c.id for c in question.choices]
        return order if right else order[::-1]
    if question.type in ("short_answer", "code_output"):
        return question.accept[0] if right and question.accept else "no"
    if question.type == "multiple_choice":
        return (
            list(question.answer)
            if right
            else [c.id for c in question.choices if c.id not in question.answer][:1]
        )
    if question.type == "true_false":
        return question.answer if right else not question.answer
    if question.type == "code_challenge":
        names = list(question.answer)
        return {"passed": names if right else names[1:], "total": len(names)}
    return question.answer if right else next(c.id for c in question.choices if c.id != question.answer)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_horizontal_scroll_at_375px(browser: Browser, live_server, quiz, first_lesson, screenshot, lang):
    context = browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh" else "en-US")
    try:
        page = context.new_page()
        finish_quiz_through_the_api(page, live_server, quiz)
        lesson = f"/topics/{first_lesson.topic}/{first_lesson.slug}"
        pages = {
            "home": "/",
            "lesson": lesson,
            "topic": f"/topics/{quiz.topic}/",
            "quiz": f"/topics/{quiz.topic}/quiz",
            "dashboard": "/dashboard",
            "register": "/auth/register",
        }
        for name, path in pages.items():
            page.goto(live_server + path)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            expect_fits(page, PHONE["width"])
            screenshot(page, f"{name}-{lang}-375")
        # The quiz's next question too: a retry of the missed ones.
        page.goto(f"{live_server}/topics/{quiz.topic}/quiz")
        page.locator("[data-retry-missed]").click()
        expect(page.locator("[data-quiz-form]")).to_be_visible()
        expect_fits(page, PHONE["width"])
        screenshot(page, f"quiz-question-{lang}-375")
        page.goto(live_server + "/dashboard")
        expect(page.locator(".score-chart circle")).to_have_count(1)
    finally:
        context.close()
