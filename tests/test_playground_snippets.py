"""Lesson snippets the playground can run: chosen at catalog build, linked, and opened on their own page."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.content.playground import derive_requests
from app.content.playground import runs_in_browser
from app.content.render import Renderer
from app.content.render import count_words
from app.content.snippets import playground_snippets

ROOT = Path(__file__).resolve().parent.parent
APP = "from flask import Flask\napp = Flask(__name__)\n"
SNIPPET_PAGE = "/playground/request-hooks.en.s2"

# Runs in a child process: every snippet through the playground's runtime, one after another
# in one interpreter, as the browser's worker runs them. argv[1] is the job file.
CHILD = r"""
import json, sys
from app.playground.runtime import run
jobs = json.load(open(sys.argv[1], encoding="utf-8"))
results = {}
for job in jobs:
    result = run(job["code"], job["requests"], xray=False)
    results[job["id"]] = {"error": result["error"], "answered": len(result["responses"])}
print(json.dumps(results))
"""


@pytest.mark.parametrize(
    ("code", "runs"),
    [
        (APP, True),
        ("import flask\napp = flask.Flask('x')\nimport json, sqlite3\n", True),
        ("from werkzeug.routing import Map\nprint(Map())\n", False),  # no Flask app to send requests to
        (APP + "import sqlalchemy\n", False),  # not in the browser
        (APP + "import threading\n", False),  # imports, but no threads in a worker
        (APP + "from http.server import HTTPServer\n", False),
        (APP + "from http import HTTPStatus\n", True),
        ("def broken(:\n", False),
    ],
)
def test_which_code_the_browser_can_run(code, runs):
    assert runs_in_browser(code) is runs


def test_presets_are_the_literal_routes_else_the_root():
    code = (
        APP + "@app.route('/a')\ndef a(): ...\n"
        "@app.post('/b')\ndef b(): ...\n"
        "@app.route('/c', methods=['PUT', 'GET'])\ndef c(): ...\n"
        "@app.get('/u/<int:id>')\ndef u(id): ...\n"
        "@app.route('/a')\ndef again(): ...\n"
    )
    assert derive_requests(code) == (
        {"method": "GET", "path": "/a"},
        {"method": "POST", "path": "/b"},
        {"method": "PUT", "path": "/c"},
    )
    assert derive_requests(APP) == ({"method": "GET", "path": "/"},)


def test_a_grouped_snippet_opens_with_its_group_before_it():
    text = (
        "```python\n# group: g\n" + APP + "```\n\n"
        "```python\n# illustrative: shown only\n" + APP + "```\n\n"
        "```python\n# group: g\n@app.get('/hi')\ndef hi():\n    return 'hi'\n```\n\n"
        "```python\nimport sqlalchemy\n" + APP + "```\n"
    )
    snippets = playground_snippets(text)
    assert [s.number for s in snippets] == [1, 3]
    assert snippets[1].code.startswith(APP) and snippets[1].code.endswith("return 'hi'\n")
    assert snippets[1].shown.startswith("@app.get") and snippets[1].requests == (
        {"method": "GET", "path": "/hi"},
    )


def test_a_runnable_block_gets_a_link_and_its_own_playground():
    text = "Some words.\n\n```python\n" + APP + "```\n\n```python\nx = 1\n```\n"
    rendered = Renderer().render(text, "zh", owner="t.zh.", snippets=True)
    assert rendered.html.count("data-open-playground") == 1
    assert 'href="/playground/t.zh.s1"' in rendered.html and "在练习场中打开" in rendered.html
    (use,) = rendered.playgrounds
    assert (use.id, use.snippet, use.code) == ("t.zh.s1", True, APP)
    assert 'data-playground-id="t.zh.s1"' in use.html and "data-playground-run" in use.html
    # The link is not reading matter, and without an owner (the preview) there is none.
    assert count_words(rendered.html) == count_words(Renderer().render(text, "zh").html)
    assert "data-open-playground" not in Renderer().render(text, "zh").html


def test_every_runnable_snippet_of_the_course_has_its_link(app):
    catalog = app.extensions["content"].get()
    for slug, lesson in catalog.lessons.items():
        for lang, text in lesson.texts.items():
            path = ROOT / text.path
            expected = len(playground_snippets(path.read_text(encoding="utf-8")))
            assert text.html.count("data-open-playground") == expected, text.path
            for snippet in playground_snippets(path.read_text(encoding="utf-8")):
                assert f"{slug}.{lang}.s{snippet.number}" in catalog.playgrounds


def test_every_linked_snippet_loads_as_an_app_in_the_playground_runtime(app):
    snippets = [entry for entry in app.extensions["content"].get().playgrounds.values() if entry.snippet]
    assert len(snippets) > 100
    jobs = [{"id": e.id, "code": e.code, "requests": [dict(r) for r in e.requests]} for e in snippets]
    with tempfile.TemporaryDirectory(prefix="snippet-playgrounds-") as workdir:
        job = Path(workdir) / "jobs.json"
        job.write_text(json.dumps(jobs), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(job)],
            cwd=workdir,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    failed = {key: value["error"]["text"] for key, value in results.items() if value["error"]}
    assert failed == {}
    for entry in snippets:
        assert results[entry.id]["answered"] == len(entry.requests), entry.id


def test_a_snippet_opens_on_its_own_page(client):
    response = client.get(SNIPPET_PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-playground-id="request-hooks.en.s2"' in html and "js/playground/page.js" in html
    assert 'href="/topics/hooks/request-hooks"' in html
    assert "'wasm-unsafe-eval'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html


def test_a_lesson_links_its_snippets_without_loading_the_runtime(client):
    response = client.get("/topics/routing/url-converters")  # snippets, no playground block
    html = response.get_data(as_text=True)
    assert 'href="/playground/url-converters.en.s' in html and "data-open-playground" in html
    assert "wasm-unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert "js/playground/page.js" not in html


def test_a_quiz_playground_page_links_back_to_its_quiz(app, client):
    catalog = app.extensions["content"].get()
    (block_id,) = [
        k for k, e in catalog.playgrounds.items() if e.question == "hooks-after-return" and e.lang == "zh"
    ]
    html = client.get(f"/playground/{block_id}").get_data(as_text=True)
    assert 'href="/topics/hooks/quiz"' in html and "忘了 return 的 after_request 钩子" in html


@pytest.mark.parametrize("block_id", ["nope.en.s1", "request-hooks.en.s999", "x" * 500, "%00"])
def test_an_unknown_playground_is_a_404(client, block_id):
    response = client.get(f"/playground/{block_id}")
    assert response.status_code == 404
