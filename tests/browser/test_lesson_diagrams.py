"""Lesson diagrams in a real browser: drawn inline, named for assistive technology, following the theme."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LESSON = "/topics/signals/signals"
FIGURE = "#diagram-signal-dispatch"


def colours(page: Page) -> dict[str, str]:
    """Return the figure's text colour and the computed paint of its first box and label."""
    return page.evaluate(
        """(selector) => {
            const figure = document.querySelector(selector);
            const rect = figure.querySelector("svg rect");
            const text = figure.querySelector("svg text");
            return {
                color: getComputedStyle(figure).color,
                stroke: getComputedStyle(rect).stroke,
                label: getComputedStyle(text).fill,
            };
        }""",
        FIGURE,
    )


def test_the_diagram_is_an_accessible_image_with_a_caption(page: Page, page_errors, live_server):
    page.goto(live_server + LESSON)
    figure = page.locator(FIGURE)
    expect(figure).to_be_visible()
    expect(figure.get_by_role("img", name="How a blinker signal is dispatched")).to_be_visible()
    expect(figure.locator("figcaption")).to_contain_text("receiver(sender, **kwargs)")
    box = figure.locator("svg").bounding_box()
    assert box is not None and box["width"] > 300
    assert page_errors == []


def test_the_zh_page_names_the_diagram_in_chinese(browser: Browser, live_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + LESSON)
    expect(page.locator(FIGURE).get_by_role("img", name="blinker 信号如何分发")).to_be_visible()
    context.close()


def test_the_drawing_follows_light_and_dark_themes(browser: Browser, live_server):
    seen = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(live_server + LESSON)
        seen[scheme] = colours(page)
        context.close()
    for paints in seen.values():
        assert paints["stroke"] == paints["color"] == paints["label"]
    assert seen["light"]["color"] != seen["dark"]["color"]
