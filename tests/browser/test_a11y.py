"""Accessibility: axe-core on the key pages in both themes and languages, keyboard focus, theme, next.

axe-core is vendored under ``tests/browser/vendor`` (MPL-2.0, see its README) and checked
against a pinned SHA-256 before it runs, so the check works offline and cannot drift.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.content.model import Catalog

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"
#: Impacts that fail the check (axe's scale: minor, moderate, serious, critical).
FAILING = ("serious", "critical")
#: Themes stored in the cookie; axe checks both. With none stored and the system in dark mode
#: ("system-dark") the page must show exactly the dark theme's colours, which is checked by
#: comparing every element's computed colours (a tenth of an axe run, and a stricter check).
THEMES = ("light", "dark")
#: The computed properties that carry a colour.
COLOURS = ("color", "background-color", "border-top-color", "border-bottom-color", "outline-color", "fill")
LOCALES = ("en-US", "zh-CN")
#: Rules that depend only on the palette and the CSS, which both languages share (the Chinese
#: rules change line breaking and spacing, never a colour or a font size): they run in English,
#: in both themes. Colour contrast is four fifths of an axe run's time.
PALETTE_RULES = ("color-contrast",)


@pytest.fixture(scope="module")
def axe_source() -> str:
    """Return axe-core's source, after checking it is the pinned release."""
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE} is not the pinned axe-core (sha256 {digest})"
    return data.decode()


@pytest.fixture(scope="module")
def course(live_app) -> Catalog:
    """Return the catalog the live server shows."""
    return live_app.extensions["content"].get()


@pytest.fixture(scope="module")
def key_pages(course: Catalog) -> dict[str, str]:
    """Return name → path of the pages every release must keep accessible."""
    slug = course.lesson_order[0]
    lesson = course.lessons[slug]
    quiz = next(iter(course.quizzes.values()))
    return {
        "course map": "/",
        "topic": f"/topics/{lesson.topic}/",
        "lesson": f"/topics/{lesson.topic}/{slug}",
        "quiz": f"/topics/{quiz.topic}/quiz",
        "dashboard": "/dashboard",
        "login": "/auth/login",
        "register": "/auth/register",
        "search": "/search?q=request+context",
        "demo": "/topics/routing/demo/match",
        "error": "/no-such-page",
    }


def themed_context(browser: Browser, live_server: str, theme: str, locale: str) -> BrowserContext:
    """Open a profile in ``theme`` and ``locale``, where axe's script may run."""
    system = "dark" if theme == "system-dark" else "light"
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale, color_scheme=system, bypass_csp=True
    )
    ctx.set_default_timeout(15_000)
    if theme != "system-dark":
        set_theme(ctx, live_server, theme)
    return ctx


def set_theme(ctx: BrowserContext, live_server: str, theme: str) -> None:
    """Store ``theme`` in the cookie the server reads into ``<html data-theme>``."""
    ctx.add_cookies([{"name": "theme", "value": theme, "url": live_server}])


def axe_violations(page: Page, axe_source: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Run axe-core on ``page``, less the rules in ``skip``; return a line per serious or critical problem."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async (skip) => {
          const rules = Object.fromEntries(skip.map((id) => [id, { enabled: false }]));
          const r = await axe.run(document, { resultTypes: ['violations'], rules });
          return r.violations.map((v) => ({
            id: v.id, impact: v.impact,
            nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])
          }));
        }""",
        list(skip),
    )
    return [
        f"{v['id']} ({v['impact']}): {node}" for v in result if v["impact"] in FAILING for node in v["nodes"]
    ]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("theme", THEMES)
def test_key_pages_pass_axe(
    browser: Browser, live_server: str, axe_source: str, key_pages: dict[str, str], theme: str, locale: str
) -> None:
    """No serious or critical axe violation on any key page, colour contrast included.

    Contrast is checked in English (see ``PALETTE_RULES``); the system's dark preference is
    checked against the dark theme below.
    """
    ctx = themed_context(browser, live_server, theme, locale)
    page = ctx.new_page()
    found = {}
    for name, path in key_pages.items():
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("data-theme") == theme.replace("system-dark", "auto")
        problems = axe_violations(page, axe_source, skip=PALETTE_RULES if locale != "en-US" else ())
        if problems:
            found[f"{name} {path}"] = problems
    ctx.close()
    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(items) for page, items in found.items())


def computed_colours(page: Page) -> list[str]:
    """Return each element's tag and computed colours, in document order."""
    return page.evaluate(
        """(names) => [...document.querySelectorAll('body, body *')].map((el) => {
          const style = getComputedStyle(el);
          return el.tagName + ' ' + names.map((name) => style.getPropertyValue(name)).join(' ');
        })""",
        list(COLOURS),
    )


