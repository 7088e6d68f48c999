"""The demos beyond the core in a real browser: flash, blueprints, signals, middleware,
websockets, forms, databases and the ecosystem.

Each test opens a demo page, uses its main control and checks what the learner sees.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from browser.actions import open_demo
from browser.actions import submit

pytestmark = pytest.mark.browser


def test_flash_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/flash/demo/flash")
    for message, category in [("Saved", "success"), ("Disk full", "error")]:
        page.locator("#message").fill(message)
        page.locator("#category").fill(category)
        submit(page, "flash(message, category)")
    expect(page.locator("table[data-flashes]")).to_contain_text("Disk full")
    page.locator('input[name="mode"][value="category_filter"]').check()
    page.locator("#categories-filter").fill("error")
    submit(page, "Read")
    steps = page.locator("[data-steps]")
    expect(steps).to_contain_text('[["error", "Disk full"]]')
    expect(steps).to_contain_text("no _flashes key in the session")
    expect(page.locator("p[data-flashes]")).to_be_visible()
    # The site's own flash area stayed empty.
    expect(page.locator(".flashes")).to_have_count(0)
    screenshot(page, "demo-flash")
    assert page_errors == []


def test_blueprint_registry_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/blueprints/demo/registry")
    page.locator("#path").fill("/shop/nope")
    submit(page, "Send to the sandbox")
    expect(page.locator("[data-sandbox-status]")).to_have_text("404")
    calls = page.locator("[data-sandbox-calls]")
    expect(calls).to_contain_text("app.errorhandler(404)")
    expect(calls).not_to_contain_text("shop.before_request")
    page.locator("#endpoint").select_option("static")
    page.locator("#values").fill("filename=css/site.css")
    submit(page, "Build the URL")
    expect(page.locator("[data-url-result]")).to_have_text(
        re.compile(r"^/static/css/site\.css\?v=[0-9a-f]{12}$")
    )
    screenshot(page, "demo-blueprints")
    assert page_errors == []


def test_signal_trace_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/signals/demo/trace")
    page.locator('input[name="path"][value="/fail"]').check()
    submit(page, "Send the request")
    expect(page.locator("[data-trace-status]")).to_have_text("500")
    events = page.locator("[data-trace-events] > li")
    expect(events.nth(3)).to_contain_text("got_request_exception")
    expect(events.nth(4)).to_contain_text("request_finished")
    screenshot(page, "demo-signals-trace")
    assert page_errors == []


def test_custom_signal_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/signals/demo/custom")
    page.locator('input[name="receiver"][value="shout"]').check()
    page.locator('input[name="receiver"][value="notify_shop_team"]').check()
    submit(page, "Save subscriptions")
    expect(page.locator("[data-subscribed]")).to_contain_text("shout")
    page.locator("#payload").fill("two teapots")
    page.locator("#sender").select_option("blog")
    submit(page, "order_placed.send(sender, payload=…)")
    returned = page.locator("[data-returned]")
    expect(returned).to_contain_text("TWO TEAPOTS")
    expect(returned).not_to_contain_text("notify_shop_team")
    submit(page, "Weak vs strong, after gc.collect()")
    after = page.locator('[data-row="receivers-after"]')
    expect(after.locator("[data-weak]")).to_have_text("[]")
    expect(after.locator("[data-strong]")).to_have_text('["on_ping"]')
    assert page_errors == []


def test_middleware_wrap_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/middleware/demo/wrap")
    page.locator("#name").fill("Grace")
    page.locator("#delay_ms").fill("15")
    submit(page, "Send to both")
    expect(page.locator("[data-raw-with]")).to_contain_text("X-Powered-By-Middleware: TimingMiddleware")
    expect(page.locator("[data-raw-with]")).to_contain_text("Hello, Grace!")
    expect(page.locator("[data-raw-without]")).not_to_contain_text("X-Elapsed-Ms")
    screenshot(page, "demo-middleware-wrap")
    assert page_errors == []


def test_dispatcher_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/middleware/demo/dispatcher")
    page.locator("#path").fill("/blog/post/7")
    submit(page, "Send")
    expect(page.locator("[data-answered-by]")).to_have_text("blog")
    expect(page.locator('[data-seen="SCRIPT_NAME"]')).to_have_text('"/blog"')
    expect(page.locator('[data-seen="PATH_INFO"]')).to_have_text('"/post/7"')
    assert page_errors == []


def test_echo_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/websockets/demo/echo")
    page.locator("#echo-text").fill("<b>not bold</b>")
    page.get_by_role("button", name="Send", exact=True).click()
    log = page.locator("[data-echo-log]")
    expect(log).to_contain_text("<b>not bold</b> (15 characters)")
    expect(log.locator("b")).to_have_count(0)  # shown as text, never as HTML
    expect(page.locator("[data-echo-state]")).to_have_text("open")
    screenshot(page, "demo-websockets-echo")
    assert page_errors == []


def test_chat_demo_between_two_tabs(
    context: BrowserContext, live_server: str, page_errors: list[str]
) -> None:
    room = f"t{secrets.token_hex(4)}"
    first = context.new_page()
    second = context.new_page()
    for tab, name in ((first, "ada"), (second, "grace")):
        open_demo(tab, live_server, f"/topics/websockets/demo/chat?room={room}&name={name}")
        expect(tab.locator("form[data-joined]")).to_have_count(1)
    first.locator("#chat-text").fill("hello from the first tab")
    first.get_by_role("button", name="Send", exact=True).click()
    expect(second.locator("[data-chat-log]")).to_contain_text("ada: hello from the first tab")
    expect(first.locator("[data-chat-log]")).to_contain_text("ada: hello from the first tab")
    assert page_errors == []


def test_register_form_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/forms/demo/register")
    page.locator("#username").fill("ab")
    page.locator("#email").fill("ada@example.com")
    page.locator("#password").fill("correct horse")
    page.locator("#confirm").fill("correct horses")
    submit(page, "Register (validate only)")
    expect(page.locator("[data-validate]")).to_have_text("false")
    expect(page.locator("#username-errors")).to_contain_text("between 3 and 20")
    expect(page.locator("#confirm-errors")).to_contain_text("The two passwords differ.")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("[data-unbound]")).to_contain_text("UnboundField(StringField)")
    screenshot(page, "demo-forms-register")
    assert page_errors == []


def test_queries_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/database/demo/queries")
    page.locator("#name").fill("x' OR '1'='1")
    submit(page, "Run the three queries")
    for way in ("ORM", "Core", "text()"):
        expect(page.locator(f'[data-rows="{way}"]')).to_contain_text("[]")
    expect(page.locator("[data-formatted]")).to_have_text(
        "SELECT id, name, city FROM person WHERE name = 'x' OR '1'='1'"
    )
    screenshot(page, "demo-database-queries")
    assert page_errors == []


def test_sessions_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/database/demo/sessions")
    submit(page, "Run again")
    expect(page.locator("[data-scoped] tr").first).to_contain_text("same")
    expect(page.locator("[data-flask-sqlalchemy] tr").nth(1)).to_contain_text("different")
    assert page_errors == []


def test_pool_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/database/demo/pool")
    page.locator("#checkouts").fill("5")
    submit(page, "Check them out")
    expect(page.locator("[data-queue-pool]")).to_contain_text("QueuePool limit of size 2 overflow 1 reached")
    expect(page.locator("[data-pooled-db]")).to_contain_text("TooManyConnections")
    assert page_errors == []


def test_defaults_demo(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/database/demo/defaults")
    page.locator("#rows").fill("4")
    submit(page, "Insert the rows")
    expect(page.locator("[data-distinct-once]")).to_have_text("1")
    expect(page.locator("[data-timestamps] tbody tr")).to_have_count(5)
    assert page_errors == []


def test_versions_demo(page: Page, live_server: str, page_errors: list[str], screenshot) -> None:
    open_demo(page, live_server, "/topics/ecosystem/demo/versions")
    page.locator("#contains").fill("flash.demo")
    submit(page, "Show the routes")
    expect(page.locator("[data-routes]")).to_contain_text(
        "flash.demo_flash  GET, POST  /topics/flash/demo/flash"
    )
    expect(page.locator('[data-versions="flask"]')).to_contain_text("Flask")
    expect(page.locator("[data-extensions]")).to_contain_text("init_extensions")
    screenshot(page, "demo-ecosystem")
    assert page_errors == []
