"""The core demos in a real browser: WSGI, config, routing, views, templates, hooks, contexts, sessions.

Each test opens a demo page, uses its main control and checks what the learner sees.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from browser.actions import open_demo
from browser.actions import submit

pytestmark = pytest.mark.browser


def test_wsgi_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/intro/demo/wsgi")
    page.locator("#path").fill("/hello")
    page.locator("#method").select_option("DELETE")
    submit(page, "Call both applications")
    expect(page.locator('[data-answer="wsgi"] [data-status]')).to_have_text("405 Method Not Allowed")
    expect(page.locator('[data-answer="flask"] [data-status]')).to_have_text("405 METHOD NOT ALLOWED")
    expect(page.locator('[data-answer="flask"]')).to_contain_text("Allow")
    expect(page.locator("[data-xray-url]")).to_have_attribute("data-xray-finished", "true")
    assert page_errors == []


def test_config_sources_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/config/demo/sources")
    page.get_by_label("5. app.config.from_prefixed_env()").uncheck()
    submit(page, "Load the config")
    row = page.locator('[data-key="ITEMS_PER_PAGE"]')
    expect(row.locator("[data-winner]")).to_have_text("from_file(json.load)")
    expect(row).to_contain_text("40")
    assert page_errors == []


def test_app_config_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/config/demo/app-config")
    page.locator("#origin").select_option("changed")
    submit(page, "Show the keys")
    expect(page.locator('[data-key="SECRET_KEY"] [data-redacted]')).to_have_text("«redacted»")
    expect(page.locator('[data-key="SESSION_COOKIE_NAME"]')).to_contain_text("insideflask_session")
    assert page_errors == []


def test_url_tester_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/routing/demo/match")
    page.get_by_role("link", name="GET /call/13800138000").click()
    expect(page.locator("[data-endpoint]")).to_have_text("call")
    expect(page.locator('[data-arg="number"] [data-type]')).to_have_text("PhoneNumber")
    page.locator("#path").fill("/docs")
    submit(page, "Match")
    expect(page.locator("[data-outcome]")).to_have_text("308")
    expect(page.locator("[data-location]")).to_have_text("http://demo.local/docs/")
    assert page_errors == []


def test_url_for_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/routing/demo/url-for")
    page.locator("#values").fill("tab=posts")
    submit(page, "Build the URL")
    expect(page.locator("[data-build-error]")).to_contain_text("user_id")
    page.locator("#values").fill("user_id=7\ntab=posts")
    submit(page, "Build the URL")
    expect(page.locator("[data-url]")).to_have_text("/users/7?tab=posts")
    assert page_errors == []


def test_responses_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/views/demo/responses")
    page.locator('input[name="style"][value="tuple_status"]').check()
    submit(page, "Call the view")
    expect(page.locator("[data-status-line]")).to_have_text("HTTP/1.1 201 CREATED")
    assert page_errors == []


def test_method_view_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/views/demo/method-view")
    page.locator('input[name="method"][value="PUT"]').check()
    submit(page, "Send to both views")
    expect(page.locator('[data-view="class_view"] [data-status]')).to_have_text("405 METHOD NOT ALLOWED")
    expect(page.locator('[data-view="class_view"] [data-allow]')).to_contain_text("DELETE")
    assert page_errors == []


def test_helpers_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/templating/demo/helpers")
    page.locator("#items").fill("piano = 25000")
    submit(page, "Render cart.html")
    expect(page.locator("[data-rendered]")).to_contain_text("Piano: ¥25,000.00 (expensive!)")
    assert page_errors == []


def test_autoescape_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_demo(page, live_server, "/topics/templating/demo/autoescape")
    page.locator("#text").fill("<img src=x onerror=alert(1)>")
    submit(page, "Render six ways")
    expect(page.locator('[data-case="2"] [data-output]')).to_have_text("<img src=x onerror=alert(1)>")
    expect(page.locator('[data-case="2"] [data-verdict]')).to_have_attribute("data-verdict", "raw")
    expect(page.locator('[data-case="1"] [data-verdict]')).to_have_attribute("data-verdict", "escaped")
    assert page.locator("img[onerror]").count() == 0
    assert dialogs == []
    assert page_errors == []


def test_sandbox_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/templating/demo/sandbox")
    page.locator("#template").fill("{{ user.name }} has {{ items | length }} items")
    submit(page, "Render in the sandbox")
    expect(page.locator("[data-rendered]")).to_have_text("Ada has 3 items")
    page.get_by_role("link", name="dunder").click()
    expect(page.locator("[data-sandbox-error]")).to_contain_text("SecurityError")
    # The refused template is answered with a 400, which the browser reports; nothing else may fail.
    assert [error for error in page_errors if "status of 400" not in error] == []


def test_hooks_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/hooks/demo/trace")
    page.locator('input[name="failure"][value="handled"]').check()
    submit(page, "Send the three requests")
    expect(page.locator('[data-trace="failing"] [data-status]')).to_have_text("404 NOT FOUND")
    expect(page.locator('[data-trace="short_circuit"] li')).to_have_count(6)
    assert page_errors == []


def test_contexts_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/context/demo/contexts")
    # Each link carries the steps so far: wait for each page before clicking on it, or the
    # click lands on the page before and drops a step.
    page.locator("[data-reset]").click()
    expect(page.locator("[data-step]")).to_have_count(1)
    page.locator('a[data-op="push_app"]').click()
    expect(page.locator('[data-step="1"]')).to_have_attribute("data-op", "push_app")
    page.locator('a[data-op="set_g"]').click()
    expect(page.locator('[data-step="2"] [data-g]')).to_have_text("{'visits': 1}")
    expect(page.locator('[data-step="0"] [data-current-app]')).to_contain_text(
        "Working outside of application context"
    )
    assert page_errors == []


def test_concurrent_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/context/demo/concurrent")
    page.locator("#name_a").fill("ann")
    page.locator("#name_b").fill("ben")
    submit(page, "Send both requests")
    expect(page.locator('[data-request="ann"] [data-g-name]')).to_have_text("ann")
    expect(page.locator('[data-request="ann"] [data-shared-name]')).to_have_text("ben")
    expect(page.locator('[data-request="ben"] [data-g-name]')).to_have_text("ben")
    assert page_errors == []


def test_cookie_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/sessions/demo/cookie")
    page.locator("#key").fill("role")
    page.locator("#value").fill("learner")
    submit(page, "Store in the session")
    expect(page.locator("[data-payload-json]")).to_contain_text('"role":"learner"')
    submit(page, "Tamper with one character")
    expect(page.locator("[data-tampered-valid]")).to_have_text("False")
    expect(page.locator("[data-tampered-session]")).to_have_text("{}")
    assert page_errors == []


def test_server_session_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/sessions/demo/server")
    page.reload()  # the first visit stored the CSRF token: now there is a record
    expect(page.locator("[data-ttl]")).to_contain_text(" s")
    key_before = page.locator("[data-key]").inner_text()
    submit(page, "Store a demo value")
    expect(page.locator('[data-item="demo_colour"]')).to_contain_text("'green'")
    expect(page.locator('[data-item="csrf_token"]')).to_contain_text("«redacted»")
    submit(page, "Regenerate the session id")
    expect(page.locator('[data-done="regenerate"]')).to_be_visible()
    assert page.locator("[data-key]").inner_text() != key_before
    expect(page.locator('[data-item="demo_colour"]')).to_be_visible()
    assert page_errors == []