def test_the_system_dark_preference_shows_the_dark_theme_exactly(
    browser: Browser, live_server: str, key_pages: dict[str, str]
) -> None:
    """No theme stored and a dark system: every element has the dark theme's colours.

    The CSS says the dark palette twice (``[data-theme="dark"]`` and the
    ``prefers-color-scheme`` query); axe checks the first, this shows the second matches it.
    Each page is read as served to a dark system, then switched to a light system with the
    dark theme stored, as the server would send it. Colours do not depend on the language
    (see ``PALETTE_RULES``), so English pages are read.
    """
    ctx = themed_context(browser, live_server, "system-dark", "en-US")
    page = ctx.new_page()
    different = {}
    for name, path in key_pages.items():
        page.emulate_media(color_scheme="dark")
        page.goto(live_server + path)
        # Some pages add elements after loading (a demo runs its first example): read both
        # palettes from the finished page.
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("data-theme") == "auto"
        auto = computed_colours(page)
        page.emulate_media(color_scheme="light")
        page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
        dark = computed_colours(page)
        assert len(dark) == len(auto), (name, len(dark), len(auto))
        mismatches = [f"{a} != {b}" for a, b in zip(dark, auto, strict=True) if a != b]
        if mismatches:
            different[f"{name} {path}"] = mismatches[:5]
    ctx.close()
    assert not different, different


def test_dark_theme_is_served_before_any_script(browser: Browser, live_server: str) -> None:
    """The stored theme comes in the HTML itself: with scripts off the page is already dark."""
    ctx = browser.new_context(java_script_enabled=False)
    set_theme(ctx, live_server, "dark")
    page = ctx.new_page()
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 27)", background
    ctx.close()


def test_theme_toggle_stores_the_theme_in_a_cookie(page: Page, live_server: str) -> None:
    """The toggle switches the theme and keeps it in the ``theme`` cookie for the next page."""
    page.goto(live_server + "/")
    page.get_by_role("button", name="Switch between light and dark theme").click()
    first = page.locator("html").get_attribute("data-theme")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("theme") == first
    page.goto(live_server + "/dashboard")
    assert page.locator("html").get_attribute("data-theme") == first


def test_skip_link_moves_focus_to_the_content(page: Page, live_server: str) -> None:
    """The first Tab shows the skip link; following it puts focus on the main content."""
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_focus_is_visible_on_every_control(page: Page, live_server: str, key_pages: dict[str, str]) -> None:
    """Tabbing through a page shows an outline on each focused element."""
    for path in (key_pages["lesson"], key_pages["login"], key_pages["demo"]):
        page.goto(live_server + path)
        seen = 0
        for _ in range(25):
            page.keyboard.press("Tab")
            state = page.evaluate(
                """() => {
                  const el = document.activeElement;
                  if (!el || el === document.body) return null;
                  const s = getComputedStyle(el);
                  const after = getComputedStyle(el, '::after');
                  const ring = (x) => x.outlineStyle !== 'none' && parseFloat(x.outlineWidth) >= 2;
                  const visible = ring(s) || ring(after) || s.boxShadow !== 'none';
                  return { tag: el.outerHTML.slice(0, 80), visible };
                }"""
            )
            if state is None:
                continue
            seen += 1
            assert state["visible"], f"no visible focus on {path}: {state['tag']}"
        assert seen >= 10


def test_login_and_register_return_to_the_page(
    page: Page, live_server: str, key_pages: dict[str, str]
) -> None:
    """Signing up or logging in from a lesson lands back on that lesson; logging out says so."""
    lesson = key_pages["lesson"]
    page.goto(live_server + lesson)
    page.get_by_role("link", name="Sign up").click()
    assert re.search(r"[?&]next=", page.url)
    email = f"a11y-{secrets.token_hex(4)}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Back")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_label("Repeat the password").fill("a long password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server + lesson)
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_be_visible()

    page.goto(live_server + key_pages["search"])
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + key_pages["search"])


def test_pages_link_a_favicon_and_a_manifest(page: Page, live_server: str) -> None:
    """Every page names its icons and the web-app manifest, and they are served."""
    page.goto(live_server + "/no-such-page")
    for selector in (
        'link[rel="icon"][type="image/svg+xml"]',
        'link[rel="icon"][sizes]',
        'link[rel="manifest"]',
    ):
        href = page.locator(selector).get_attribute("href")
        response = page.request.get(live_server + href)
        assert response.status == 200, href
    manifest = page.request.get(
        live_server + page.locator('link[rel="manifest"]').get_attribute("href")
    ).json()
    assert manifest["name"] == "Inside Flask" and manifest["icons"]
    for icon in manifest["icons"]:
        assert page.request.get(f"{live_server}/static/{icon['src']}").status == 200
