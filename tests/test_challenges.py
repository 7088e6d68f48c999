"""Code challenges: reading them, the runner, the CPython check, and grading the learner's report."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
from conftest import csrf_token

from app import create_app
from app.content import challenge_runner
from app.content import challenges
from app.content.challenge_runner import TestOutcome
from app.content.challenge_runner import run_tests
from app.content.challenges import MAX_CODE
from app.content.challenges import check_challenges
from app.content.challenges import imported_modules
from app.content.challenges import run_challenge
from app.content.challenges import run_challenges
from app.content.grading import InvalidAnswer
from app.content.grading import coerce_answer
from app.content.grading import grade
from app.content.model import Problem
from app.content.model import Question
from app.content.quizzes import read_quiz
from app.topics import TOPIC_NAMES

FIXTURES = Path(__file__).parent / "fixtures" / "content"

CHALLENGE = """\
id: views
topic: views
title: {en: "Views", zh: "视图"}
questions:
  - id: views-answer
    type: code_challenge
    source: original
    tags: [challenge]
    difficulty: 2
    task: {en: "Make `answer` 42.", zh: "让 `answer` 等于 42。"}
    starter: |
      answer = 0
    solution: |
      answer = 42
    tests: |
      def test_answer():
          assert answer == 42, f"answer is {answer}, not 42"


      def test_type():
          assert isinstance(answer, int), "answer is an int"
    hidden_tests: |
      def test_not_a_bool():
          assert answer is not True, "True is not 42"
    explanation: {en: "Assign it.", zh: "赋值即可。"}
"""


def no_render(text: str, line: int, lang: str, inline: bool) -> str:
    """Skip Markdown: these checks only need the questions' data."""
    return text


def read(tmp_path: Path, text: str) -> tuple[list[Question], list[Problem]]:
    """Write ``text`` as quizzes/views.yaml and read it."""
    path = tmp_path / "views.yaml"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    quiz = read_quiz(path, "quizzes/views.yaml", TOPIC_NAMES, no_render, problems)
    return list(quiz.questions if quiz else ()), problems


@pytest.fixture
def question(tmp_path) -> Question:
    """Return the challenge of ``CHALLENGE``, read from a file."""
    questions, problems = read(tmp_path, CHALLENGE)
    assert problems == []
    return questions[0]


# -- reading ------------------------------------------------------------------------------


def test_a_challenge_is_read_into_a_frozen_dataclass(question):
    challenge = question.challenge
    assert question.type == "code_challenge"
    assert question.prompt_html == {"en": "Make `answer` 42.", "zh": "让 `answer` 等于 42。"}
    assert challenge.starter == "answer = 0\n"
    assert challenge.solution == "answer = 42\n"
    assert challenge.test_names == ("test_answer", "test_type")
    assert challenge.hidden_test_names == ("test_not_a_bool",)
    assert challenge.all_test_names == ("test_answer", "test_type", "test_not_a_bool")
    assert question.answer == challenge.all_test_names
    assert challenge.lines == {"starter": 12, "solution": 14, "tests": 16, "hidden_tests": 23}
    assert question.self_graded
    with pytest.raises(AttributeError):
        challenge.starter = "answer = 42"  # type: ignore[misc]


def test_hidden_tests_are_optional(tmp_path):
    text = CHALLENGE.split("    hidden_tests:")[0] + '    explanation: {en: "A.", zh: "甲。"}\n'
    questions, problems = read(tmp_path, text)
    assert problems == []
    assert questions[0].challenge.hidden_tests == ""
    assert questions[0].challenge.hidden_test_names == ()


def test_a_solution_line_that_does_not_compile_is_reported_at_its_line(tmp_path):
    questions, problems = read(tmp_path, CHALLENGE.replace("      answer = 42\n", "      answer = (42\n"))
    assert questions == []
    assert [str(p) for p in problems] == [
        "quizzes/views.yaml:14: question views-answer: solution does not compile: '(' was never closed"
    ]


def test_async_tests_are_refused(tmp_path):
    text = CHALLENGE.replace("      def test_type():", "      async def test_type():")
    questions, problems = read(tmp_path, text)
    assert questions == []
    assert [str(p) for p in problems] == [
        "quizzes/views.yaml:20: question views-answer: tests: test_type must be a plain def, not async"
    ]


# -- the runner, in this process ----------------------------------------------------------


def test_runner_reports_each_test_with_the_assert_message():
    outcomes = run_tests("answer = 41", "def test_a():\n    assert answer == 42, 'want 42'\n")
    assert outcomes == [TestOutcome("test_a", False, "want 42")]


def test_runner_shows_the_failing_line_without_a_message():
    tests = "def test_a():\n    assert x == 2\n\ndef test_b():\n    assert x == 1\n\n"
    tests += "def test_c():\n    assert x == 3, ''\n"
    assert run_tests("x = 1", tests) == [
        TestOutcome("test_a", False, "assertion failed at <tests>, line 2: assert x == 2"),
        TestOutcome("test_b", True),
        TestOutcome("test_c", False, "assertion failed at <tests>, line 8: assert x == 3, ''"),
    ]


