"""In the browser: an instructor logs in, sorts the roster, opens a learner and downloads the CSV."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.extensions import db
from app.instructor.csvout import BOM
from app.models import User
from bench.instructor import generate_class


def add_class(app: Flask) -> None:
    """Create the instructor account and sixty learners with some answers."""
    with app.app_context():
        teacher = User(email="teacher-browser@example.com", display_name="Teacher", role="instructor")
        teacher.set_password("a long password")
        db.session.add(teacher)
        db.session.commit()
        generate_class(app.extensions["catalog"], learners=60, responses=300, now=datetime.now(UTC))


def test_instructor_sorts_the_roster_and_downloads_the_csv(
    live_app: Flask, live_server: str, page: Page, page_errors
):
    add_class(live_app)
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill("teacher-browser@example.com")
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    page.locator("[data-instructor-link]").click()
    expect(page.locator("h1")).to_have_text("Instructor overview")
    expect(page.locator("[data-day-chart]")).to_be_visible()

    page.get_by_role("navigation", name="Instructor pages").get_by_role("link", name="Learners").click()
    roster = page.locator("[data-roster] tbody tr")
    expect(roster).to_have_count(50)
    page.locator('[data-sort="completion"]').click()
    expect(page.locator('[data-sort="completion"]')).to_have_attribute("aria-sort", "ascending")
    page.locator('[data-sort="completion"]').click()
    expect(page.locator('[data-sort="completion"]')).to_have_attribute("aria-sort", "descending")
    values = [
        float(value)
        for value in page.locator("[data-completion]").evaluate_all(
            "cells => cells.map(cell => cell.dataset.completion)"
        )
    ]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0

    with page.expect_download() as info:
        page.locator('[data-download="roster"]').first.click()
    download = info.value
    assert download.suggested_filename == "roster.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith(BOM + "learner,name,email")
    # The live server is shared with other browser tests, which register learners of their own.
    generated = [line for line in text.splitlines() if re.search(r",learner\d{5}@example\.com,", line)]
    assert len(generated) == 60, text[:500]

    roster.first.get_by_role("link").click()
    expect(page.locator("[data-topics]")).to_be_visible()
    assert page_errors == []
