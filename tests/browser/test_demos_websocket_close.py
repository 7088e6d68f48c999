"""Closing a demo WebSocket is a clean closing handshake (1000) on every server the site runs on.

The development server (the ``live_server`` fixture), gunicorn's ``gthread`` HTTP pool and the
``gevent`` websocket pool (``INSIDE_FLASK_ROLE=ws``), each started from gunicorn.conf.py.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_service
from playwright.sync_api import Page
from playwright.sync_api import expect

from browser.actions import open_demo
from tests.resilience.harness import GunicornServer
from tests.resilience.harness import migrate
from tests.resilience.harness import start_all

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def gunicorn_pools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GunicornServer]]:
    """Start the HTTP pool (gthread) and the websocket pool (gevent); yield them by worker class."""
    redis_url = require_service("REDIS_URL", os.environ.get("REDIS_URL"))
    workdir: Path = tmp_path_factory.mktemp("ws-close")
    database = f"sqlite:///{workdir / 'site.sqlite3'}"
    migrate(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "INSIDE_FLASK_"))}
    env.update(
        INSIDE_FLASK_CONFIG="production",
        SECRET_KEY=secrets.token_hex(16),
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        FLASK_SESSION_COOKIE_SECURE="false",
        FLASK_REMEMBER_COOKIE_SECURE="false",
        TRUSTED_HOSTS="127.0.0.1,localhost",
        WEB_CONCURRENCY="1",
        GUNICORN_LOG_LEVEL="warning",
    )
    servers = {"gthread": GunicornServer(env, workdir, "http"), "gevent": GunicornServer(env, workdir, "ws")}
    start_all(*servers.values())
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def close_echo_socket(page: Page, base: str) -> None:
    """Open the echo demo, send one message, press "Close the socket"; check a clean 1000."""
    open_demo(page, base, "/topics/websockets/demo/echo")
    page.locator("#echo-text").fill("before closing")
    page.get_by_role("button", name="Send", exact=True).click()
    log = page.locator("[data-echo-log]")
    expect(log).to_contain_text("before closing (14 characters)")
    page.get_by_role("button", name="Close the socket", exact=True).click()
    closed = log.locator("[data-close-code]")
    expect(closed).to_have_count(1)
    # The browser received the server's close frame (wasClean) with the normal code.
    expect(closed).to_have_attribute("data-close-code", "1000")
    expect(closed).to_have_attribute("data-clean", "true")
    expect(closed).to_contain_text("close frame from the server, code 1000")
    expect(page.locator("[data-echo-state]")).to_have_text("closed (1000)")


def test_close_is_clean_on_the_dev_server(page: Page, live_server: str, page_errors: list[str]) -> None:
    close_echo_socket(page, live_server)
    page.wait_for_timeout(300)  # a stray byte after the close frame would be reported now
    assert page_errors == []


@pytest.mark.parametrize("pool", ["gthread", "gevent"])
def test_close_is_clean_under_gunicorn(
    page: Page, gunicorn_pools: dict[str, GunicornServer], page_errors: list[str], pool: str
) -> None:
    server = gunicorn_pools[pool]
    close_echo_socket(page, server.base)
    page.wait_for_timeout(300)
    assert page_errors == []
    # Nothing was written after the socket closed: a response converted to the app's own
    # response class used to send "200 OK" there, and gunicorn logged EBADF for every socket.
    log = server.log_text()
    assert "Socket error processing request" not in log, log[-3000:]
    assert "Bad file descriptor" not in log, log[-3000:]


def test_socket_states_and_log_in_chinese(browser, live_server: str) -> None:
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh"})
    try:
        page = context.new_page()
        open_demo(page, live_server, "/topics/websockets/demo/echo")
        page.locator("#echo-text").fill("你好")
        page.locator("[data-echo-form] button[type=submit]").click()
        log = page.locator("[data-echo-log]")
        expect(log).to_contain_text("你好（2 个字符）")
        expect(page.locator("[data-echo-state]")).to_have_text("已打开")
        page.locator("[data-echo-close]").click()
        expect(log.locator("[data-close-code]")).to_contain_text("来自服务器的关闭帧，代码 1000")
        expect(page.locator("[data-echo-state]")).to_have_text("已关闭（1000）")
        kinds = log.locator(".socket-kind").all_inner_texts()
        assert set(kinds) <= {"已打开", "发送", "收到", "已关闭"}, kinds
    finally:
        context.close()
