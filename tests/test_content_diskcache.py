"""The catalog cached on disk: reused for the same files, rebuilt for any change, never stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import diskcache
from app.content.store import ContentStore

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    """Copy the valid fixture course, so a test may edit it."""
    lessons, quizzes = tmp_path / "lessons", tmp_path / "quizzes"
    shutil.copytree(FIXTURES / "valid" / "lessons", lessons)
    shutil.copytree(FIXTURES / "valid" / "quizzes", quizzes)
    return lessons, quizzes


@pytest.fixture
def store_for(app_settings, course, tmp_path):
    """Return a function making a fresh app's content store over the copied course."""
    from app import create_app

    lessons, quizzes = course

    def make(**overrides) -> ContentStore:
        settings = {
            **app_settings,
            "LESSONS_DIR": str(lessons),
            "QUIZZES_DIR": str(quizzes),
            "CONTENT_CACHE_DIR": str(tmp_path / "cache"),
            **overrides,
        }
        return create_app("testing", settings).extensions["content"]

    return make


def count_builds(store: ContentStore) -> list[int]:
    """Count calls of ``store.build`` (the expensive render) from now on."""
    calls: list[int] = []
    real_build = store.build

    def counted():
        calls.append(1)
        return real_build()

    store.build = counted  # type: ignore[method-assign]
    return calls


def test_a_second_process_reuses_the_catalog_without_rendering(store_for, tmp_path):
    first = store_for()
    first_builds = count_builds(first)
    built = first.load()
    assert first_builds == [1]
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1

    second = store_for()
    second_builds = count_builds(second)
    reused = second.load()
    assert second_builds == []
    assert reused == built
    assert reused is not built


def test_any_content_change_gives_a_fresh_build(store_for, course, tmp_path):
    store_for().load()
    lesson = next(course[0].rglob("*.en.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")

    store = store_for()
    builds = count_builds(store)
    catalog = store.load()
    assert builds == [1]
    assert any(
        "One more sentence." in str(text.html)
        for item in catalog.lessons.values()
        for text in item.texts.values()
    )
    # The old catalog is removed: one file per content version.
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1


def test_a_damaged_cache_file_is_rebuilt_not_trusted(store_for, tmp_path):
    store_for().load()
    (cached,) = (tmp_path / "cache").glob("catalog-*.pickle")
    cached.write_bytes(b"not a pickle")

    store = store_for()
    builds = count_builds(store)
    assert store.load().lessons
    assert builds == [1]


def test_a_course_with_problems_is_not_cached(store_for, tmp_path):
    store = store_for(
        LESSONS_DIR=str(FIXTURES / "broken" / "lessons"), QUIZZES_DIR=str(FIXTURES / "broken" / "quizzes")
    )
    assert store.load().problems
    assert not list((tmp_path / "cache").glob("catalog-*.pickle"))


def test_development_reload_never_reads_the_cache(store_for, tmp_path):
    store = store_for(CONTENT_AUTO_RELOAD=True)
    assert store.cache_dir is None
    store.load()
    assert not (tmp_path / "cache").exists()


def test_the_key_covers_the_demo_urls(course):
    directories = course
    assert diskcache.cache_key(directories, {"a.b": "/a"}) != diskcache.cache_key(directories, {"a.b": "/b"})
    assert diskcache.cache_key(directories, {"a.b": "/a"}) == diskcache.cache_key(directories, {"a.b": "/a"})


def test_the_search_index_is_cached_beside_its_catalog(store_for, tmp_path, monkeypatch):
    from app.search import store as search_store

    first = store_for()
    first.load()
    assert len(list((tmp_path / "cache").glob("search-*.pickle"))) == 1

    def no_rebuild(catalog):
        raise AssertionError("the index was built again")

    monkeypatch.setattr(search_store, "build_index", no_rebuild)
    monkeypatch.setattr(search_store, "RECENT", [])
    second = store_for()
    catalog = second.load()
    index = second.app.extensions["search_index"]
    assert index.catalog is catalog
    assert index.search("flask", "en").hits


def test_the_same_files_elsewhere_are_another_catalog(course, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(course[0], copy / "lessons")
    shutil.copytree(course[1], copy / "quizzes")
    here = diskcache.cache_key(course, {})
    there = diskcache.cache_key((copy / "lessons", copy / "quizzes"), {})
    assert here != there


def test_compiled_templates_are_kept_beside_the_catalog(store_for, tmp_path):
    """Compiled templates are kept under the content cache, and the next app reads them from there."""
    store = store_for()
    app = store.app
    with app.app_context():
        app.jinja_env.get_template("errors/unavailable.html")
    kept = sorted((tmp_path / "cache" / "templates").glob("__jinja2_*.cache"))
    assert kept, "no compiled template was kept"
    again = store_for().app
    bucket = again.jinja_env.bytecode_cache
    assert bucket is not None and bucket.directory == str(tmp_path / "cache" / "templates")


def test_no_template_cache_without_the_content_cache(store_for):
    """Development (and CONTENT_CACHE off) compiles templates in memory only."""
    assert store_for(CONTENT_CACHE=False).app.jinja_env.bytecode_cache is None
