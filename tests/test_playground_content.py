"""Playground blocks in lessons and quiz texts: checked by `content check`, rendered, and run in CPython."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.content.lessons import read_lesson
from app.content.playground import parse
from app.content.quizzes import read_quiz
from app.content.render import render_markdown
from app.content.snippets import iter_code_blocks
from app.playground.runtime import check_expectations
from app.playground.runtime import run

ROOT = Path(__file__).resolve().parent.parent
TOPICS_WITH_PLAYGROUNDS = (
    "routing", "views", "templating", "hooks", "context", "sessions",
    "flash", "blueprints", "signals", "middleware", "config", "forms",
)  # fmt: skip
FRONT = "---\ntitle: T\nslug: t\ntopic: hooks\norder: 1\nsummary: S\nminutes: 1\n---\n"


def playgrounds() -> list[tuple[str, int, str]]:
    """Return (lesson path, line, block text) of every playground in the course."""
    found = []
    for path in sorted((ROOT / "lessons").rglob("*.md")):
        for block in iter_code_blocks(path.read_text(encoding="utf-8")):
            if block.lang == "flask-playground":
                found.append((str(path.relative_to(ROOT)), block.line, block.code))
    return found


def quiz_playgrounds() -> list[tuple[str, str, str]]:
    """Return (quiz path, question id and text, block text) of every playground in a quiz text."""
    found = []
    for path in sorted((ROOT / "quizzes").glob("*.yaml")):
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            for key in ("prompt", "explanation"):
                for lang, text in (question.get(key) or {}).items():
                    for block in iter_code_blocks(text):
                        if block.lang == "flask-playground":
                            where = f"{question['id']}.{key}.{lang}"
                            found.append((str(path.relative_to(ROOT)), where, block.code))
    return found


ALL = playgrounds()
QUIZ_PLAYGROUNDS = quiz_playgrounds()
QUIZ = """\
id: hooks
topic: hooks
title: {en: "Hooks", zh: "钩子"}
questions:
  - id: hooks-x
    type: true_false
    source: original
    difficulty: 1
    prompt: {en: "True?", zh: "对吗？"}
    answer: true
    explanation:
      en: |
        Try it.

        ```flask-playground
        requests:
          - path: /
            method: FETCH
        ---
        app = (
        ```
      zh: "试试。"
