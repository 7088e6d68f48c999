"""The catalog in the app: built once, rebuilt on change in development, guarded at start-up."""

from __future__ import annotations

import builtins
import os
import pathlib
import shutil
import textwrap
from pathlib import Path

import pytest

from app import create_app
from app.content import ContentError
from app.content import get_catalog
from app.content.catalog import build_catalog
from app.content.store import content_store

FIXTURES = Path(__file__).parent / "fixtures" / "content"


def write_lesson(
    root: Path, topic: str, order: int, slug: str, prerequisites: str = "[]", title: str = ""
) -> None:
    """Write both language versions of a minimal lesson under ``root``."""
    for lang in ("en", "zh"):
        path = root / topic / f"{order:02d}-{slug}.{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            textwrap.dedent(
                f"""\
                ---
                title: {title or slug} ({lang})
                slug: {slug}
                topic: {topic}
                order: {order}
                summary: About {slug}.
                prerequisites: {prerequisites}
                minutes: 3
                ---

                ## Section

                Text.
                """
            ),
            encoding="utf-8",
        )


def copy_course(target: Path, quizzes: bool = True) -> tuple[Path, Path]:
    """Copy the valid fixture's intro lesson and quiz (no demos) into ``target``."""
    lessons, quiz_dir = target / "lessons", target / "quizzes"
    shutil.copytree(FIXTURES / "valid" / "lessons" / "intro", lessons / "intro")
    quiz_dir.mkdir()
    if quizzes:
        shutil.copy(FIXTURES / "valid" / "quizzes" / "intro.yaml", quiz_dir / "intro.yaml")
    return lessons, quiz_dir


