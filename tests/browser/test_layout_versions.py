"""Version awareness: "My Flask" in the header marks which changed boxes apply to the learner."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.content.model import Catalog
from app.content.versions import version_key

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def changed_lesson(live_app) -> tuple[str, str, str]:
    """Return (path, box selector, version) of a box naming only Flask versions newer than 2.2."""
    course: Catalog = live_app.extensions["content"].get()
    for slug, note in course.version_changes():
        flask = [c.version for c in note.changes if c.component == "flask"]
        if flask and min(version_key(v) for v in flask) > version_key("2.2"):
            lesson = course.lessons[slug]
            changes = " ".join(f"{c.component}@{c.version}" for c in note.changes)
            return (
                f"/topics/{lesson.topic}/{slug}",
                f'[data-changes="{changes}"]',
                min(flask, key=version_key),
            )
    pytest.fail("no changed box names a Flask version after 2.2")


def test_changed_boxes_follow_the_chosen_flask_version(
    page: Page, live_server: str, changed_lesson: tuple[str, str, str]
) -> None:
    """With Flask 2.2 chosen a newer change is "not in your version"; with 3.1 it applies."""
    path, selector, version = changed_lesson
    page.goto(live_server + path)
    box = page.locator(selector).first
    expect(box.locator(".version-mark")).to_have_count(0)

    choice = page.get_by_label("My Flask")
    choice.select_option("2.2")
    expect(box).to_have_class("admonition changed version-newer")
    expect(box.locator(".version-mark")).to_have_text(
        f"Not in your version: this changed in Flask {version}, after Flask 2.2."
    )
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["flask_version"] == "2.2"

    # The choice is kept: the next page is rendered with it, before any script runs.
    page.reload()
    assert page.locator("html").get_attribute("data-flask-version") == "2.2"
    expect(page.get_by_label("My Flask")).to_have_value("2.2")
    expect(box.locator(".version-mark")).to_contain_text("Not in your version")

    page.get_by_label("My Flask").select_option("3.1")
    expect(box.locator(".version-mark")).to_have_text("Applies to your Flask 3.1.")
    page.get_by_label("My Flask").select_option("")
    expect(box.locator(".version-mark")).to_have_count(0)