"""


def lesson_problems(tmp_path: Path, body: str) -> list[tuple[int | None, str]]:
    """Return the (line, message) problems `content check` reports for a lesson body."""
    path = tmp_path / "hooks" / "01-t.en.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT + body, encoding="utf-8")
    problems: list = []
    read_lesson(path, "lessons/hooks/01-t.en.md", ("hooks",), problems)
    return [(problem.line, problem.message) for problem in problems]


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("requests: [\n---\nx = 1", 12, "playground header is not valid YAML"),
        ("- just a list\n---\nx = 1", 12, "playground header must be a mapping"),
        ("colour: red\n---\nx = 1", 12, "unknown key 'colour'"),
        ("requests:\n  - path: nowhere\n---\nx = 1", 12, "path must start with /"),
        ("requests:\n  - path: /\n    method: FETCH\n---\nx = 1", 12, "unknown method 'FETCH'"),
        (
            "requests:\n  - path: /\n    form: {a: 1}\n    json: {}\n---\nx = 1",
            12,
            "give one of form, json or body",
        ),
        (
            "requests:\n  - path: /\n    expect: {status: 999}\n---\nx = 1",
            12,
            "expect.status must be an HTTP status",
        ),
        ("requests:\n  - path: /\n    expect: {body: x}\n---\nx = 1", 12, "expect must be a mapping"),
        ("requests: []\n---\ndef broken(:\n    pass", 14, "playground code does not compile"),
        ("title: Empty\n---\n", 14, "playground has no code"),
    ],
)
def test_content_check_reports_bad_blocks(tmp_path, block, line, message):
    body = f"# T\n\n```flask-playground\n{block}\n```\n"
    problems = lesson_problems(tmp_path, body)
    assert any(found_line == line and message in text for found_line, text in problems), problems


def test_a_good_block_passes_content_check(tmp_path):
    body = (
        "# T\n\n```flask-playground\nrequests:\n  - path: /\n---\n"
        "from flask import Flask\napp = Flask(__name__)\n```\n"
    )
    assert lesson_problems(tmp_path, body) == []


def test_content_check_reports_a_bad_playground_in_a_quiz_text_at_its_line(tmp_path):
    path = tmp_path / "hooks.yaml"
    path.write_text(QUIZ, encoding="utf-8")
    problems: list = []
    read_quiz(path, "quizzes/hooks.yaml", ("hooks",), lambda text, line, lang, inline: text, problems)
    found = {(problem.line, problem.message) for problem in problems}
    assert (16, "question hooks-x: playground request 1: unknown method 'FETCH'") in found
    assert any(line == 20 and "playground code does not compile" in text for line, text in found), found


def test_block_renders_code_presets_and_run_button():
    text = "```flask-playground\ntitle: Hi\nrequests:\n  - path: /\n---\nx = '<b>'\n```\n"
    html = render_markdown(text).html
    assert "data-playground" in html
    assert 'data-code="x = &#x27;&lt;b&gt;&#x27;"' in html
    assert "&quot;path&quot;: &quot;/&quot;" in html
    assert "<strong>Hi</strong>" in html and "data-playground-run" in html


def test_every_topic_has_a_playground_in_both_languages():
    found = {(Path(path).parts[1], Path(path).name.split(".")[-2]) for path, _, _ in ALL}
    for topic in TOPICS_WITH_PLAYGROUNDS:
        assert (topic, "en") in found and (topic, "zh") in found, topic


@pytest.mark.parametrize(("path", "line", "text"), ALL, ids=[f"{p}:{n}" for p, n, _ in ALL])
def test_playground_runs_and_meets_its_expectations(path, line, text):
    block = parse(text)
    assert block.problems == ()
    assert block.requests, "a playground needs preset requests to check"
    result = run(block.code, list(block.requests))
    assert result["error"] is None, result["error"]
    assert check_expectations(result, list(block.requests)) == []
    for response in result["responses"]:
        kinds = [event["kind"] for event in response["xray"]["events"]]
        assert kinds[0] == "context" and "signal" in kinds


def test_runtime_replaces_app_run_and_points_at_the_learners_line():
    code = (
        "from flask import Flask\napp = Flask(__name__)\n\n"
        "@app.route('/')\ndef index():\n    return 1 / 0\n\napp.run()\n"
    )
    result = run(code, [{"path": "/"}])
    assert "app.run() starts a server" in result["output"]
    response = result["responses"][0]
    assert response["status"] == 500
    assert response["error"]["line"] == 6
    assert 'File "app.py", line 6, in index' in response["error"]["text"]
    assert "ZeroDivisionError" in response["error"]["text"]


def test_runtime_records_a_new_hook_in_the_xray():
    code = (
        "from flask import Flask, g, session\napp = Flask(__name__)\napp.secret_key = 'k'\n"
        "@app.before_request\ndef mine():\n    g.who = 'me'\n"
        "@app.route('/')\ndef index():\n    session['n'] = 1\n    return 'ok'\n"
    )
    trace = run(code, [{"path": "/"}])["responses"][0]["xray"]
    names = [(event["kind"], event["name"]) for event in trace["events"]]
    assert names.index(("signal", "request_started")) < names.index(("hook", "before_request"))
    assert names.index(("hook", "before_request")) < names.index(("view", "index"))
    assert trace["g"] == {"who": "'me'"} and trace["session"] == {"n": "1"}
    assert trace["rule"] == "/" and trace["endpoint"] == "index"


def test_runtime_keeps_cookies_between_requests_and_limits_output():
    code = (
        "from flask import Flask, session\napp = Flask(__name__)\napp.secret_key = 'k'\n"
        "@app.route('/')\ndef index():\n    print('x' * 100_000)\n"
        "    session['n'] = session.get('n', 0) + 1\n"
        "    return str(session['n'])\n"
    )
    result = run(code, [{"path": "/"}, {"path": "/"}])
    assert [r["body"] for r in result["responses"]] == ["1", "2"]
    assert "session" in result["responses"][1]["cookies"]
    assert len(result["responses"][0]["output"]) < 70_000
    assert "output cut" in result["responses"][0]["output"]


def test_code_without_an_app_is_explained():
    result = run("x = 1\n", [{"path": "/"}])
    assert result["ok"] is False
    assert "made no Flask app" in result["error"]["text"]


def test_the_course_has_a_quiz_playground_in_both_languages():
    langs = {where.rsplit(".", 1)[1] for _, where, _ in QUIZ_PLAYGROUNDS}
    assert langs == {"en", "zh"}


@pytest.mark.parametrize(("path", "where", "text"), QUIZ_PLAYGROUNDS, ids=[w for _, w, _ in QUIZ_PLAYGROUNDS])
def test_quiz_playground_runs_and_meets_its_expectations(path, where, text):
    block = parse(text)
    assert block.problems == ()
    assert block.requests, "a playground needs preset requests to check"
    result = run(block.code, list(block.requests))
    assert len(result["responses"]) == len(block.requests)
    assert check_expectations(result, list(block.requests)) == []
