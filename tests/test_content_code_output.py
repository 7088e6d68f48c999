"""Every ``code_output`` question: run its code, and the real output must be accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_lesson_snippets import run_blocks

from app.content.grading import grade
from app.content.model import Problem
from app.content.model import Question
from app.content.quizzes import read_quiz
from app.topics import TOPIC_NAMES

REPO = Path(__file__).resolve().parent.parent
QUIZZES = REPO / "quizzes"


def no_render(text: str, line: int, lang: str, inline: bool) -> str:
    """Skip Markdown: these checks only need the questions' data."""
    return text


def code_output_questions() -> list[Question]:
    """Return every code_output question of the course."""
    rv = []
    for path in sorted(QUIZZES.glob("*.yaml")):
        problems: list[Problem] = []
        quiz = read_quiz(path, path.relative_to(REPO).as_posix(), TOPIC_NAMES, no_render, problems)
        if quiz is not None:
            rv.extend(q for q in quiz.questions if q.type == "code_output")
    return rv


QUESTIONS = code_output_questions()
_outputs: dict[str, dict] = {}


def output_of(question: Question) -> dict:
    """Run every code_output snippet once (one process, a fresh namespace each) and return this one's."""
    if not _outputs:
        blocks = [{"line": 1, "code": q.code or "", "group": None} for q in QUESTIONS]
        for q, result in zip(QUESTIONS, run_blocks("<code_output>", "", blocks), strict=False):
            _outputs[q.id] = result
    return _outputs[question.id]


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_real_output_is_accepted(question: Question):
    result = output_of(question)
    where = f"{question.path}:{question.line}: question {question.id}"
    if not result["ok"]:
        pytest.fail(f"{where}: its code raised\n{result['error']}", pytrace=False)
    verdict = grade(question, result["stdout"])
    if not verdict.correct:
        pytest.fail(
            f"{where}: the code prints {result['stdout']!r}, which is not accepted "
            f"(accept: {list(question.accept)!r}, pattern: {question.pattern!r})",
            pytrace=False,
        )
