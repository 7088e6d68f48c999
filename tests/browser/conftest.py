"""Browser fixtures: the app served on a real port, and Debian's Chromium through Playwright.

``live_server`` serves ``create_app("testing")`` with a migrated SQLite database, real Redis
sessions and CSRF on, from a Werkzeug server in a background thread; it yields the base URL.
``browser`` is one Chromium per test session; ``context`` and ``page`` are fresh per test.
Demo tests reuse them: ask for ``live_server`` and ``page``, then ``page.goto(live_server + path)``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import IN_CI
from conftest import require_service
from conftest import serve_threaded
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import ConsoleMessage
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from app import create_app
from app.extensions import db

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where screenshots go when ``SCREENSHOT_DIR`` is set (they are not taken otherwise).
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Build the app once: migrated SQLite file, Redis sessions under a private prefix, CSRF on."""
    url = require_service("REDIS_URL", os.environ.get("REDIS_URL"))
    path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    prefix = f"test:{secrets.token_hex(6)}:session:"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "REDIS_URL": url,
            "SESSION_KEY_PREFIX": prefix,
            # Sockets are counted per IP in Redis: keep other test runs' sockets out of the count.
            "WEBSOCKET_KEY_PREFIX": f"test:{secrets.token_hex(6)}:ws:",
            "WTF_CSRF_ENABLED": True,
        },
    )
    with app.app_context():
        upgrade()
    # Build the course now, so the first page a test opens is not the slow one.
    loader = app.extensions.get("content_loader")
    if loader is not None:
        loader()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve ``live_app`` on a free loopback port in a background thread; yield its base URL."""
    with serve_threaded(live_app) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium once per session (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """Open a fresh browser profile (no cookies) at desktop size, in English."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """Open a page in a fresh context."""
    return context.new_page()


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Collect uncaught script errors and console errors (CSP violations among them)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico on its own; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", on_console)
    return errors


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """Return ``shoot(page, name)``: a full-page PNG in ``SCREENSHOT_DIR``, when that is set."""

    def shoot(page: Page, name: str) -> None:
        if SCREENSHOT_DIR:
            Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)

    return shoot
