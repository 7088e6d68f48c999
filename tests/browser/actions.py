"""What a learner does on a demo page, shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import expect


def open_demo(page: Page, live_server: str, path: str) -> None:
    """Open a demo page and wait for its heading."""
    page.goto(live_server + path)
    expect(page.locator("h1")).to_be_visible()


def submit(page: Page, label: str) -> None:
    """Click the submit button with exactly this text and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).click()
