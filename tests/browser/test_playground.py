"""The Flask playground in Debian's Chromium: Pyodide in a worker, the X-ray, Stop, the CSP,
and edits saved to an account coming back in another browser.

Needs the runtime that `make playground-assets` installs (`make test` runs it first).
"""

from __future__ import annotations

import re
import time

import pytest
from conftest import IN_CI
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.playground.manifest import find_runtime

pytestmark = pytest.mark.browser

LESSON = "/topics/hooks/request-hooks"
#: A cold start is 5–25 s on a busy 2-core machine; the page's own limit is 90 s.
READY_MS = 120_000
NEW_HOOK = """

@app.before_request
def count_visit():
    g.visits = 1
"""
LOOP = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def spin():
    while True:
        pass
"""


@pytest.fixture
def installed(live_app: Flask) -> None:
    """Require the runtime; CI installs it with `make playground-assets` before the tests."""
    if not find_runtime(live_app).installed:
        message = "the playground runtime is missing: run `make playground-assets`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def open_playground(page: Page, live_server: str) -> None:
    """Open the hooks lesson and bring its playground into view, which starts Python."""
    response = page.goto(live_server + LESSON)
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "worker-src 'self'" in policy
    assert "unsafe-eval'" not in policy.replace("'wasm-unsafe-eval'", "")
    page.locator("[data-playground]").first.scroll_into_view_if_needed()


def test_edit_run_xray_and_stop(installed, page: Page, live_server: str, page_errors: list[str]):
    open_playground(page, live_server)
    playground = page.locator("[data-playground]").first
    status = playground.locator("[data-playground-status]")
    expect(status).to_have_attribute("data-state", "ready", timeout=READY_MS)
    playground.locator("[data-playground-run]").click()
    responses = playground.locator("[data-playground-response]")
    expect(responses).to_have_count(2, timeout=30_000)
    expect(responses.nth(0).locator("[data-playground-status-code]")).to_have_text("200 OK")
    expect(responses.nth(1).locator("[data-playground-status-code]")).to_have_text("403 FORBIDDEN")
    expect(responses.nth(0)).to_contain_text("before_request: user is ada")
    expect(responses.nth(0).locator("[data-playground-xray]")).not_to_contain_text("count_visit")

    editor = playground.locator("[data-playground-editor]")
    editor.fill(editor.input_value() + NEW_HOOK)
    # Keys: Tab indents, Shift+Tab dedents, Escape then Tab leaves the editor.
    editor.press("Control+End")
    editor.press("Tab")
    assert editor.input_value().endswith("g.visits = 1\n    ")
    editor.press("Shift+Tab")
    assert editor.input_value().endswith("g.visits = 1\n")
    editor.press("Escape")
    editor.press("Tab")
    assert page.evaluate("document.activeElement.dataset.playgroundEditor") is None
    playground.locator("[data-playground-run]").click()
    xray = responses.nth(0).locator("[data-playground-xray]")
    expect(xray).to_contain_text("count_visit", timeout=30_000)
    hooks = xray.locator("li.xray-hook").all_text_contents()
    # Flask calls before_request hooks in the order they were registered: the new one is last.
    assert "load_user" in hooks[0] and "count_visit" in hooks[2], hooks
    expect(responses.nth(0)).to_contain_text("visits")

    # Stop: a runaway loop is ended within a second, and a fresh worker takes over.
    editor.fill(LOOP)
    playground.locator("[data-playground-run]").click()
    expect(status).to_have_attribute("data-state", "running")
    page.wait_for_timeout(500)  # the loop is now spinning in the worker
    started = time.perf_counter()
    playground.locator("[data-playground-stop]").click()
    expect(status).to_have_attribute("data-state", "stopped", timeout=1_000)
    assert time.perf_counter() - started < 1.0
    expect(status).to_contain_text("Stopped")
    expect(status).to_have_attribute("data-state", "ready", timeout=READY_MS)

    # Edits survive a reload (localStorage), and Reset brings back the lesson's code.
    page.reload()
    editor = page.locator("[data-playground-editor]").first
    assert "while True" in editor.input_value()
    page.locator("[data-playground-reset]").first.click()
    assert "while True" not in editor.input_value() and "load_user" in editor.input_value()
    assert page_errors == []


def log_in(page: Page, email: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_snippet_saved_to_the_account_comes_back_in_another_browser(
    live_app: Flask, live_server: str, browser: Browser, page: Page, page_errors: list[str]
):
    email, password = "saver-browser@example.com", "a long password"
    with live_app.app_context():
        user = User(email=email, display_name="Saver")
        user.set_password(password)
        db.session.add(user)
        db.session.commit()

    # A lesson snippet opens on a playground page of its own; anonymous edits stay in the browser.
    page.goto(live_server + LESSON)
    page.locator("[data-open-playground]").first.click()
    expect(page).to_have_url(re.compile(r"/playground/request-hooks\.en\.s\d+$"))
    snippet = page.url
    expect(page.locator("[data-playground-editor]")).to_be_visible()
    expect(page.locator("[data-playground-save]")).to_have_count(0)
    page.locator("[data-playground-login] a").click()
    log_in(page, email, password)
    expect(page).to_have_url(snippet)

    editor = page.locator("[data-playground-editor]")
    original = editor.input_value()
    editor.fill(original + "\n# saved in the first browser\n")
    page.locator("[data-playground-save]").click()
    status = page.locator("[data-playground-status]")
    expect(status).to_contain_text("Saved to your account")

    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        second = other.new_page()
        errors: list[str] = []
        second.on("pageerror", lambda error: errors.append(str(error)))
        second.goto(live_server + "/auth/login")
        log_in(second, email, password)
        second.goto(snippet)
        editor = second.locator("[data-playground-editor]")
        expect(editor).to_have_value(re.compile("# saved in the first browser"))
        expect(second.locator("[data-playground-status]")).to_contain_text("saved to your account on")
        second.locator("[data-playground-reset]").click()
        expect(editor).to_have_value(original)
        expect(second.locator("[data-playground-status]")).to_contain_text("Back to the original code")
        # This browser's Reset is newer than the account's copy: a reload keeps the original.
        second.reload()
        expect(second.locator("[data-playground-editor]")).to_have_value(original)
        assert errors == []
    finally:
        other.close()
    assert page_errors == []
