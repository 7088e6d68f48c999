"""Diagrams and version data: inlined SVG that is sanitized, accessible and theme-aware."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.content.catalog import build_catalog
from app.content.diagrams import parse_svg
from app.content.diagrams import serialize
from app.content.render import count_words
from app.content.versions import VersionError
from app.content.versions import parse_change

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "content"
DEMOS = {"routing.demo_match": "/topics/routing/demo/match"}
HOSTILE = (FIXTURES / "broken" / "lessons" / "signals" / "diagrams" / "scripted.svg").read_text()


@pytest.fixture(scope="module")
def fixture_catalog():
    """Build the small valid course once."""
    return build_catalog(FIXTURES / "valid" / "lessons", FIXTURES / "valid" / "quizzes", demos=DEMOS)


@pytest.fixture(scope="module")
def course():
    """Build the real course once (demo links unchecked)."""
    return build_catalog(ROOT / "lessons", ROOT / "quizzes")


def figure(html: str, name: str) -> str:
    """Return the rendered figure of diagram ``name``."""
    match = re.search(rf'<figure class="diagram" id="diagram-{name}">.*?</figure>', html, re.S)
    assert match, f"no figure for {name}"
    return match.group(0)


def test_a_diagram_is_inlined_with_the_readers_title_and_a_caption(fixture_catalog):
    en = figure(fixture_catalog.lessons["routing"].texts["en"].html, "url-match")
    zh = figure(fixture_catalog.lessons["routing"].texts["zh"].html, "url-match")
    prefix = "dg-routing-url-match-"
    assert (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60" role="img" '
        f'aria-labelledby="{prefix}title" aria-describedby="{prefix}desc">' in en
    )
    assert f'<title id="{prefix}title">Matching a URL</title>' in en and "匹配 URL" not in en
    assert f'<title id="{prefix}title">匹配 URL</title>' in zh and "Matching a URL" not in zh
    assert f'<desc id="{prefix}desc">The path /u/7 matches the rule /u/&lt;int:id&gt;.</desc>' in en
    # ids are prefixed so two diagrams on one page never collide, and references follow
    assert f'<marker id="{prefix}arrow"' in en and f'marker-end="url(#{prefix}arrow)"' in en
    # the caption is the lesson's Markdown, links resolved
    assert (
        "<figcaption><p>The path <code>/u/7</code> matches the rule <code>/u/&lt;int:id&gt;</code>; see "
        '<a href="/topics/intro/what-is-flask#the-idea">the idea</a>.</p>\n</figcaption>' in en
    )
    assert "<!--" not in en and 'width="200"' not in en
    assert fixture_catalog.lessons["routing"].texts["zh"].diagrams == ("url-match",)


def test_sanitizing_drops_everything_a_page_must_not_run_or_load():
    markup = serialize(parse_svg(HOSTILE), "en", "dg-x-")
    for banned in (
        "<script",
        "alert",
        "onclick",
        "style=",
        "href",
        "example.com",
        "#000000",
        "white",
        "foreignObject",
    ):
        assert banned not in markup, banned
    assert "<desc" in markup and "不允许" not in markup
    assert markup.startswith("<svg ") and markup.endswith("</svg>")


def test_every_course_diagram_is_accessible_in_both_languages(course):
    assert course.problems == ()
    shown = 0
    for lesson in course.lessons.values():
        en, zh = lesson.texts["en"], lesson.texts["zh"]
        assert en.diagrams == zh.diagrams
        for name in en.diagrams:
            shown += 1
            for text in (en, zh):
                block = figure(text.html, name.rpartition("/")[2])
                assert 'role="img"' in block and "<figcaption><p>" in block
                assert " style=" not in block and "<script" not in block
                title = re.search(r"<title id=[^>]*>(.*?)</title>", block).group(1)
                assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (text.lang == "zh")
    assert shown >= 16


@pytest.mark.parametrize(
    "topic",
    [
        "intro",
        "context",
        "sessions",
        "signals",
        "blueprints",
        "middleware",
        "database",
        "websockets",
        "templating",
        "views",
        "forms",
        "ecosystem",
    ],
)
def test_each_topic_with_a_flow_shows_a_diagram(course, topic):
    assert any(lesson.texts["en"].diagrams for lesson in course.topic_lessons(topic))


def test_the_catalog_knows_the_versions_the_course_was_verified_with(course):
    versions = course.verified_with
    assert versions["flask"] == "3.1.3"
    assert {"werkzeug", "sqlalchemy", "flask-session", "jinja2"} <= set(versions)
    shown = dict(course.verified_versions())
    assert course.verified_versions()[0] == ("Flask", "3.1.3")
    assert shown["Flask-Session"] == "0.8.0" and shown["SQLAlchemy"] == versions["sqlalchemy"]


def test_every_changed_box_of_the_course_names_its_versions(course):
    notes = course.version_changes()
    assert len(notes) >= 30
    for lesson in course.lessons.values():
        en, zh = lesson.texts["en"], lesson.texts["zh"]
        # both languages describe the same changes
        assert [n.changes for n in en.changes] == [n.changes for n in zh.changes]
        boxes = re.findall(r'<div class="admonition changed"([^>]*)>', en.html)
        assert len(boxes) == len(en.changes)
        for attributes in boxes:
            assert re.search(r'data-component="[a-z0-9-]+" data-version="\d[\d. ]*"', attributes)


@pytest.mark.parametrize(
    ("text", "changes", "title"),
    [
        ("3.1", [("flask", "3.1")], ""),
        ("Werkzeug 2.3: a title: with a colon", [("werkzeug", "2.3")], "a title: with a colon"),
        (
            "SQLAlchemy 1.4, 2.0, Python 3.12",
            [("sqlalchemy", "1.4"), ("sqlalchemy", "2.0"), ("python", "3.12")],
            "",
        ),
        ("flask-session 0.7：中文标题", [("flask-session", "0.7")], "中文标题"),
    ],
)
def test_parse_change(text, changes, title):
    note = parse_change(text)
    assert [(c.component, c.version) for c in note.changes] == changes
    assert note.title == title


@pytest.mark.parametrize("text", ["", "Flask", "Flask 3", "Flask 2.3, 2.3", "Django 4.2", "Werkzeug 0.17"])
def test_parse_change_refuses(text):
    with pytest.raises(VersionError):
        parse_change(text)


def test_a_diagram_adds_only_its_caption_to_the_word_count():
    assert (
        count_words("<p>one two</p><figure><svg><title>three four</title><text>five</text></svg></figure>")
        == 2
    )
