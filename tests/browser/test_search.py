"""Searching from the header in a real browser: "/" focuses, results as you type, Esc closes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_as_you_type_from_the_header(live_server: str, page: Page, page_errors: list[str]):
    page.goto(f"{live_server}/topics/hooks/")
    box = page.locator("#site-search-q")
    results = page.locator("#site-search-results")

    # "/" focuses the box from anywhere on the page.
    page.locator("body").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("role", "combobox")

    box.press_sequentially("befor_request", delay=20)
    expect(results).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = results.locator("[role=option]")
    expect(options.first).to_contain_text("before_request")
    expect(options.first.locator("mark").first).to_have_text("before_request")
    # Inline code comes back as <code>, a match inside it marked; nothing but <mark> and <code>
    # is rebuilt from the server's snippet HTML.
    expect(options.first.locator(".site-search-heading code mark").first).to_have_text("before_request")
    tags = results.evaluate(
        "list => [...list.querySelectorAll('.site-search-option > span *')].map((node) => node.tagName)"
    )
    assert set(tags) <= {"MARK", "CODE"} and "CODE" in tags

    # Arrow keys move through the listbox; Enter opens the chosen section.
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-0")
    box.press("Enter")
    expect(page).to_have_url(
        re.compile(r"/topics/hooks/request-hooks#before_request-guard-and-short-circuit$")
    )
    expect(page.locator("#before_request-guard-and-short-circuit")).to_be_visible()
    assert page_errors == []


def test_escape_closes_and_enter_without_a_choice_submits(
    live_server: str, page: Page, page_errors: list[str]
):
    page.goto(f"{live_server}/")
    box = page.locator("#site-search-q")
    results = page.locator("#site-search-results")
    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.press_sequentially("蓝图", delay=20)
    expect(results.locator("[role=option]").first).to_contain_text("蓝图")

    box.press("Escape")
    expect(results).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Escape")
    expect(box).not_to_be_focused()

    # Inside the box "/" is typed, not taken as the shortcut.
    box.focus()
    box.fill("")
    box.press_sequentially("a/b", delay=20)
    expect(box).to_have_value("a/b")
    box.fill("")
    box.press_sequentially("url_for", delay=20)
    expect(results.locator("[role=option]").first).to_contain_text("url_for")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=url_for$"))
    expect(page.locator(".search-results a").first).to_have_attribute(
        "href", "/topics/routing/routing#building-urls-with-url_for"
    )
    assert page_errors == []


def test_the_box_works_without_javascript(live_server: str, browser):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/")
        page.fill("#site-search-q", "g.user")
        page.press("#site-search-q", "Enter")
        expect(page).to_have_url(re.compile(r"/search\?q=g\.user$"))
        expect(page.locator(".search-hit mark").first).to_have_text("g.user")
    finally:
        context.close()