def test_runner_reports_errors_raised_in_the_learners_code():
    outcomes = run_tests("def f():\n    return 1 / 0\n", "def test_a():\n    f()\n")
    assert outcomes == [
        TestOutcome(
            "test_a", False, "ZeroDivisionError: division by zero (<your code>, line 2: return 1 / 0)"
        )
    ]
    outcomes = run_tests("import sys\nsys.exit(3)", "def test_a():\n    pass\n")
    assert outcomes == [
        TestOutcome("test_a", False, "your code raised SystemExit: 3 (<your code>, line 2: sys.exit(3))")
    ]


def test_runner_fails_every_test_when_the_code_does_not_compile():
    outcomes = run_tests("def (", "def test_a():\n    pass\n", "def test_h():\n    pass\n")
    assert [(o.name, o.passed, o.hidden) for o in outcomes] == [
        ("test_a", False, False),
        ("test_h", False, True),
    ]
    assert outcomes[0].message.startswith("your code does not compile: invalid syntax (line 1)")


def test_each_test_gets_a_fresh_namespace():
    tests = "def test_a():\n    items.append(1)\n    assert items == [1], items\n\n"
    tests += "def test_b():\n    items.append(2)\n    assert items == [2], items\n"
    assert all(outcome.passed for outcome in run_tests("items = []", tests))


def test_learner_code_cannot_define_the_tests():
    outcomes = run_tests("def test_a():\n    pass\n", "def test_a():\n    assert False, 'the real test'\n")
    assert outcomes == [TestOutcome("test_a", False, "the real test")]


def test_hidden_tests_see_the_visible_tests_helpers():
    outcomes = run_tests(
        "x = 2", "WANT = 2\n\ndef test_a():\n    assert x == WANT\n", "def test_h():\n    assert x == WANT\n"
    )
    assert outcomes == [TestOutcome("test_a", True), TestOutcome("test_h", True, "", hidden=True)]


# -- the runner, in a subprocess ----------------------------------------------------------


def test_run_challenge_runs_flask_in_a_subprocess():
    code = (
        "from flask import Flask\napp = Flask(__name__)\nprint('noise')\n\n"
        "@app.get('/')\ndef index():\n    return 'hi'\n"
    )
    tests = "def test_index():\n    assert app.test_client().get('/').text == 'hi', 'GET / says hi'\n"
    assert run_challenge(code, tests) == [TestOutcome("test_index", True)]


def test_a_hanging_job_times_out_and_the_others_still_run():
    tests = "def test_a():\n    assert x == 1, 'x is 1'\n"
    hang, done = run_challenges(
        [("while True:\n    pass\nx = 1", tests, ""), ("x = 1", tests, "")], timeout=1
    )
    assert hang == [TestOutcome("test_a", False, "the tests took over 1 s")]
    assert done == [TestOutcome("test_a", True)]


def test_a_dying_process_fails_every_test():
    outcomes = run_challenge("import os\nos._exit(3)", "def test_a():\n    pass\n")
    assert len(outcomes) == 1 and not outcomes[0].passed
    assert outcomes[0].message.startswith("the test process died (exit 3)")


def test_check_challenges_reports_a_failing_solution_and_a_passing_starter(tmp_path):
    problems: list[Problem] = []
    path = FIXTURES / "challenges" / "quizzes" / "flash.yaml"
    quiz = read_quiz(path, "quizzes/flash.yaml", TOPIC_NAMES, no_render, problems)
    assert problems == []
    found = check_challenges(quiz.questions, timeout=2)
    assert [str(p) for p in found] == [
        "quizzes/flash.yaml:13: question wrong-solution: the solution fails test_flash: "
        "the message is 'Saved!'",
        "quizzes/flash.yaml:25: question starter-passes: the starter code already passes every test",
        "quizzes/flash.yaml:41: question hangs: the solution fails test_x: the tests took over 2 s",
    ]


def test_content_check_runs_the_challenges_on_request(app_settings, monkeypatch):
    monkeypatch.setattr(challenges, "TIMEOUT", 2)  # the fixture's hanging challenge
    app_settings.update(
        LESSONS_DIR=str(FIXTURES / "challenges" / "lessons"),
        QUIZZES_DIR=str(FIXTURES / "challenges" / "quizzes"),
    )
    app = create_app("testing", app_settings)
    runner = app.test_cli_runner()
    quiet = runner.invoke(args=["content", "check"])
    assert quiet.exit_code == 0, quiet.output
    loud = runner.invoke(args=["content", "check", "--run-challenges"])
    assert loud.exit_code == 1
    assert "Ran 3 code challenges." in loud.output
    assert "question starter-passes: the starter code already passes every test" in loud.output


