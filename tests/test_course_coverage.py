"""The course is complete: every topic has bilingual lessons and a quiz, every seed question is cited."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.lessons import LessonFile
from app.content.lessons import read_lesson
from app.content.model import LANGUAGES
from app.content.model import Problem
from app.content.model import Quiz
from app.content.quizzes import read_quiz
from app.topics import TOPIC_NAMES

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
QUIZZES = REPO / "quizzes"
SEEDS = [f"seed-q{n:02d}" for n in range(1, 61)]
MIN_QUESTIONS = 8
MIN_TYPES = 3

#: The lesson each topic must have (docs/authoring.md, "Topics").
PRIMARY_LESSONS = {
    "intro": "what-is-flask",
    "config": "configuration",
    "routing": "routing",
    "views": "views-and-responses",
    "templating": "templates",
    "hooks": "request-hooks",
    "context": "contexts",
    "sessions": "sessions",
    "flash": "flash-messages",
    "blueprints": "blueprints",
    "signals": "signals",
    "middleware": "middleware",
    "websockets": "websockets",
    "forms": "forms",
    "database": "sqlalchemy",
    "ecosystem": "ecosystem",
}


def no_render(text: str, line: int, lang: str, inline: bool) -> str:
    """Skip Markdown: coverage only needs to know which texts exist."""
    return text


def read_lessons() -> list[LessonFile]:
    """Read the front matter of every lesson file."""
    problems: list[Problem] = []
    rv = []
    for path in sorted(LESSONS.rglob("*.md")):
        lesson = read_lesson(path, path.relative_to(REPO).as_posix(), TOPIC_NAMES, problems)
        if lesson is not None:
            rv.append(lesson)
    return rv


def read_quizzes() -> dict[str, Quiz]:
    """Read every quiz file, keyed by file name."""
    rv = {}
    for path in sorted(QUIZZES.glob("*.yaml")):
        problems: list[Problem] = []
        quiz = read_quiz(path, path.relative_to(REPO).as_posix(), TOPIC_NAMES, no_render, problems)
        if quiz is not None:
            rv[path.stem] = quiz
    return rv


LESSON_FILES = read_lessons()
QUIZ_FILES = read_quizzes()


def test_primary_lessons_table_covers_every_topic():
    assert tuple(PRIMARY_LESSONS) == TOPIC_NAMES


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_question_is_cited(seed):
    citing = [q.id for quiz in QUIZ_FILES.values() for q in quiz.questions if q.source == seed]
    assert citing, f"no question has source: {seed}"


@pytest.mark.parametrize("topic", TOPIC_NAMES)
def test_topic_has_lessons_in_both_languages(topic):
    files = [lesson for lesson in LESSON_FILES if lesson.meta["topic"] == topic]
    assert files, f"lessons/{topic}/ has no lesson"
    by_slug: dict[str, set[str]] = {}
    for lesson in files:
        by_slug.setdefault(lesson.meta["slug"], set()).add(lesson.lang)
    missing = {
        slug: sorted(set(LANGUAGES) - langs) for slug, langs in by_slug.items() if set(LANGUAGES) - langs
    }
    assert not missing, f"lessons of {topic} missing a language: {missing}"
    assert PRIMARY_LESSONS[topic] in by_slug, f"{topic} has no lesson with slug {PRIMARY_LESSONS[topic]!r}"


@pytest.mark.parametrize("topic", TOPIC_NAMES)
def test_topic_quiz_is_big_and_varied_enough(topic):
    quiz = QUIZ_FILES.get(topic)
    assert quiz is not None, f"quizzes/{topic}.yaml is missing or unreadable (see `content check`)"
    assert len(quiz.questions) >= MIN_QUESTIONS, f"{topic} quiz has {len(quiz.questions)} valid questions"
    types = {q.type for q in quiz.questions}
    assert len(types) >= MIN_TYPES, f"{topic} quiz uses only {sorted(types)}"


@pytest.mark.parametrize("topic", TOPIC_NAMES)
def test_questions_have_both_languages(topic):
    quiz = QUIZ_FILES.get(topic)
    if quiz is None:
        pytest.fail(f"quizzes/{topic}.yaml is missing or unreadable", pytrace=False)
    incomplete = [
        f"{q.path}:{q.line}: {q.id} lacks {field} {lang}"
        for q in quiz.questions
        for field, texts in (("prompt", q.prompt_html), ("explanation", q.explanation_html))
        for lang in LANGUAGES
        if not texts.get(lang)
    ]
    assert not incomplete, "\n".join(incomplete)
