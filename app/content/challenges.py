"""Coding challenges: reading them from quiz YAML, checking them in CPython, grading reports.

A challenge's tests run in the learner's browser (``app/content/challenge_runner.py``
under Pyodide); the server only receives the report of which tests passed, so the grade
is self-reported, like a flashcard's self-rating. What the server can check, it checks
here: the report's shape, and, in CI and ``content check --run-challenges``, that every
reference solution passes its tests and every starter fails at least one (in CPython, in
a subprocess with a timeout so a hanging challenge cannot block the check).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path

from flask_babel import gettext as _

from app.content import challenge_runner
from app.content.challenge_runner import TestOutcome
from app.content.coercion import COERCERS
from app.content.coercion import InvalidAnswer
from app.content.grading import Result
from app.content.grading import empty
from app.content.grading import invalid
from app.content.grading import register
from app.content.lessons import compile_error
from app.content.model import Catalog
from app.content.model import Challenge
from app.content.model import Problem
from app.content.model import Question
from app.content.model import frozen_map
from app.content.playground import ALLOWED_PACKAGES
from app.content.playground import imported_modules
from app.content.yamlfile import LineDict

__all__ = [
    "ALLOWED_PACKAGES",
    "MAX_CODE",
    "TestOutcome",
    "check_challenges",
    "coerce_report",
    "grade_code_challenge",
    "imported_modules",
    "read_code_challenge",
    "run_challenge",
    "run_challenges",
]

#: Longest learner code accepted in a report, in characters.
MAX_CODE = 20_000
#: Seconds one challenge's tests may take in CPython.
TIMEOUT = 10.0

RUNNER = Path(challenge_runner.__file__)
CODE_KEYS = ("starter", "solution", "tests", "hidden_tests")

Report = Callable[[int | None, str], None]


# -- reading ------------------------------------------------------------------------------


def code_line(data: LineDict, key: str) -> int:
    """Return the file line of the first line of the code under ``key`` (a ``|`` block starts below)."""
    value = data.get(key)
    block = isinstance(value, str) and ("\n" in value.strip() or value.endswith("\n"))
    return data.line_of(key) + (1 if block else 0)


def check_code(data: LineDict, key: str, label: str, report: Report) -> str | None:
    """Return the Python under ``key`` if it compiles and imports only what the browser has."""
    code = data.get(key)
    if not isinstance(code, str) or not code.strip():
        if key in data:
            report(data.line_of(key), f"{label}: {key} must be Python code (a | block)")
        return None
    start = code_line(data, key)
    error = compile_error(code)
    if error is not None:
        offset, message = error
        report(start + offset - 1, f"{label}: {key} does not compile: {message}")
        return None
    for module, line in imported_modules(ast.parse(code)):
        if module not in ALLOWED_PACKAGES and module not in sys.stdlib_module_names:
            report(
                start + line - 1,
                f"{label}: {key} imports {module!r}, which the browser does not have "
                "(use Flask, its dependencies and the standard library)",
            )
            return None
    return code


def check_tests(code: str, data: LineDict, key: str, label: str, report: Report) -> list[str] | None:
    """Return the test names of ``code``: plain functions ``test_…()`` with no parameters."""
    start = code_line(data, key)
    tree = ast.parse(code)
    ok = True
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("test_"):
            continue
        if isinstance(node, ast.AsyncFunctionDef):
            report(start + node.lineno - 1, f"{label}: {key}: {node.name} must be a plain def, not async")
            ok = False
        elif node.args.args or node.args.posonlyargs or node.args.kwonlyargs or node.args.vararg:
            report(
                start + node.lineno - 1,
                f"{label}: {key}: {node.name} takes no arguments (there are no pytest fixtures; "
                "build the test client inside the test)",
            )
            ok = False
    names = challenge_runner.test_names(code)
    if not names and ok:
        report(data.line_of(key), f"{label}: {key} define no test function (def test_…():)")
        return None
    return names if ok else None


def read_code_challenge(data: LineDict, label: str, report: Report, render) -> dict | None:
    """Read starter, solution, tests and hidden tests; None (reported) when they cannot be used.

    Each must compile and import only what the browser has; the tests must define plain
    ``test_…()`` functions, named once across tests and hidden tests.
    """
    for key in ("starter", "solution", "tests"):
        if key not in data:
            report(data.line, f"{label}: missing key {key!r}")
    codes = {key: check_code(data, key, label, report) for key in CODE_KEYS}
    if any(codes[key] is None for key in ("starter", "solution", "tests")):
        return None
    visible = check_tests(codes["tests"], data, "tests", label, report)
    hidden: list[str] | None = []
    if codes["hidden_tests"] is not None:
        hidden = check_tests(codes["hidden_tests"], data, "hidden_tests", label, report)
    elif "hidden_tests" in data:
        return None
    if visible is None or hidden is None:
        return None
    for key, names, others in (("tests", visible, []), ("hidden_tests", hidden, visible)):
        twice = sorted({name for name in names if names.count(name) > 1 or name in others})
        if twice:
            report(data.line_of(key), f"{label}: {key}: {twice[0]} is defined twice")
            return None
    if codes["starter"].strip() == codes["solution"].strip():
        report(data.line_of("solution"), f"{label}: the solution is the starter code unchanged")
        return None
    challenge = Challenge(
        starter=codes["starter"],
        solution=codes["solution"],
        tests=codes["tests"],
        hidden_tests=codes["hidden_tests"] or "",
        test_names=tuple(visible),
        hidden_test_names=tuple(hidden),
        lines=frozen_map({key: code_line(data, key) for key in CODE_KEYS if key in data}),
    )
    fence = "```python\n" + challenge.starter.rstrip("\n") + "\n```"
    return {
        "challenge": challenge,
        "answer": challenge.all_test_names,
        "code": challenge.starter,
        "code_html": render(fence, data.line_of("starter"), "en", False),
    }


# -- running in CPython -------------------------------------------------------------------


def run_challenges(jobs: Iterable[tuple[str, str, str]], timeout: float = TIMEOUT) -> list[list[TestOutcome]]:
    """Run (code, tests, hidden tests) jobs in one fresh CPython process; one outcome list per job.

    A job that hangs or crashes fails every one of its tests; the others still run.
    """
    jobs = list(jobs)
    if not jobs:
        return []
    payload = {
        "timeout": timeout,
        "jobs": [{"code": code, "tests": tests, "hidden_tests": hidden} for code, tests, hidden in jobs],
    }
    names = [
        [(name, False) for name in challenge_runner.test_names(tests)]
        + [(name, True) for name in (challenge_runner.test_names(hidden) if hidden.strip() else [])]
        for _, tests, hidden in jobs
    ]

    def failed(message: str, index: int) -> list[TestOutcome]:
        return [TestOutcome(name, False, message, hide) for name, hide in names[index]]

    try:
        # A scratch working directory: a challenge writing files leaves nothing behind.
        with tempfile.TemporaryDirectory(prefix="challenge-") as workdir:
            proc = subprocess.run(  # noqa: S603 - our own interpreter and runner file
                [sys.executable, "-I", str(RUNNER)],
                input=json.dumps(payload),
                capture_output=True,
                text=True,
                cwd=workdir,
                timeout=timeout * len(jobs) + 20,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return [failed(f"the tests took over {timeout:g} s", i) for i in range(len(jobs))]
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        message = f"the test process died (exit {proc.returncode}): {proc.stderr[-2000:]}"
        return [failed(message, i) for i in range(len(jobs))]
    rv = []
    for index, outcomes in enumerate(answer):
        if isinstance(outcomes, dict):
            rv.append(failed(outcomes["error"], index))
        else:
            rv.append([TestOutcome(**outcome) for outcome in outcomes])
    return rv


def run_challenge(
    code: str, tests: str, hidden_tests: str = "", timeout: float = TIMEOUT
) -> list[TestOutcome]:
    """Run ``tests`` (and ``hidden_tests``) against ``code`` in a fresh CPython process."""
    return run_challenges([(code, tests, hidden_tests)], timeout)[0]


def challenge_questions(catalog: Catalog) -> list[Question]:
    """Return every code challenge of the course, in quiz order."""
    return [
        question
        for quiz in catalog.quizzes.values()
        for question in quiz.questions
        if question.challenge is not None
    ]


def check_challenges(questions: Iterable[Question], timeout: float | None = None) -> list[Problem]:
    """Run each challenge's solution and starter; report a solution that fails or a starter that passes.

    ``timeout`` is per run, ``TIMEOUT`` seconds unless given.
    """
    timeout = timeout or TIMEOUT
    questions = list(questions)
    jobs = []
    for question in questions:
        challenge = question.challenge
        jobs.append((challenge.solution, challenge.tests, challenge.hidden_tests))
        jobs.append((challenge.starter, challenge.tests, challenge.hidden_tests))
    results = run_challenges(jobs, timeout)
    problems = []
    for index, question in enumerate(questions):
        solution, starter = results[2 * index], results[2 * index + 1]
        label = f"question {question.id}"
        lines = question.challenge.lines
        for outcome in solution:
            if not outcome.passed:
                problems.append(
                    Problem(
                        question.path,
                        lines.get("solution", question.line),
                        f"{label}: the solution fails {outcome.name}: {outcome.message}",
                    )
                )
        if solution and all(outcome.passed for outcome in starter):
            problems.append(
                Problem(
                    question.path,
                    lines.get("starter", question.line),
                    f"{label}: the starter code already passes every test",
                )
            )
    return problems


# -- the learner's report -----------------------------------------------------------------


def coerce_report(question: Question, raw: object) -> Mapping[str, object]:
    """Return the learner's self-reported run as ``{"passed": names, "total": n, "code": text}``.

    Accepts that mapping (``code`` optional), the same as JSON text (a plain form post),
    or a bare list of passed test names. Raises ``InvalidAnswer`` for any other shape,
    a name that is not one of the challenge's tests, a name given twice, a total that is
    not the challenge's number of tests, or code longer than ``MAX_CODE``.
    """
    challenge = question.challenge
    if challenge is None:
        raise InvalidAnswer(_("This question has no tests to report on."))
    one_text = isinstance(raw, list | tuple) and len(raw) == 1 and isinstance(raw[0], str)
    if one_text and raw[0].lstrip().startswith(("{", "[")):
        raw = raw[0]  # a form's single value holding the JSON report
    if isinstance(raw, str):
        if len(raw) > MAX_CODE * 2:
            raise InvalidAnswer(
                _("The report is too long (the code may have at most %(n)d characters).", n=MAX_CODE)
            )
        try:
            raw = json.loads(raw)
        except ValueError:
            raise InvalidAnswer(_("Send the test report as JSON: {passed: [...], total: n}.")) from None
    if isinstance(raw, list | tuple):
        raw = {"passed": list(raw), "total": len(challenge.all_test_names)}
    if not isinstance(raw, Mapping):
        raise InvalidAnswer(_("Send the test report: {passed: [test names], total: n, code: text}."))
    unknown = sorted(str(key)[:40] for key in raw if key not in ("passed", "total", "code"))
    if unknown:
        raise InvalidAnswer(_("Unknown key %(key)s in the test report.", key=repr(unknown[0])))
    passed = raw.get("passed")
    if not isinstance(passed, list | tuple) or not all(isinstance(name, str) for name in passed):
        raise InvalidAnswer(_("passed must be a list of test names."))
    names = challenge.all_test_names
    if len(passed) > len(names):
        raise InvalidAnswer(_("Too many test names: this challenge has %(n)d tests.", n=len(names)))
    for name in passed:
        if name not in names:
            raise InvalidAnswer(_("Unknown test %(name)s.", name=repr(name[:80])))
    if len(set(passed)) != len(passed):
        raise InvalidAnswer(_("Each test may be reported only once."))
    total = raw.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total != len(names):
        raise InvalidAnswer(_("total must be %(n)d, the number of this challenge's tests.", n=len(names)))
    code = raw.get("code", "")
    if not isinstance(code, str):
        raise InvalidAnswer(_("code must be text."))
    if len(code) > MAX_CODE:
        raise InvalidAnswer(_("The code is too long (at most %(n)d characters).", n=MAX_CODE))
    return {"passed": [name for name in names if name in passed], "total": total, "code": code}


@register("code_challenge")
def grade_code_challenge(question: Question, answer: object) -> Result:
    """Give full credit when the learner reports every test passed; the grade is self-reported."""
    if answer is None:
        return empty()
    if not isinstance(answer, Mapping) or question.challenge is None:
        return invalid()
    names = question.challenge.all_test_names
    passed = answer.get("passed")
    if not isinstance(passed, list | tuple) or not set(passed) <= set(names):
        return invalid()
    count = len(set(passed))
    if count == len(names):
        return Result(True, 1.0, _("Self-reported: all %(n)d tests passed.", n=count), "correct")
    feedback = _("Self-reported: %(count)d of %(n)d tests passed.", count=count, n=len(names))
    return Result(False, 0.0, feedback, "incorrect")


# Questions of this type take the learner's test report as their answer.
COERCERS["code_challenge"] = coerce_report