# -- the learner's report -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (42, "Send the test report: {passed: [test names], total: n, code: text}."),
        ("not json", "Send the test report as JSON: {passed: [...], total: n}."),
        ({"passed": [], "total": 3, "score": 1}, "Unknown key 'score' in the test report."),
        ({"passed": "test_answer", "total": 3}, "passed must be a list of test names."),
        ({"passed": [1], "total": 3}, "passed must be a list of test names."),
        ({"passed": ["test_nope"], "total": 3}, "Unknown test 'test_nope'."),
        ({"passed": ["test_answer", "test_answer"], "total": 3}, "Each test may be reported only once."),
        ({"passed": ["test_answer"] * 4, "total": 3}, "Too many test names: this challenge has 3 tests."),
        ({"passed": ["test_answer"], "total": 2}, "total must be 3, the number of this challenge's tests."),
        (
            {"passed": ["test_answer"], "total": True},
            "total must be 3, the number of this challenge's tests.",
        ),
        ({"passed": ["test_answer"]}, "total must be 3, the number of this challenge's tests."),
        ({"passed": [], "total": 3, "code": 5}, "code must be text."),
        (
            {"passed": [], "total": 3, "code": "x" * (MAX_CODE + 1)},
            "The code is too long (at most 20000 characters).",
        ),
        ("x" * (2 * MAX_CODE + 1), "The report is too long (the code may have at most 20000 characters)."),
        (None, "Send the test report: {passed: [test names], total: n, code: text}."),
    ],
)
def test_a_report_of_the_wrong_shape_is_refused(question, raw, message):
    with pytest.raises(InvalidAnswer) as info:
        coerce_answer(question, raw)
    assert info.value.message == message


def test_a_report_is_normalized_to_the_challenges_order(question):
    raw = {"passed": ["test_not_a_bool", "test_answer"], "total": 3, "code": "answer = 42"}
    assert coerce_answer(question, raw) == {
        "passed": ["test_answer", "test_not_a_bool"],
        "total": 3,
        "code": "answer = 42",
    }
    assert coerce_answer(question, json.dumps(raw)) == coerce_answer(question, raw)  # a plain form post
    assert coerce_answer(question, ["test_type"]) == {"passed": ["test_type"], "total": 3, "code": ""}


def test_a_partial_pass_is_not_correct(question):
    answer = coerce_answer(question, {"passed": ["test_answer", "test_type"], "total": 3})
    result = grade(question, answer)
    assert (result.correct, result.score, result.kind) == (False, 0.0, "incorrect")
    assert result.feedback == "Self-reported: 2 of 3 tests passed."


def test_every_test_passed_is_correct_and_self_reported(question):
    answer = coerce_answer(question, {"passed": list(question.challenge.all_test_names), "total": 3})
    result = grade(question, answer)
    assert (result.correct, result.score, result.kind) == (True, 1.0, "correct")
    assert result.feedback == "Self-reported: all 3 tests passed."
    assert question.self_graded


def test_the_grader_never_raises_on_odd_answers(question):
    assert grade(question, None).kind == "empty"
    assert grade(question, "test_answer").kind == "invalid"
    assert grade(question, {"passed": ["test_other"]}).kind == "invalid"


def test_the_quiz_endpoint_takes_a_report_and_refuses_a_bad_one(client):
    token = csrf_token(client, "/topics/flash/quiz")
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    qid = "flash-challenge-next-request"
    bad = client.post(
        "/topics/flash/quiz/answer",
        json={"question_id": qid, "answer": {"passed": ["test_made_up"], "total": 3}},
        headers=headers,
    )
    assert bad.status_code == 400
    names = [
        "test_save_redirects_home",
        "test_the_next_request_shows_the_message",
        "test_it_is_shown_only_once",
    ]
    good = client.post(
        "/topics/flash/quiz/answer",
        json={"question_id": qid, "answer": {"passed": names, "total": 3, "code": "app = None"}},
        headers=headers,
    )
    assert good.status_code == 200, good.json
    assert good.json["correct"] is True


def test_a_bad_report_is_refused_in_the_readers_language(client):
    token = csrf_token(client, "/topics/flash/quiz")
    headers = {"X-CSRFToken": token, "Accept": "application/json", "Accept-Language": "zh"}
    response = client.post(
        "/topics/flash/quiz/answer",
        json={"question_id": "flash-challenge-next-request", "answer": {"passed": [], "total": 9}},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json["message"] == "total 必须是 3，即这道挑战的测试数。"


def test_the_runner_needs_only_the_standard_library():
    """The browser runs the same file under Pyodide, where the project is not importable."""
    source = Path(challenge_runner.__file__).read_text(encoding="utf-8")
    modules = {name for name, _ in imported_modules(ast.parse(source))}
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)
