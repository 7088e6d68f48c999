"""Validation: every class of content error, with its exact message and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.catalog import build_catalog
from app.content.model import Problem
from app.content.yamlfile import YAMLProblem
from app.content.yamlfile import load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "content"
BROKEN = "tests/fixtures/content/broken"
DEMOS = {"routing.demo_match": "/topics/routing/demo/match"}


@pytest.fixture(scope="module")
def problems() -> tuple[Problem, ...]:
    """Return the problems of the broken fixture course."""
    catalog = build_catalog(FIXTURES / "broken" / "lessons", FIXTURES / "broken" / "quizzes", demos=DEMOS)
    return catalog.problems


EXPECTED = [
    # a cycle in prerequisites, reported once at the first lesson's prerequisites line
    ("lessons/hooks/01-cycle-a.en.md", 7, "prerequisite cycle: cycle-a → cycle-b → cycle-a"),
    # a duplicate slug
    (
        "lessons/intro/02-dup-again.en.md",
        3,
        f"duplicate slug 'dup' (also {BROKEN}/lessons/intro/01-dup.en.md)",
    ),
    # an unknown topic
    (
        "lessons/intro/03-bad-topic.en.md",
        4,
        "unknown topic 'nope'; use one of intro, config, routing, views, templating, hooks, context, "
        "sessions, flash, blueprints, signals, middleware, websockets, forms, database, ecosystem",
    ),
    # a lesson missing its other-language twin
    (
        "lessons/config/01-configuration.en.md",
        None,
        f"lesson 'configuration' has no zh version (expected {BROKEN}/lessons/config/01-configuration.zh.md)",
    ),
    # twins disagreeing on a shared key
    (
        "lessons/routing/01-routing.zh.md",
        8,
        f"minutes is 9 here but 12 in {BROKEN}/lessons/routing/01-routing.en.md",
    ),
    # unknown demo endpoint and quiz id in front matter
    ("lessons/routing/01-routing.en.md", 9, "unknown demo endpoint 'routing.demo_nope'"),
    ("lessons/routing/01-routing.en.md", 10, "unknown quiz 'nope'"),
    # a # heading
    (
        "lessons/routing/01-routing.en.md",
        13,
        "write no # heading: the front matter's title is the page's <h1>",
    ),
    # links to a missing lesson, demo, or heading
    ("lessons/routing/01-routing.en.md", 15, "link to unknown lesson 'missing'"),
    ("lessons/routing/01-routing.en.md", 16, "link to unknown demo endpoint 'routing.nothing'"),
    (
        "lessons/routing/01-routing.zh.md",
        16,
        "link to dup#no-such-heading: the zh version of 'dup' has no heading with id 'no-such-heading' "
        "(give one with ## Title {#no-such-heading})",
    ),
    # a Python block that does not compile (the illustrative one is not compiled)
    ("lessons/routing/01-routing.en.md", 19, "Python block does not compile: invalid syntax"),
    ("lessons/routing/01-routing.en.md", 29, "`# illustrative:` needs a reason after the colon"),
    # bad front matter keys and types
    ("lessons/views/01-views.en.md", 1, "front matter: missing key 'summary'"),
    ("lessons/views/01-views.en.md", 5, "order must be a whole number of at least 1, not 'one'"),
    (
        "lessons/views/01-views.en.md",
        7,
        "front matter: unknown key 'author' (known keys: title, slug, topic, order, summary, minutes, "
        "prerequisites, demos, quiz, verified_with)",
    ),
    # unreadable YAML, in front matter and in a quiz, with its line
    (
        "lessons/templating/01-templates.en.md",
        3,
        "front matter: invalid YAML: did not find expected ',' or ']'",
    ),
    ("quizzes/hooks.yaml", 6, "invalid YAML: did not find expected ',' or ']'"),
    # malformed questions
    ("quizzes/routing.yaml", 13, "question bad-answer: answer 'e' is not one of the choices (a, b)"),
    ("quizzes/routing.yaml", 20, "question missing-zh: prompt: missing zh text"),
    ("quizzes/routing.yaml", 26, "question bad-difficulty: difficulty must be 1, 2 or 3, not 5"),
    (
        "quizzes/routing.yaml",
        31,
        "question bad-type: unknown type 'essay'; use one of single_choice, multiple_choice, true_false, "
        "short_answer, code_output, ordering, flashcard, code_challenge",
    ),
    (
        "quizzes/routing.yaml",
        41,
        "question bad-regex: pattern is not a valid regular expression: "
        "unterminated character set at position 1",
    ),
    # a duplicate question id across quizzes
    ("quizzes/routing.yaml", 43, f"duplicate question id 'shared-id' (also {BROKEN}/quizzes/intro.yaml:5)"),
    (
        "quizzes/routing.yaml",
        45,
        "question shared-id: source must be seed-q01 … seed-q60 or 'original', not 'seed-q99'",
    ),
    ("quizzes/routing.yaml", 49, "question shared-id: unknown key 'hint' for a true_false question"),
    # diagram blocks in a lesson
    (
        "lessons/signals/01-diagrams.en.md",
        14,
        "diagram 'bare' needs a caption: indent its text alternative under the !!! diagram line",
    ),
    (
        "lessons/signals/01-diagrams.en.md",
        16,
        f"unknown diagram 'missing': there is no {BROKEN}/lessons/signals/diagrams/missing.svg",
    ),
    (
        "lessons/signals/01-diagrams.en.md",
        19,
        "diagram 'scripted' cannot be shown: see the problems of "
        f"{BROKEN}/lessons/signals/diagrams/scripted.svg",
    ),
    ("lessons/signals/01-diagrams.en.md", 22, "diagram 'good' is shown twice in this text"),
    (
        "lessons/signals/01-diagrams.en.md",
        25,
        'a diagram block needs the diagram\'s name: !!! diagram "request-lifecycle"',
    ),
    (
        "lessons/signals/01-diagrams.zh.md",
        None,
        "diagram 'good' is shown in the en version but not in this one",
    ),
    # changed boxes: unknown package, no such release, newer than the course, no version
    (
        "lessons/signals/01-diagrams.en.md",
        28,
        "unknown package 'Flsk' in a changed box; use one of Flask, Werkzeug, Jinja2, MarkupSafe, "
        "itsdangerous, click, blinker, SQLAlchemy, Flask-SQLAlchemy, Flask-Session, Flask-WTF, WTForms, "
        "Flask-Migrate, "
        "Flask-Login, flask-sock, DBUtils, Tornado, redis-py, Python",
    ),
    ("lessons/signals/01-diagrams.en.md", 31, "Flask 2.7 is not a release of Flask (known: 0.1 … 3.1)"),
    (
        "lessons/signals/01-diagrams.en.md",
        34,
        "Flask 3.1.9 is newer than the Flask the course is verified with (3.1.3)",
    ),
    (
        "lessons/signals/01-diagrams.en.md",
        37,
        "cannot read a version in 'Correction': write the version first, e.g. "
        '!!! changed "Flask 2.3: title" or "Werkzeug 2.2" (a correction that no release made is a '
        "!!! correction box)",
    ),
    (
        "lessons/signals/01-diagrams.en.md",
        40,
        "a changed box needs the version it describes: write the version first, e.g. "
        '!!! changed "Flask 2.3: title" or "Werkzeug 2.2"',
    ),
    # diagram files: unused, not XML, DOCTYPE, not SVG
    ("lessons/signals/diagrams/unused.svg", None, "diagram 'unused' is not shown by any lesson"),
    ("lessons/signals/diagrams/doctype.svg", None, "diagram 'doctype' is not shown by any lesson"),
    ("lessons/signals/diagrams/doctype.svg", 2, "a DOCTYPE or entity declaration is not allowed"),
    ("lessons/signals/diagrams/not-xml.svg", None, "diagram 'not-xml' is not shown by any lesson"),
    ("lessons/signals/diagrams/not-xml.svg", 4, "not well-formed XML: mismatched tag"),
    ("lessons/signals/diagrams/notes.txt", None, "only .svg files belong in a diagrams folder"),
    # everything a diagram may not contain, each on its own line
    ("lessons/signals/diagrams/scripted.svg", 1, "<svg> needs a viewBox so the diagram scales with the page"),
    (
        "lessons/signals/diagrams/scripted.svg",
        1,
        'no <title> for zh: add <title lang="zh">…</title> as a child of <svg>',
    ),
    ("lessons/signals/diagrams/scripted.svg", 5, "element <script> is not allowed in a diagram"),
    ("lessons/signals/diagrams/scripted.svg", 6, "event handler attribute 'onclick' is not allowed"),
    (
        "lessons/signals/diagrams/scripted.svg",
        7,
        "style attribute is not allowed (the CSP forbids inline styles); "
        "use presentation attributes such as fill or stroke",
    ),
    ("lessons/signals/diagrams/scripted.svg", 8, "element <use> is not allowed in a diagram"),
    (
        "lessons/signals/diagrams/scripted.svg",
        9,
        "'xlink:href' is not allowed: a diagram may not refer to anything outside itself",
    ),
    (
        "lessons/signals/diagrams/scripted.svg",
        10,
        "fill='url(https://example.com/p.svg#g)' refers outside the diagram; only url(#id) is allowed",
    ),
    (
        "lessons/signals/diagrams/scripted.svg",
        11,
        "hard-coded colour fill='#000000': use currentColor or none so the diagram follows the theme",
    ),
    (
        "lessons/signals/diagrams/scripted.svg",
        11,
        "hard-coded colour stroke='white': use currentColor or none so the diagram follows the theme",
    ),
    (
        "lessons/signals/diagrams/scripted.svg",
        12,
        "a label in Chinese: labels are shared by both languages; put prose in <title>/<desc> and the "
        "lesson's caption",
    ),
    ("lessons/signals/diagrams/scripted.svg", 13, "element <foreignObject> is not allowed in a diagram"),
    ("lessons/signals/diagrams/scripted.svg", 14, "attribute 'data-x' is not allowed on <rect>"),
    # code challenges: a missing field, code that does not compile, tests that are not tests,
    # an import the browser lacks, a test name used twice, a solution that changes nothing
    ("quizzes/views.yaml", 5, "question ch-no-solution: missing key 'solution'"),
    ("quizzes/views.yaml", 24, "question ch-starter-syntax: starter does not compile: invalid syntax"),
    ("quizzes/views.yaml", 42, "question ch-no-tests: tests define no test function (def test_…():)"),
    (
        "quizzes/views.yaml",
        57,
        "question ch-test-arguments: tests: test_x takes no arguments (there are no pytest fixtures; "
        "build the test client inside the test)",
    ),
    (
        "quizzes/views.yaml",
        70,
        "question ch-foreign-import: solution imports 'requests', which the browser does not have "
        "(use Flask, its dependencies and the standard library)",
    ),
    ("quizzes/views.yaml", 89, "question ch-hidden-twice: hidden_tests: test_x is defined twice"),
    (
        "quizzes/views.yaml",
        101,
        "question ch-solution-is-starter: the solution is the starter code unchanged",
    ),
    ("quizzes/views.yaml", 108, "question ch-prompt-not-task: missing key 'task'"),
    (
        "quizzes/views.yaml",
        112,
        "question ch-prompt-not-task: unknown key 'prompt' for a code_challenge question",
    ),
]


@pytest.mark.parametrize(
    ("path", "line", "message"), EXPECTED, ids=[f"{e[0]}:{e[1]}:{e[2][:30]}" for e in EXPECTED]
)
def test_each_error_is_reported_with_its_line(problems, path, line, message):
    assert Problem(f"{BROKEN}/{path}", line, message) in problems, "\n".join(map(str, problems))


def test_nothing_else_is_reported(problems):
    expected = {Problem(f"{BROKEN}/{path}", line, message) for path, line, message in EXPECTED}
    # Twins repeat their file's problems in the other language.
    twins = set()
    for p in expected:
        for mine, theirs in (("en", "zh"), ("zh", "en")):
            path = p.path.replace(f".{mine}.md", f".{theirs}.md")
            twins.add(Problem(path, p.line, p.message.replace(f"{mine} version", f"{theirs} version")))
    extra = [p for p in problems if p not in expected | twins]
    assert extra == []


def test_illustrative_blocks_are_not_compiled(problems):
    assert not any(p.line == 24 for p in problems if p.path.endswith("01-routing.en.md"))


def test_problems_print_as_path_line_message(problems):
    printed = [str(p) for p in problems]
    assert f"{BROKEN}/lessons/routing/01-routing.en.md:10: unknown quiz 'nope'" in printed
    assert (
        f"{BROKEN}/lessons/config/01-configuration.en.md: lesson 'configuration' has no zh version"
        in "\n".join(printed)
    )


def test_broken_files_still_leave_a_usable_catalog():
    catalog = build_catalog(FIXTURES / "broken" / "lessons", FIXTURES / "broken" / "quizzes", demos=DEMOS)
    assert "routing" in catalog.lessons and "configuration" in catalog.lessons
    assert "lost" not in catalog.lessons  # its topic is unknown
    assert "templates" not in catalog.lessons  # its front matter is not YAML
    # a challenge with a prompt instead of a task is still usable; broken code never is
    assert set(catalog.questions) == {"shared-id", "missing-zh", "bad-difficulty", "ch-prompt-not-task"}
    assert catalog.questions["shared-id"].quiz_id == "intro"
    assert catalog.lessons["configuration"].text("zh")[1] is True  # falls back to English


def test_yaml_loader_records_lines_of_keys_and_items():
    data = load_yaml("a: 1\nb:\n  - x\n  - {c: 2}\na: 3\n", offset=10)
    assert data == {"a": 3, "b": ["x", {"c": 2}]}
    assert data.key_lines == {"a": 15, "b": 12}
    assert data["b"].item_lines == [13, 14]
    assert data["b"][1].line_of("c") == 14
    assert data.duplicates == [("a", 15)]


def test_yaml_loader_refuses_unsafe_tags_with_a_line():
    with pytest.raises(YAMLProblem) as info:
        load_yaml("a: 1\nb: !!python/object:os.system x\n")
    assert info.value.line == 2


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def content(app_settings):
    """Point the app at a fixture course: call the returned function before using ``app``."""

    def use(name: str) -> None:
        app_settings.update(
            LESSONS_DIR=str(FIXTURES / name / "lessons"), QUIZZES_DIR=str(FIXTURES / name / "quizzes")
        )

    return use


def add_demo_route(app) -> None:
    """Give the app the demo endpoint the fixtures link to, if it has none yet."""
    if "routing.demo_match" not in app.view_functions:
        app.add_url_rule("/fixture-demo/match", endpoint="routing.demo_match", view_func=lambda: "demo")


def test_content_check_prints_problems_and_exits_1(content, request):
    content("broken")
    app = request.getfixturevalue("app")
    add_demo_route(app)
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert (
        f"{BROKEN}/lessons/hooks/01-cycle-a.en.md:7: prerequisite cycle: cycle-a → cycle-b → cycle-a" in lines
    )
    assert lines[-1].startswith("13 lessons, 3 quizzes, 4 questions, ")
    errors = int(lines[-1].rsplit(", ", 1)[1].split()[0])
    assert errors == len(lines) - 1 >= len(EXPECTED)


def test_content_check_passes_on_valid_content(content, request):
    content("valid")
    app = request.getfixturevalue("app")
    add_demo_route(app)
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.output == "4 lessons, 2 quizzes, 8 questions, 0 errors\n"
    assert result.exit_code == 0
