"""Demo pages in a real browser: results in view, a readable X-ray, long values that wrap.

- results in view: the controls open the page (at desktop and phone width), a submit or a
  "try" link updates the result in place (no reload), focus moves to the result, the
  address is updated for sharing; without JavaScript the reloaded page opens at #result;
- X-ray: labelled time column, ``g`` shown readably, the sandbox app's request traced;
- long code values wrap: the context table and the WebSocket handshake fit a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from browser.actions import open_demo
from browser.actions import submit

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def box_top(page: Page, selector: str) -> float:
    """Return the top of an element relative to the viewport."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE])
@pytest.mark.parametrize(
    "path",
    ["/topics/routing/demo/match", "/topics/signals/demo/trace", "/topics/sessions/demo/cookie"],
)
def test_controls_open_the_page(browser: Browser, live_server: str, path: str, viewport: dict) -> None:
    context = browser.new_context(viewport=viewport, locale="en-US")
    try:
        page = context.new_page()
        open_demo(page, live_server, path)
        # The first control is on the first screen, before the explanation.
        assert box_top(page, ".demo-controls") < viewport["height"] * 0.6
        assert box_top(page, ".demo-controls") < box_top(page, ".demo-intro")
        assert box_top(page, "#result") < box_top(page, ".demo-intro")
    finally:
        context.close()


def test_submit_updates_the_result_in_place(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/signals/demo/trace")
    page.evaluate("window.__notReloaded = true")
    xray_before = page.locator(".xray-id").inner_text()
    page.locator('input[name="path"][value="/fail"]').check()
    submit(page, "Send the request")
    # Same document: no reload happened.
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("[data-trace-status]")).to_have_text("500")
    # Focus is on the result, which is in view, and announced.
    assert page.evaluate("document.activeElement.id") == "result"
    assert 0 <= box_top(page, "#result") < 800
    expect(page.locator("[data-demo-status]")).to_have_text("The live result was updated.")
    # The address can be shared: it reproduces this result.
    assert page.url.endswith("/topics/signals/demo/trace?path=%2Ffail#result")
    # The X-ray is this new request's, and it finishes.
    expect(page.locator(".xray-id")).not_to_have_text(xray_before)
    expect(page.locator("[data-xray-url][data-xray-finished]")).to_have_count(1)
    page.goto(page.url)
    expect(page.locator("[data-trace-status]")).to_have_text("500")
    assert page_errors == []


def test_try_link_and_post_form_update_in_place(page: Page, live_server: str, page_errors: list[str]) -> None:
    open_demo(page, live_server, "/topics/intro/demo/wsgi")
    page.evaluate("window.__notReloaded = true")
    page.locator(".demo-controls a", has_text="DELETE /hello").click()
    expect(page.locator("[data-demo][data-demo-updates='1']")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True
    assert "method=DELETE" in page.url and page.url.endswith("#result")
    # A POST form with a redirect (post/redirect/get) lands on the redirected address.
    open_demo(page, live_server, "/topics/sessions/demo/server")
    page.evaluate("window.__notReloaded = true")
    submit(page, "Store a demo value")
    expect(page.locator('[data-item="demo_colour"]')).to_contain_text("'green'")
    assert page.evaluate("window.__notReloaded") is True
    assert "done=set" in page.url
    assert page_errors == []


def test_without_javascript_the_reload_opens_at_the_result(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/topics/signals/demo/trace")
        page.locator('input[name="path"][value="/fail"]').check()
        with page.expect_navigation():
            page.get_by_role("button", name="Send the request", exact=True).click()
        assert page.url.endswith("#result")
        expect(page.locator("[data-trace-status]")).to_have_text("500")
        # The browser scrolled to the result: its heading is at the top of the screen.
        assert 0 <= box_top(page, "#result") < 200
    finally:
        context.close()


def test_xray_is_labelled_readable_and_traces_the_sandbox(
    page: Page, live_server: str, page_errors: list[str]
) -> None:
    open_demo(page, live_server, "/topics/signals/demo/trace")
    panel = page.locator("[data-xray-url]")
    expect(panel).to_have_attribute("data-xray-finished", "true")
    expect(panel.locator("th")).to_contain_text(["ms since the request began"])
    expect(panel.locator(".xray-what")).to_contain_text("This traces this very request to the site")
    g = panel.locator('[data-xray="g"]')
    expect(g).to_contain_text("g.xray_id = '")
    assert "\\u0027" not in g.inner_text() and '"' not in g.inner_text()
    # The sandbox app's own request appears, marked as the sandbox's.
    sandbox = panel.locator("tr.xray-sandbox")
    expect(sandbox.first).to_be_visible()
    expect(panel.locator("tr.xray-sandbox", has_text="request_started")).to_contain_text("GET /")
    expect(sandbox.first.locator(".xray-kind")).to_have_text("sandbox app")
    assert page_errors == []


def test_long_code_values_wrap_on_a_phone(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    try:
        page = context.new_page()
        open_demo(page, live_server, "/topics/context/demo/contexts")
        submit(page, "Replay")
        cells = page.locator("table.context-matrix tbody code")
        expect(cells.first).to_be_visible()
        # No column is squeezed to a letter per line: every code value is at least a few
        # characters wide, and none is taller than a handful of lines.
        for index in range(min(cells.count(), 30)):
            box = cells.nth(index).bounding_box()
            text = cells.nth(index).inner_text()
            if box and len(text) > 6:
                assert box["width"] > 40, text
                assert box["height"] < 120, text
        open_demo(page, live_server, "/topics/websockets/demo/echo")
        for selector in ("[data-handshake-request]", "[data-handshake-response]"):
            fits = page.locator(selector).evaluate("el => el.scrollWidth <= el.clientWidth + 1")
            assert fits, selector
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"] + 1
        expect(page.locator("[data-handshake-response]")).to_contain_text(
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        )
    finally:
        context.close()
