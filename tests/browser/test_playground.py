"""The Flask playground in Debian's Chromium: Pyodide in a worker, the X-ray, Stop, the CSP.

Needs the runtime that `make playground-assets` installs (`make test` runs it first).
"""

from __future__ import annotations

import time

import pytest
from conftest import IN_CI
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

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
