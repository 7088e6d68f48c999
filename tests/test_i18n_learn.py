"""Language: the choice order, <html lang>, Chinese pages, lesson fallback, complete catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import csrf_token
from test_learn_catalog import use_catalog

from app.extensions import db
from app.i18n import select_locale
from app.models import User

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"

#: Where the site's strings are, as babel.cfg says: every one must have a Chinese translation.
SITE_SOURCES = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


@pytest.fixture
def course(app):
    """Serve the small test course."""
    return use_catalog(app)


def choose(client, lang):
    """Post the language switch."""
    token = csrf_token(client, "/")
    return client.post("/language", data={"lang": lang, "next": "/", "csrf_token": token})


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(None, "en"), ("zh-CN,zh;q=0.9", "zh"), ("fr, zh;q=0.5", "zh"), ("fr, de", "en"), ("en-GB", "en")],
)
def test_accept_language_when_nothing_was_chosen(app, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    with app.test_request_context("/", headers=headers):
        assert select_locale() == expected


def test_the_session_choice_beats_accept_language(client):
    choose(client, "en")
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en"' in html


def test_the_accounts_choice_beats_the_session(app, client, auth):
    auth.create_user()
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        user.language = "zh"
        db.session.commit()
    choose(client, "en")  # an anonymous choice, then the login
    auth.login()
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh"' in html


def test_switching_language_while_logged_in_is_stored_on_the_account(app, client, auth):
    auth.create_user()
    auth.login()
    choose(client, "zh")
    with app.app_context():
        assert db.session.scalar(sa.select(User.language)) == "zh"
    auth.logout()
    # After logout the session is gone: back to Accept-Language.
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
    auth.login()
    assert '<html lang="zh"' in client.get("/").get_data(as_text=True)


def test_chinese_interface_on_every_learner_page(client, course):
    choose(client, "zh")
    pages = {
        "/": ["课程地图", "开始学习"],
        "/topics/routing/": ["课程", "测验", "在线演示"],
        "/topics/routing/routing": ["标记为已完成", "本页内容"],
        "/topics/routing/quiz": ["第 1 题，共 7 题", "检查答案"],
        "/dashboard": ["学习进度", "连续学习"],
        "/auth/login": ["登录", "密码"],
        "/auth/register": ["注册账号", "显示名称"],
    }
    for path, phrases in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert '<html lang="zh"' in html, path
        for phrase in phrases:
            assert phrase in html, (path, phrase)


def test_lessons_and_questions_in_chinese_with_a_visible_fallback(client, course):
    choose(client, "zh")
    html = client.get("/topics/routing/routing").get_data(as_text=True)
    assert "<h1>深入路由</h1>" in html
    assert "fallback-note" not in html
    html = client.get("/topics/intro/wsgi").get_data(as_text=True)  # English only
    assert "<h1>WSGI from scratch</h1>" in html
    assert 'class="fallback-note"' in html
    quiz = client.get("/topics/routing/quiz").get_data(as_text=True)
    assert "问题 rt-single" in quiz
    assert "（中）" in quiz  # choices in Chinese


def test_chinese_feedback(client, course):
    choose(client, "zh")
    token = csrf_token(client, "/topics/routing/quiz")
    response = client.post(
        "/topics/routing/quiz/answer",
        json={"question_id": "rt-single", "answer": "a"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    html = response.json["feedback_html"]
    assert "不太对" in html and "你的答案" in html and "正确答案" in html
    assert "因为 rt-single。" in html


def test_english_pages_are_not_translated(client, course):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Course map" in html and "课程地图" not in html


def test_the_chinese_catalog_has_no_missing_or_fuzzy_entries():
    with ZH_PO.open("rb") as fh:
        catalog = read_po(fh)
    missing = [m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == []
    assert fuzzy == []


def test_every_string_of_the_site_is_in_the_catalog():
    with ZH_PO.open("rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    missing = set()
    for _, _, message, _, _ in extract_from_dir(ROOT / "app", method_map=SITE_SOURCES, keywords=keywords):
        text = message if isinstance(message, str) else message[0]
        if text and text not in known:
            missing.add(text)
    assert sorted(missing) == [], "run `make translations-update` and translate the new strings"
