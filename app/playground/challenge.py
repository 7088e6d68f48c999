"""Coding challenges on the quiz page: the runner and the tests, served to the learner's browser.

A ``code_challenge`` question runs its tests in the browser (Pyodide in the playground's
worker). The page never shows the hidden tests before the learner answers, but the browser
must have them to run them: ``/playground/challenges/<id>/tests`` hands them over at run
time, so a determined learner can read them in the developer tools. They guard against
fitting code to the visible tests by accident, not against cheating; the grade is
self-reported anyway (see ``app.content.challenges``).
"""

from __future__ import annotations

import functools

from flask import Flask
from flask import abort
from flask import current_app
from flask import g
from flask import jsonify
from flask import make_response
from flask import request
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.content.challenges import RUNNER
from app.content.model import Question
from app.content.render import highlight_python
from app.errors import wants_json
from app.playground import WASM
from app.playground import bp
from app.playground.manifest import INSTALL_COMMAND
from app.playground.manifest import find_runtime

#: The Python function the worker calls with the learner's code and the tests as JSON.
ENTRY = "challenge_runner.run_json"


def find_challenge(question_id: str) -> Question | None:
    """Return the code challenge with this id, if the course has one."""
    catalog = current_app.extensions["content"].get()
    for quiz in catalog.quizzes.values():
        for question in quiz.questions:
            if question.id == question_id and question.challenge is not None:
                return question
    return None


@bp.get("/challenge_runner.py")
def runner_source():
    """Serve the stdlib-only test runner, read once at start-up."""
    response = make_response(current_app.extensions["challenge_runner_source"])
    response.mimetype = "text/x-python"
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/challenges/<question_id>/tests")
def challenge_tests(question_id: str):
    """Return a challenge's visible and hidden test sources, for the browser to run."""
    question = find_challenge(question_id[:200])
    if question is None:
        abort(404, _("There is no code challenge with that id."))
    challenge = question.challenge
    response = jsonify(
        question_id=question.id,
        tests=challenge.tests,
        hidden_tests=challenge.hidden_tests,
        names=list(challenge.all_test_names),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def challenge_strings() -> dict[str, str]:
    """Return the challenge UI's strings in the reader's language ({name} marks a value)."""
    return {
        "editor": _("Your code (Esc then Tab leaves the editor)"),
        "run": _("Run tests"),
        "stop": _("Stop"),
        "reset": _("Reset to the starter code"),
        "loading": _("Starting Python in your browser…"),
        "ready": _("Python is ready. Edit the code and press Run tests."),
        "running": _("Running the tests…"),
        "summary": _("{passed} of {total} tests pass."),
        "allPass": _("Every test passes. Press Check answer to send your result."),
        "stopped": _("Stopped: the Python worker was ended and a fresh one started."),
        "timedOut": _("Stopped after {seconds} s: the tests may run at most that long."),
        "missing": _(
            "Python for the challenges is not installed on this server ({command}). You can skip it."
        ),
        "failed": _("Python could not start in this browser: {message}"),
        "pass": _("passed"),
        "fail": _("failed"),
        "hidden": _("hidden test"),
        "output": _("Printed output"),
        "restored": _("Your edits from last time are restored; Reset brings back the starter code."),
        "fetchFailed": _("The tests could not be loaded: {message}"),
    }


def challenge_config(question: Question) -> dict | None:
    """Return what the challenge script needs on a full page (and allow WebAssembly there).

    None when the question is rendered into a JSON answer (the quiz's next question):
    that page has neither the script nor the CSP, so it links to the full page instead.
    """
    if wants_json():
        return None
    g.csp_script_extra = WASM
    found = find_runtime(current_app)
    urls = found.urls()
    challenge = question.challenge
    return {
        "questionId": question.id,
        "starter": challenge.starter if challenge else "",
        "total": len(challenge.all_test_names) if challenge else 0,
        "worker": url_for("playground.worker_script"),
        "index": urls["index"],
        "lock": urls["lock"],
        "runtime": url_for("playground.runtime_source"),
        "runner": url_for("playground.runner_source"),
        "tests": url_for("playground.challenge_tests", question_id=question.id),
        "installed": found.installed,
        "installCommand": INSTALL_COMMAND,
        "entry": ENTRY,
        "strings": challenge_strings(),
    }


def challenge_page(question: Question) -> str:
    """Return the URL of the quiz page that holds ``question`` (its full page, with the editor)."""
    quiz = current_app.extensions["content"].get().quizzes.get(question.quiz_id)
    if quiz is None:
        return url_for("main.index")
    return url_for("learn.quiz_page", topic=quiz.topic)


@functools.lru_cache(maxsize=64)
def highlighted(code: str) -> Markup:
    """Return ``code`` highlighted like the course's listings (once per process per source)."""
    return Markup(highlight_python(code))  # noqa: S704  Pygments escapes the code


def skip_report(question: Question) -> dict:
    """Return the honest zero-credit report of a challenge the learner did not run."""
    challenge = question.challenge
    return {"passed": [], "total": len(challenge.all_test_names) if challenge else 0}


def init_challenges(app: Flask) -> None:
    """Read the runner's source once and add the template helpers."""
    app.extensions["challenge_runner_source"] = RUNNER.read_text(encoding="utf-8")
    app.add_template_global(challenge_config)
    app.add_template_global(challenge_page)
    app.add_template_global(skip_report)
    app.add_template_global(highlighted, "highlighted_python")
