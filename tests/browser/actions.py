"""What a learner does on a demo page, shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import expect


def open_demo(page: Page, live_server: str, path: str) -> None:
    """Open a demo page and wait for its heading."""
    page.goto(live_server + path)
    expect(page.locator("h1")).to_be_visible()


def demo_updates(page: Page) -> int:
    """Return how many times the demo's result was updated in place (js/demo-form.js)."""
    return int(page.locator("[data-demo]").get_attribute("data-demo-updates") or 0)


def submit(page: Page, label: str) -> None:
    """Click the submit button with exactly this text and wait for the new result.

    A demo form is sent in place by js/demo-form.js (the page is not reloaded); a form
    with a script of its own (``data-demo-self``) or outside a demo loads the next page.
    """
    button = page.get_by_role("button", name=label, exact=True)
    in_place = (
        page.locator("[data-demo]").count() == 1
        and button.locator("xpath=ancestor::form[@data-demo-self]").count() == 0
    )
    if not in_place:
        with page.expect_navigation():
            button.click()
        return
    before = demo_updates(page)
    button.click()
    expect(page.locator(f'[data-demo][data-demo-updates="{before + 1}"]')).to_have_count(1)
