"""Reading quiz files: every question checked against its type, its texts rendered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.content.challenges import read_code_challenge
from app.content.folding import fold
from app.content.lessons import Reporter
from app.content.lessons import compile_error
from app.content.model import LANGUAGES
from app.content.model import QUESTION_TYPES
from app.content.model import Choice
from app.content.model import Problem
from app.content.model import Question
from app.content.model import Quiz
from app.content.model import frozen_map
from app.content.playground import FENCE as PLAYGROUND_FENCE
from app.content.playground import parse as parse_playground
from app.content.snippets import iter_code_blocks
from app.content.yamlfile import LineDict
from app.content.yamlfile import LineList
from app.content.yamlfile import YAMLProblem
from app.content.yamlfile import load_yaml

#: (Markdown, line, language, inline) → HTML; records the links it meets. A renderer that
#: names playgrounds also offers ``render.owned(question_id, key)``: the same, for that text.
RenderText = Callable[[str, int, str, bool], str]

QUESTION_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
CHOICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SEED = re.compile(r"^seed-q(0[1-9]|[1-5][0-9]|60)$")

QUIZ_KEYS = ("id", "topic", "title", "questions")
COMMON_KEYS = ("id", "type", "source", "tags", "difficulty", "prompt", "explanation")
REQUIRED_COMMON = ("id", "type", "source", "difficulty", "prompt", "explanation")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single_choice": ("choices", "answer"),
    "multiple_choice": ("choices", "answer"),
    "true_false": ("answer",),
    "short_answer": ("accept", "pattern"),
    "code_output": ("code", "accept", "pattern"),
    "ordering": ("items",),
    "flashcard": ("answer", "key_points"),
    "code_challenge": ("task", "starter", "solution", "tests", "hidden_tests"),
}
#: The key of a question's main text: a code challenge states a task instead of a prompt.
PROMPT_KEY: dict[str, str] = {"code_challenge": "task"}


class Invalid(Exception):
    """Raised inside question parsing when a question cannot be graded as written."""


def read_quiz(
    path: Path, rel: str, topics: tuple[str, ...], render: RenderText, problems: list[Problem]
) -> Quiz | None:
    """Read and check one quiz file; return None when it cannot be used at all."""
    report = Reporter(rel, problems)
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        report(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    try:
        data = load_yaml(text)
    except YAMLProblem as exc:
        report(exc.line, exc.message)
        return None
    if not isinstance(data, LineDict):
        report(1, "a quiz file must be a mapping with id, topic, title and questions")
        return None
    for key, line in data.duplicates:
        report(line, f"duplicate key {key!r}")
    for key in data:
        if key not in QUIZ_KEYS:
            report(data.line_of(key), f"unknown key {key!r} (a quiz has {', '.join(QUIZ_KEYS)})")
    for key in QUIZ_KEYS:
        if key not in data:
            report(1, f"missing key {key!r}")
    stem = path.name.rsplit(".", 1)[0]
    quiz_id = data.get("id")
    if not isinstance(quiz_id, str) or quiz_id != stem:
        if "id" in data:
            report(data.line_of("id"), f"id must be the file's name, {stem!r}, not {quiz_id!r}")
        quiz_id = stem
    topic = data.get("topic")
    if topic not in topics:
        if "topic" in data:
            report(data.line_of("topic"), f"unknown topic {topic!r}; use one of {', '.join(topics)}")
        return None
    title = texts(data, "title", report)
    questions = []
    items = data.get("questions")
    if not isinstance(items, LineList) or not items:
        if "questions" in data:
            report(data.line_of("questions"), "questions must be a non-empty list")
        items = LineList()
    for index, item in enumerate(items):
        line = items.line_of(index)
        if not isinstance(item, LineDict):
            report(line, "a question must be a mapping with id, type, prompt, …")
            continue
        try:
            questions.append(read_question(item, quiz_id, rel, render, report))
        except Invalid:
            continue
    return Quiz(id=quiz_id, topic=topic, title=frozen_map(title), questions=tuple(questions), path=rel)


def texts(data: LineDict, key: str, report: Reporter, label: str = "") -> dict[str, str]:
    """Return the ``{en, zh}`` texts under ``key``, reporting a missing or empty language."""
    key_name = f"{label}: {key}" if label else key
    value = data.get(key)
    if not isinstance(value, LineDict):
        if key in data:
            report(data.line_of(key), f"{key_name} must be a mapping with en and zh texts")
        return {}
    rv = {}
    for lang in value:
        if lang not in LANGUAGES:
            report(
                value.line_of(lang), f"{key_name}: unknown language {lang!r}; use {' and '.join(LANGUAGES)}"
            )
    for lang in LANGUAGES:
        text = value.get(lang)
        if isinstance(text, str) and text.strip():
            rv[lang] = text
        elif lang in value:
            report(value.line_of(lang), f"{key_name}: the {lang} text must be non-empty text")
        else:
            report(value.line, f"{key_name}: missing {lang} text")
    return rv


def rendered(data: LineDict, key: str, label: str, report: Reporter, render: RenderText) -> dict:
    """Return the ``{en, zh}`` Markdown texts under ``key`` rendered to HTML.

    A ```` ```flask-playground ```` block in them is checked as in a lesson.
    """
    value = data.get(key)
    lines = value if isinstance(value, LineDict) else LineDict()
    owned = getattr(render, "owned", None)
    render_text = owned(data.get("id"), key) if owned else render
    rv = {}
    for lang, text in texts(data, key, report, label).items():
        line = lines.line_of(lang) or data.line_of(key)
        check_playgrounds(text, line, label, report)
        rv[lang] = render_text(text, line, lang, False)
    return rv


def check_playgrounds(text: str, line: int, label: str, report: Reporter) -> None:
    """Report the problems of the playground blocks in a text that starts below ``line`` (a ``|`` block)."""
    first = line + 1 if "\n" in text.strip() or text.endswith("\n") else line
    for block in iter_code_blocks(text, first):
        if block.lang == PLAYGROUND_FENCE:
            for offset, message in parse_playground(block.code).problems:
                report(block.line + offset - 1, f"{label}: {message}")


def read_question(data: LineDict, quiz_id: str, rel: str, render: RenderText, report: Reporter) -> Question:
    """Build one question, or raise ``Invalid`` when it cannot be graded."""
    line = data.line
    for key, key_line in data.duplicates:
        report(key_line, f"duplicate key {key!r}")
    question_id = data.get("id")
    if not isinstance(question_id, str) or not QUESTION_ID.match(question_id):
        report(
            data.line_of("id"),
            f"question id must be lowercase letters, digits and dashes, not {question_id!r}",
        )
        raise Invalid
    label = f"question {question_id}"
    qtype = data.get("type")
    if qtype not in QUESTION_TYPES:
        report(
            data.line_of("type"), f"{label}: unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}"
        )
        raise Invalid
    prompt_key = PROMPT_KEY.get(qtype, "prompt")
    common = tuple(key for key in COMMON_KEYS if key != "prompt" or prompt_key == "prompt")
    allowed = common + TYPE_KEYS[qtype]
    for key in data:
        if key not in allowed:
            hint = (
                " (list the items in the right order instead)"
                if qtype == "ordering" and key == "answer"
                else ""
            )
            report(data.line_of(key), f"{label}: unknown key {key!r} for a {qtype} question{hint}")
    for key in REQUIRED_COMMON:
        key = prompt_key if key == "prompt" else key
        if key not in data:
            report(line, f"{label}: missing key {key!r}")
    source = data.get("source")
    if source is not None and not (source == "original" or (isinstance(source, str) and SEED.match(source))):
        report(
            data.line_of("source"),
            f"{label}: source must be seed-q01 … seed-q60 or 'original', not {source!r}",
        )
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        report(data.line_of("tags"), f"{label}: tags must be a list of words")
        tags = []
    difficulty = data.get("difficulty")
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 3:
        if "difficulty" in data:
            report(data.line_of("difficulty"), f"{label}: difficulty must be 1, 2 or 3, not {difficulty!r}")
        difficulty = 1
    fields: dict[str, Any] = {
        "id": question_id,
        "quiz_id": quiz_id,
        "type": qtype,
        "source": source if isinstance(source, str) else "",
        "tags": tuple(tags),
        "difficulty": difficulty,
        "prompt_html": frozen_map(rendered(data, prompt_key, label, report, render)),
        "explanation_html": frozen_map(rendered(data, "explanation", label, report, render)),
        "path": rel,
        "line": line,
    }
    fields.update(TYPE_READERS[qtype](data, label, report, render))
    return Question(**fields)


def read_choices(
    data: LineDict, key: str, label: str, report: Reporter, render: RenderText
) -> tuple[Choice, ...]:
    """Return the choices (or ordering items) under ``key``: at least two, ids unique."""
    items = data.get(key)
    if not isinstance(items, LineList) or len(items) < 2:
        report(data.line_of(key), f"{label}: {key} must be a list of at least two {{id, en, zh}} entries")
        raise Invalid
    rv: list[Choice] = []
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if not isinstance(item, LineDict):
            report(item_line, f"{label}: each entry of {key} must be a mapping {{id, en, zh}}")
            raise Invalid
        choice_id = item.get("id")
        if isinstance(choice_id, int) and not isinstance(choice_id, bool):
            choice_id = str(choice_id)
        if not isinstance(choice_id, str) or not CHOICE_ID.match(choice_id):
            report(item.line_of("id"), f"{label}: {key} entry needs an id of letters, digits, - or _")
            raise Invalid
        if any(choice.id == choice_id for choice in rv):
            report(item.line_of("id"), f"{label}: duplicate id {choice_id!r} in {key}")
            raise Invalid
        for extra in item:
            if extra not in ("id", *LANGUAGES):
                report(item.line_of(extra), f"{label}: unknown key {extra!r} in {key} (use id, en, zh)")
        html = {}
        for lang in LANGUAGES:
            text = item.get(lang)
            if isinstance(text, int | float) and not isinstance(text, bool):
                text = str(text)
            if isinstance(text, str) and text.strip():
                html[lang] = render(text, item.line_of(lang), lang, True)
            else:
                report(item.line_of(lang), f"{label}: {key} entry {choice_id!r} is missing its {lang} text")
        rv.append(Choice(choice_id, frozen_map(html)))
    return tuple(rv)


def choice_id_of(value: object) -> str | None:
    """Return ``value`` as a choice id string (YAML may give an int)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def read_single_choice(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read choices and the one right choice id."""
    choices = read_choices(data, "choices", label, report, render)
    ids = [choice.id for choice in choices]
    answer = choice_id_of(data.get("answer"))
    if answer not in ids:
        report(
            data.line_of("answer"),
            f"{label}: answer {data.get('answer')!r} is not one of the choices ({', '.join(ids)})",
        )
        raise Invalid
    return {"choices": choices, "answer": answer}


def read_multiple_choice(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read choices and the list of right choice ids."""
    choices = read_choices(data, "choices", label, report, render)
    ids = [choice.id for choice in choices]
    raw = data.get("answer")
    if not isinstance(raw, list) or not raw:
        report(data.line_of("answer"), f"{label}: answer must be a non-empty list of choice ids")
        raise Invalid
    answer = [choice_id_of(item) for item in raw]
    unknown = [repr(item) for item, value in zip(raw, answer, strict=True) if value not in ids]
    if unknown:
        report(
            data.line_of("answer"),
            f"{label}: answer {', '.join(unknown)} is not one of the choices ({', '.join(ids)})",
        )
        raise Invalid
    if len(set(answer)) != len(answer):
        report(data.line_of("answer"), f"{label}: answer lists a choice twice")
        raise Invalid
    return {"choices": choices, "answer": tuple(answer)}


def read_true_false(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read the boolean answer."""
    answer = data.get("answer")
    if not isinstance(answer, bool):
        report(data.line_of("answer"), f"{label}: answer must be true or false, not {answer!r}")
        raise Invalid
    return {"answer": answer}


def read_accepted(data: LineDict, label: str, report: Reporter) -> dict:
    """Read ``accept`` and ``pattern``: at least one of them, the pattern a valid regex."""
    raw = data.get("accept", [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        report(data.line_of("accept"), f"{label}: accept must be a list of accepted answers")
        raise Invalid
    accept = []
    for index, item in enumerate(raw):
        item_line = raw.line_of(index) if isinstance(raw, LineList) else data.line_of("accept")
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not fold(item):
            report(item_line, f"{label}: accepted answer {item!r} must be non-empty text (quote it)")
            raise Invalid
        accept.append(item)
    pattern = data.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            report(data.line_of("pattern"), f"{label}: pattern must be a regular expression (text)")
            raise Invalid
        try:
            re.compile(pattern)
        except re.error as exc:
            report(data.line_of("pattern"), f"{label}: pattern is not a valid regular expression: {exc}")
            raise Invalid from None
    if not accept and pattern is None:
        report(data.line, f"{label}: give accept (a list of answers) or pattern (a regex), or both")
        raise Invalid
    return {"accept": tuple(accept), "pattern": pattern, "answer": tuple(accept)}


def read_short_answer(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read the accepted answers."""
    return read_accepted(data, label, report)


def read_code_output(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read the snippet (it must compile) and the accepted outputs."""
    code = data.get("code")
    if not isinstance(code, str) or not code.strip():
        report(data.line_of("code"), f"{label}: code must be a Python snippet")
        raise Invalid
    error = compile_error(code)
    if error is not None:
        offset, message = error
        start = data.line_of("code") + (1 if "\n" in code.strip() or code.endswith("\n") else 0)
        report(start + offset - 1, f"{label}: code does not compile: {message}")
        raise Invalid
    fields = read_accepted(data, label, report)
    fence = "```python\n" + code.rstrip("\n") + "\n```"
    fields.update(code=code, code_html=render(fence, data.line_of("code"), "en", False))
    return fields


def read_ordering(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read the items, listed in the right order."""
    items = read_choices(data, "items", label, report, render)
    return {"choices": items, "answer": tuple(item.id for item in items)}


def read_flashcard(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read the model answer and the key points."""
    model = rendered(data, "answer", label, report, render)
    if "answer" not in data:
        report(data.line, f"{label}: a flashcard needs answer: {{en, zh}}, the model answer")
    raw = data.get("answer")
    points: dict[str, tuple[str, ...]] = {}
    value = data.get("key_points")
    if value is not None:
        if not isinstance(value, LineDict):
            report(data.line_of("key_points"), f"{label}: key_points must be {{en: [...], zh: [...]}}")
        else:
            for lang in LANGUAGES:
                entries = value.get(lang)
                if not isinstance(entries, list) or not all(
                    isinstance(e, str) and e.strip() for e in entries
                ):
                    report(
                        value.line_of(lang), f"{label}: key_points: the {lang} entry must be a list of texts"
                    )
                    continue
                lines = entries if isinstance(entries, LineList) else LineList()
                points[lang] = tuple(
                    render(entry, lines.line_of(i) or value.line_of(lang), lang, True)
                    for i, entry in enumerate(entries)
                )
    answer = frozen_map({lang: raw[lang] for lang in model}) if isinstance(raw, dict) else frozen_map()
    return {"model_answer_html": frozen_map(model), "key_points": frozen_map(points), "answer": answer}


def read_challenge(data: LineDict, label: str, report: Reporter, render: RenderText) -> dict:
    """Read a code challenge (see ``app.content.challenges``)."""
    fields = read_code_challenge(data, label, report, render)
    if fields is None:
        raise Invalid
    return fields


TYPE_READERS: dict[str, Callable[[LineDict, str, Reporter, RenderText], dict]] = {
    "single_choice": read_single_choice,
    "multiple_choice": read_multiple_choice,
    "true_false": read_true_false,
    "short_answer": read_short_answer,
    "code_output": read_code_output,
    "ordering": read_ordering,
    "flashcard": read_flashcard,
    "code_challenge": read_challenge,
}
