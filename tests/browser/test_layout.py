"""Layout on a phone and at desktop size: the header, the menus, the course map, no sideways scroll."""

from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.content.model import Catalog

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def course(live_app) -> Catalog:
    """Return the catalog the live server shows."""
    return live_app.extensions["content"].get()


def new_context(browser: Browser, viewport: dict, locale: str = "en-US", **kwargs) -> BrowserContext:
    """Open a fresh browser profile at ``viewport`` in ``locale``."""
    ctx = browser.new_context(viewport=viewport, locale=locale, **kwargs)
    ctx.set_default_timeout(10_000)
    return ctx


@pytest.fixture
def phone(browser: Browser) -> Page:
    """Open a page on a 375×812 phone."""
    ctx = new_context(browser, PHONE, has_touch=True, is_mobile=True)
    yield ctx.new_page()
    ctx.close()


def test_phone_header_is_one_row_and_scrolls_away(phone: Page, live_server: str, course: Catalog) -> None:
    """The header is one short row on a phone and is not stuck to the top once the page scrolls."""
    slug = course.lesson_order[0]
    lesson = course.lessons[slug]
    phone.goto(f"{live_server}/topics/{lesson.topic}/{slug}")
    header = phone.locator("[data-site-header]")
    height = header.bounding_box()["height"]
    assert height <= 60, f"the phone header is {height:.0f} px tall"
    phone.mouse.wheel(0, 1500)
    phone.wait_for_function("() => window.scrollY > 600")
    assert header.bounding_box()["y"] + height <= 0, "the header stays on screen while reading"


def test_phone_menu_button_opens_the_account_and_settings(phone: Page, live_server: str) -> None:
    """The menu button shows search, language, theme, progress and the account links."""
    phone.goto(live_server + "/")
    login = phone.get_by_role("link", name="Log in")
    expect(login).to_be_hidden()
    phone.locator("[data-site-menu] > summary").click()
    expect(login).to_be_visible()
    expect(phone.get_by_label("Search the course")).to_be_visible()
    expect(phone.get_by_role("button", name="Switch between light and dark theme")).to_be_visible()
    phone.keyboard.press("Escape")
    expect(login).to_be_hidden()


def test_phone_menu_works_without_javascript(browser: Browser, live_server: str) -> None:
    """Without JavaScript the menu button is a <details> and still opens."""
    ctx = new_context(browser, PHONE, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(live_server + "/")
    login = page.get_by_role("link", name="Log in")
    expect(login).to_be_hidden()
    page.locator("[data-site-menu] > summary").click()
    expect(login).to_be_visible()
    ctx.close()


def test_desktop_header_shows_everything_in_one_row(page: Page, live_server: str) -> None:
    """At desktop size the menu button is not there: search and account links show directly."""
    page.goto(live_server + "/")
    expect(page.locator("[data-site-menu] > summary")).to_be_hidden()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_label("Search the course")).to_be_visible()
    assert page.locator("[data-site-header]").bounding_box()["height"] <= 70


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_topics_menu_shows_every_topic_and_closes(browser: Browser, live_server: str, viewport: dict) -> None:
    """Every topic is in view without scrolling inside the menu; Escape and an outside click close it."""
    ctx = new_context(browser, viewport)
    page = ctx.new_page()
    page.goto(live_server + "/")
    menu = page.locator("[data-topic-menu]")
    summary = menu.locator("summary")
    summary.click()
    listing = menu.locator("ul")
    expect(listing).to_be_visible()
    clipped = listing.evaluate(
        "el => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1"
    )
    assert not clipped, "the Topics menu scrolls inside itself"
    links = listing.locator("a")
    assert links.count() == 16
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, links.nth(i).inner_text()
    page.keyboard.press("Escape")
    expect(listing).to_be_hidden()
    expect(summary).to_be_focused()
    summary.click()
    expect(listing).to_be_visible()
    page.locator("main").dispatch_event("click")
    expect(listing).to_be_hidden()
    ctx.close()


def test_course_map_cards_are_one_link_with_the_whole_summary(
    phone: Page, live_server: str, live_app
) -> None:
    """A click anywhere on a card opens its topic; the card holds one link and its summary is whole."""
    phone.goto(live_server + "/")
    cards = phone.locator(".map-card")
    assert cards.count() == 16
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.locator("a, button, input, select, textarea, summary, [tabindex]").count() == 1
        summary = card.locator(".map-summary")
        if summary.count():
            text = summary.inner_text().strip()
            assert not text.endswith(("...", "…")), text
    with live_app.test_request_context():
        target = url_for("learn.topic_page", topic="intro")
    # A click on the card's text (not on its title) lands on the link that covers the card.
    cards.first.scroll_into_view_if_needed()
    box = cards.first.locator(".map-meta").bounding_box()
    phone.mouse.click(box["x"] + 4, box["y"] + box["height"] / 2)
    phone.wait_for_url(live_server + target)


def test_course_map_names_the_verified_versions(page: Page, live_server: str, course: Catalog) -> None:
    """The course map says which versions the course was verified with."""
    page.goto(live_server + "/")
    line = page.locator(".verified-with")
    expect(line).to_be_visible()
    for name, version in course.verified_versions():
        expect(line).to_contain_text(f"{name} {version}")


def overflow(page: Page) -> int:
    """Return how many pixels the page is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_no_page_scrolls_sideways_on_a_phone(
    browser: Browser, live_server: str, course: Catalog, locale: str
) -> None:
    """At 375 px no lesson, topic, quiz or site page is wider than the screen."""
    ctx = new_context(browser, PHONE, locale=locale)
    page = ctx.new_page()
    paths = ["/", "/dashboard", "/auth/login", "/auth/register", "/search?q=context", "/no-such-page"]
    for topic, slugs in course.topics.items():
        paths.append(f"/topics/{topic}/")
        paths.extend(f"/topics/{topic}/{slug}" for slug in slugs)
    paths.extend(f"/topics/{quiz.topic}/quiz" for quiz in course.quizzes.values())
    wide = {}
    for path in paths:
        page.goto(live_server + path, wait_until="domcontentloaded")
        extra = overflow(page)
        if extra > 0:
            culprit = page.evaluate(
                """() => {
                  const w = window.innerWidth;
                  const scrolls = 'pre, .diagram-canvas, table, .highlight';
                  const el = [...document.querySelectorAll('main *')].find(
                    (e) => e.getBoundingClientRect().right > w + 1 && !e.closest(scrolls));
                  return el ? el.outerHTML.slice(0, 160) : '';
                }"""
            )
            wide[path] = f"{extra}px {culprit}"
    ctx.close()
    assert not wide, wide
