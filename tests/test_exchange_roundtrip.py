"""Export → import over the whole course gives back the same questions, in both formats and languages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalog import CatalogBuilder
from app.content.exchange import ROUND_TRIP_TYPES
from app.content.exchange import export_bank
from app.content.exchange import import_into
from app.content.exchange import parse_bank
from app.content.exchange.markup import html_to_markdown
from app.content.model import Catalog
from app.content.model import Question
from app.content.render import Renderer
from config import Config

#: Texts rendered by the first build, reused by the rebuilds (the lessons do not change).
RENDERED: dict = {}


@pytest.fixture(scope="module")
def course() -> Catalog:
    """Build the real course once for the module."""
    builder = CatalogBuilder(Path(Config.LESSONS_DIR), Path(Config.QUIZZES_DIR))
    catalog = builder.build()
    RENDERED.update(builder.cache)
    assert not catalog.problems
    return catalog


def import_course(
    course: Catalog, fmt: str, lang: str, tmp_path: Path
) -> tuple[Catalog, dict[str, list[str]]]:
    """Export every topic, import each export back into a copy of its quiz file; rebuild."""
    quizzes = tmp_path / "quizzes"
    shutil.copytree(Config.QUIZZES_DIR, quizzes)
    added: dict[str, list[str]] = {}
    for quiz in course.quizzes.values():
        export = export_bank(course, quiz.topic, fmt, lang)
        drafts, notes = parse_bank(export.text, "auto", f"{quiz.topic}.export")
        assert notes == []
        path = quizzes / f"{quiz.id}.yaml"
        result = import_into(drafts, course, quiz.topic, path.read_text(encoding="utf-8"))
        path.write_text(result.text, encoding="utf-8")
        added[quiz.id] = result.added
    rebuilt = CatalogBuilder(Path(Config.LESSONS_DIR), quizzes, cache=RENDERED).build()
    return rebuilt, added


def carried(question: Question, lang: str) -> dict:
    """Return the fields of ``question`` the exchange formats carry, in ``lang``."""
    rv = {
        "type": question.type,
        "tags": question.tags,
        "prompt": question.prompt_html[lang],
        "explanation": question.explanation_html[lang],
        "choices": [choice.html[lang] for choice in question.choices],
    }
    ids = [choice.id for choice in question.choices]
    if question.type == "single_choice":
        rv["answer"] = ids.index(question.answer)
    elif question.type == "multiple_choice":
        rv["answer"] = sorted(ids.index(choice) for choice in question.answer)
    elif question.type == "true_false":
        rv["answer"] = question.answer
    elif question.type == "short_answer":
        rv["accept"] = question.accept
    elif question.type == "ordering":
        rv["answer"] = list(range(len(ids)))
        assert list(question.answer) == ids
    elif question.type == "flashcard":
        rv["model_answer"] = question.model_answer_html[lang]
        rv["key_points"] = question.key_points[lang]
    return rv


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip_over_the_whole_course(course, fmt, lang, tmp_path):
    rebuilt, added = import_course(course, fmt, lang, tmp_path)
    assert rebuilt.problems == ()
    compared = 0
    for quiz_id, new_ids in added.items():
        # Code challenges are left out of both formats.
        originals = [q for q in course.quizzes[quiz_id].questions if q.type != "code_challenge"]
        assert len(new_ids) == len(originals)
        for original, new_id in zip(originals, new_ids, strict=True):
            copy = rebuilt.questions[new_id]
            assert copy.source == "original"
            assert copy.quiz_id == quiz_id
            if original.type == "code_output":
                # Exported as a short answer with the code in the text; it comes back as one.
                assert copy.type == "short_answer"
                assert copy.accept == original.accept
                assert original.code.strip().splitlines()[0] in html_to_markdown(copy.prompt_html[lang])[0]
                continue
            assert original.type in ROUND_TRIP_TYPES
            assert carried(copy, lang) == carried(original, lang), original.id
            compared += 1
    types = {q.type for q in course.questions.values()} - {"code_output", "code_challenge"}
    assert compared == sum(1 for q in course.questions.values() if q.type in types)
    # Every exported question of the course came back, and the old ones are untouched.
    challenges = sum(1 for q in course.questions.values() if q.type == "code_challenge")
    assert len(rebuilt.questions) == 2 * len(course.questions) - challenges
    for question_id, question in course.questions.items():
        assert rebuilt.questions[question_id].prompt_html == question.prompt_html


def test_every_quiz_text_converts_back_to_the_same_html(course):
    """The HTML → Markdown converter is the renderer's inverse on every text of the course."""
    topic_of = {slug: lesson.topic for slug, lesson in course.lessons.items()}

    def resolve(scheme: str, target: str) -> str | None:
        slug, _, anchor = target.partition("#")
        if scheme == "lesson" and slug in topic_of:
            return f"/topics/{topic_of[slug]}/{slug}" + (f"#{anchor}" if anchor else "")
        return f"#demo-{target}" if scheme == "demo" else None

    renderer = Renderer(resolve)
    checked = 0
    for question in course.questions.values():
        for lang in ("en", "zh"):
            blocks = [question.prompt_html[lang], question.explanation_html[lang]]
            blocks += [question.model_answer_html[lang]] if question.type == "flashcard" else []
            inline = [choice.html[lang] for choice in question.choices]
            inline += list(question.key_points.get(lang, ()))
            for html, is_inline in [(b, False) for b in blocks] + [(i, True) for i in inline]:
                markdown, dropped = html_to_markdown(html)
                assert not dropped
                again = (
                    renderer.render_inline(markdown, lang) if is_inline else renderer.render(markdown, lang)
                )
                assert again.html == html, (question.id, lang, markdown)
                checked += 1
    assert checked > 2000