class ReadCounter:
    """Count file reads through ``open`` and ``Path.read_text`` while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real_open, real_read_text = builtins.open, pathlib.Path.read_text

        def counting_open(*args, **kwargs):
            self.count += 1
            return real_open(*args, **kwargs)

        def counting_read_text(path, *args, **kwargs):
            self.count += 1
            return real_read_text(path, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", counting_open)
        monkeypatch.setattr(pathlib.Path, "read_text", counting_read_text)


# -- course order ----------------------------------------------------------------------------


def test_lesson_order_follows_topics_then_order_then_prerequisites(tmp_path):
    lessons = tmp_path / "lessons"
    write_lesson(lessons, "intro", 1, "what-is-flask")
    write_lesson(lessons, "intro", 2, "wsgi")
    write_lesson(lessons, "routing", 1, "routing", "[what-is-flask]")
    # Listed first in its topic, but it needs a lesson of a later topic.
    write_lesson(lessons, "routing", 2, "converters", "[routing]")
    write_lesson(lessons, "config", 1, "configuration", "[converters]")
    write_lesson(lessons, "hooks", 1, "hooks")
    (tmp_path / "quizzes").mkdir()
    catalog = build_catalog(lessons, tmp_path / "quizzes")
    assert catalog.problems == ()
    assert catalog.lesson_order == (
        "what-is-flask",
        "wsgi",
        "routing",
        "converters",
        "configuration",
        "hooks",
    )
    assert catalog.topics["routing"] == ("routing", "converters")
    assert catalog.topics["config"] == ("configuration",)
    assert catalog.topics["ecosystem"] == ()
    assert [lesson.slug for lesson in catalog.topic_lessons("intro")] == ["what-is-flask", "wsgi"]


def test_catalog_is_immutable():
    catalog = build_catalog(FIXTURES / "valid" / "lessons", FIXTURES / "valid" / "quizzes", demos={})
    with pytest.raises(TypeError):
        catalog.lessons["x"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        catalog.lessons["routing"].slug = "x"  # type: ignore[misc]
    assert catalog.quizzes["intro"].questions[0].id == "intro-single"
    assert catalog.questions["intro-order"].answer == ("ctx", "before", "view", "after")


# -- built once, in the app ----------------------------------------------------------------


@pytest.fixture
def course(tmp_path, app_settings):
    """Point the app at a private copy of a small valid course."""
    lessons, quizzes = copy_course(tmp_path)
    app_settings.update(LESSONS_DIR=str(lessons), QUIZZES_DIR=str(quizzes))
    return lessons, quizzes


def probe(app) -> None:
    """Add a page that reads the catalog, as the lesson pages do."""

    def count_lessons():
        return str(len(get_catalog().lessons))

    app.add_url_rule("/_probe", view_func=count_lessons)


def test_catalog_is_built_once_and_requests_read_no_files(course, request, monkeypatch):
    app = request.getfixturevalue("app")
    probe(app)
    client = app.test_client()
    assert "catalog" not in app.extensions  # lazily built in testing
    assert client.get("/_probe").get_data(as_text=True) == "1"
    store = content_store(app)
    assert store.builds == 1
    assert app.extensions["catalog"] is store.catalog
    reads = ReadCounter(monkeypatch)
    for _ in range(3):
        assert client.get("/_probe").status_code == 200
    assert reads.count == 0
    assert store.builds == 1


def test_get_catalog_outside_a_request(course, request):
    app = request.getfixturevalue("app")
    with app.app_context():
        first = get_catalog()
        assert get_catalog() is first
    assert first.summary() == "2 lessons, 1 quizzes, 7 questions, 0 errors"


def test_development_reload_picks_up_an_edited_file(course, request, monkeypatch):
    lessons, _ = course
    request.getfixturevalue("app_settings")["CONTENT_AUTO_RELOAD"] = True
    app = request.getfixturevalue("app")
    store = content_store(app)
    with app.app_context():
        first = get_catalog()
        assert first.lessons["what-is-flask"].texts["en"].title == "What is Flask"

        path = lessons / "intro" / "01-what-is-flask.en.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace("What is Flask", "What Flask is"), encoding="utf-8"
        )
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        # Within a second of the last scan nothing is even looked at.
        reads = ReadCounter(monkeypatch)
        assert get_catalog() is first
        assert reads.count == 0

        store.last_scan -= 2  # a second has passed
        second = get_catalog()
        assert second is not first
        assert second.lessons["what-is-flask"].texts["en"].title == "What Flask is"
        assert app.extensions["catalog"] is second

        # No change, no rebuild.
        store.last_scan -= 2
        assert get_catalog() is second

        # A new file is noticed too.
        write_lesson(lessons, "intro", 2, "wsgi", "[what-is-flask]")
        store.last_scan -= 2
        assert get_catalog().lesson_order == ("what-is-flask", "wsgi")
    assert store.builds == 3


def test_reload_reuses_unchanged_renders(course, request, monkeypatch):
    request.getfixturevalue("app_settings")["CONTENT_AUTO_RELOAD"] = True
    app = request.getfixturevalue("app")
    store = content_store(app)
    with app.app_context():
        first = get_catalog()
        store.catalog = None  # force a rebuild from the same files
        second = get_catalog()
    assert second.lessons["what-is-flask"].texts["en"].html is first.lessons["what-is-flask"].texts["en"].html


def test_production_builds_at_start_and_refuses_invalid_content(tmp_path, redis_url):
    settings = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
    }
    lessons, quizzes = copy_course(tmp_path / "good")
    app = create_app("production", {**settings, "LESSONS_DIR": str(lessons), "QUIZZES_DIR": str(quizzes)})
    assert app.extensions["catalog"].summary() == "2 lessons, 1 quizzes, 7 questions, 0 errors"

    lessons, quizzes = copy_course(tmp_path / "bad", quizzes=False)
    with pytest.raises(ContentError) as info:
        create_app("production", {**settings, "LESSONS_DIR": str(lessons), "QUIZZES_DIR": str(quizzes)})
    assert "lessons/intro/01-what-is-flask.en.md:10: unknown quiz 'intro'" in str(info.value)
    assert info.value.problems


def test_development_shows_problems_instead_of_the_site(request, app_settings):
    app_settings.update(
        CONTENT_ERROR_PAGE=True,
        LESSONS_DIR=str(FIXTURES / "broken" / "lessons"),
        QUIZZES_DIR=str(FIXTURES / "broken" / "quizzes"),
    )
    client = request.getfixturevalue("client")
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "The course content has problems" in page
    assert (
        "tests/fixtures/content/broken/lessons/routing/01-routing.en.md:10: unknown quiz &#39;nope&#39;"
        in page
    )
    assert client.get("/healthz").status_code == 200
    assert client.get("/auth/login").status_code == 200
    assert client.get("/instructor/preview").status_code == 302  # to log in, not the problem list
    static = client.get("/static/css/lesson.css")
    assert static.status_code == 200
    static.close()


def test_development_serves_the_site_when_content_is_valid(course, request):
    request.getfixturevalue("app_settings")["CONTENT_ERROR_PAGE"] = True
    client = request.getfixturevalue("client")
    assert client.get("/").status_code == 200
