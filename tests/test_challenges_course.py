"""Every code challenge of the course, run in CPython: the reference passes, the starter fails.

All of them run in one fresh process (each run in a fresh namespace), so the whole check
takes about a second; the browser runs the very same ``challenge_runner`` under Pyodide.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.challenges import TestOutcome
from app.content.challenges import run_challenges
from app.content.model import LANGUAGES
from app.content.model import Problem
from app.content.model import Question
from app.content.quizzes import read_quiz
from app.topics import TOPIC_NAMES

REPO = Path(__file__).resolve().parents[1]
QUIZZES = REPO / "quizzes"


def no_render(text: str, line: int, lang: str, inline: bool) -> str:
    """Skip Markdown: these checks only need the questions' data."""
    return text


def course_challenges() -> list[Question]:
    """Return every code challenge of the course."""
    rv = []
    for path in sorted(QUIZZES.glob("*.yaml")):
        problems: list[Problem] = []
        quiz = read_quiz(path, path.relative_to(REPO).as_posix(), TOPIC_NAMES, no_render, problems)
        if quiz is not None:
            rv.extend(q for q in quiz.questions if q.type == "code_challenge")
    return rv


CHALLENGES = course_challenges()
_runs: dict[str, tuple[list[TestOutcome], list[TestOutcome]]] = {}


def runs_of(question: Question) -> tuple[list[TestOutcome], list[TestOutcome]]:
    """Run every solution and starter once, in one process; return this challenge's (solution, starter)."""
    if not _runs:
        jobs = []
        for q in CHALLENGES:
            challenge = q.challenge
            jobs.append((challenge.solution, challenge.tests, challenge.hidden_tests))
            jobs.append((challenge.starter, challenge.tests, challenge.hidden_tests))
        results = run_challenges(jobs)
        for index, q in enumerate(CHALLENGES):
            _runs[q.id] = (results[2 * index], results[2 * index + 1])
    return _runs[question.id]


def test_every_topic_the_browser_can_run_has_a_challenge():
    topics = {q.quiz_id for q in CHALLENGES}
    assert len(CHALLENGES) >= 16
    assert topics == set(TOPIC_NAMES)


@pytest.mark.parametrize("question", CHALLENGES, ids=[q.id for q in CHALLENGES])
def test_the_task_is_in_both_languages(question: Question):
    assert set(question.prompt_html) == set(LANGUAGES)
    assert set(question.explanation_html) == set(LANGUAGES)


@pytest.mark.parametrize("question", CHALLENGES, ids=[q.id for q in CHALLENGES])
def test_the_reference_solution_passes_every_test(question: Question):
    solution, _ = runs_of(question)
    where = f"{question.path}:{question.challenge.lines['solution']}: question {question.id}"
    failed = [f"{o.name}: {o.message}" for o in solution if not o.passed]
    assert [o.name for o in solution] == list(question.challenge.all_test_names)
    if failed:
        pytest.fail(f"{where}: the solution fails\n" + "\n".join(failed), pytrace=False)


@pytest.mark.parametrize("question", CHALLENGES, ids=[q.id for q in CHALLENGES])
def test_the_starter_fails_at_least_one_test(question: Question):
    _, starter = runs_of(question)
    assert starter, "the starter ran no tests"
    if all(o.passed for o in starter):
        where = f"{question.path}:{question.challenge.lines['starter']}: question {question.id}"
        pytest.fail(f"{where}: the starter already passes every test", pytrace=False)
