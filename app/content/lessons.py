"""Reading lesson files: file names, front matter and Python blocks, each checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.model import LANGUAGES
from app.content.model import Problem
from app.content.playground import FENCE as PLAYGROUND_FENCE
from app.content.playground import compile_error
from app.content.playground import parse as parse_playground
from app.content.snippets import iter_code_blocks
from app.content.yamlfile import LineDict
from app.content.yamlfile import LineList
from app.content.yamlfile import YAMLProblem
from app.content.yamlfile import load_yaml

FILENAME = re.compile(r"^(?P<order>\d{2,})-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>[a-z]{2})\.md$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ENDPOINT = re.compile(r"^[A-Za-z_][\w.]*$")

REQUIRED_KEYS = ("title", "slug", "topic", "order", "summary", "minutes")
OPTIONAL_KEYS = ("prerequisites", "demos", "quiz", "verified_with")
#: Keys both language versions of a lesson must agree on.
SHARED_KEYS = ("slug", "topic", "order", "prerequisites", "minutes", "demos", "quiz", "verified_with")


@dataclass
class LessonFile:
    """One language version of a lesson as read from disk, before rendering."""

    path: str
    lang: str
    meta: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int

    def line_of(self, key: str) -> int:
        """Return the line of front-matter key ``key`` (or of the front matter)."""
        return self.lines.get(key, 1)


class Reporter:
    """Collect problems for one file."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def __call__(self, line: int | None, message: str) -> None:
        """Record ``message`` at ``line`` of this file."""
        self.problems.append(Problem(self.path, line, message))


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, first body line), or None when there is no front matter."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def read_lesson(path: Path, rel: str, topics: tuple[str, ...], problems: list[Problem]) -> LessonFile | None:
    """Read and check one lesson file; return None when it cannot be placed in the course."""
    report = Reporter(rel, problems)
    name = FILENAME.match(path.name)
    if name is None:
        report(None, "file name must be <NN>-<name>.<lang>.md, for example 01-routing.en.md")
        return None
    lang = name["lang"]
    if lang not in LANGUAGES:
        report(None, f"unknown language {lang!r} in the file name; use one of {', '.join(LANGUAGES)}")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    text = text.replace("\r\n", "\n").removeprefix("\ufeff")
    parts = split_front_matter(text)
    if parts is None:
        report(1, "missing front matter: the file must start with a --- line and close it with another")
        return None
    front, body, body_line = parts
    try:
        data = load_yaml(front, offset=1)
    except YAMLProblem as exc:
        report(exc.line, f"front matter: {exc.message}")
        return None
    if not isinstance(data, dict):
        report(2, "front matter must be a mapping of keys to values")
        return None
    meta = check_front_matter(data, report, topics, int(name["order"]))
    if meta is None:
        return None
    folder = path.parent.name
    if meta["topic"] != folder:
        report(data.line_of("topic"), f"topic is {meta['topic']!r} but the file is in lessons/{folder}/")
    if meta["order"] != int(name["order"]):
        report(
            data.line_of("order"),
            f"order is {meta['order']} but the file name starts with {name['order']}",
        )
    lines = {key: data.line_of(key) for key in data}
    check_code_blocks(body, body_line, report)
    return LessonFile(rel, lang, meta, lines, body, body_line)


def check_front_matter(
    data: LineDict, report: Reporter, topics: tuple[str, ...], file_order: int
) -> dict[str, Any] | None:
    """Return the checked front matter with defaults filled, or None without a usable slug/topic."""
    for key, line in data.duplicates:
        report(line, f"front matter: duplicate key {key!r}")
    for key in data:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            known = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            report(data.line_of(key), f"front matter: unknown key {key!r} (known keys: {known})")
    for key in REQUIRED_KEYS:
        if key not in data:
            report(1, f"front matter: missing key {key!r}")

    def line(key: str) -> int:
        return data.line_of(key)

    meta: dict[str, Any] = {}
    slug = data.get("slug")
    if isinstance(slug, str) and SLUG.match(slug):
        meta["slug"] = slug
    elif "slug" in data:
        report(line("slug"), f"slug must be lowercase letters, digits and dashes, not {slug!r}")
    topic = data.get("topic")
    if isinstance(topic, str) and topic in topics:
        meta["topic"] = topic
    elif "topic" in data:
        report(line("topic"), f"unknown topic {topic!r}; use one of {', '.join(topics)}")
    for key in ("title", "summary"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
        else:
            meta[key] = ""
            if key in data:
                report(line(key), f"{key} must be non-empty text")
    for key, default in (("order", file_order), ("minutes", 1)):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            meta[key] = value
        else:
            meta[key] = default
            if key in data:
                report(line(key), f"{key} must be a whole number of at least 1, not {value!r}")
    meta["prerequisites"] = string_list(data, "prerequisites", report, SLUG, "a lesson slug")
    meta["demos"] = string_list(
        data, "demos", report, ENDPOINT, "an endpoint name such as routing.demo_match"
    )
    quiz = data.get("quiz")
    if quiz is None or (isinstance(quiz, str) and SLUG.match(quiz)):
        meta["quiz"] = quiz
    else:
        meta["quiz"] = None
        report(line("quiz"), f"quiz must be a quiz id such as 'routing', not {quiz!r}")
    meta["verified_with"] = versions(data, report)
    if "slug" not in meta or "topic" not in meta:
        return None
    return meta


def string_list(data: LineDict, key: str, report: Reporter, pattern: re.Pattern[str], what: str) -> tuple:
    """Return ``data[key]`` as a tuple of strings each matching ``pattern``."""
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        report(data.line_of(key), f"{key} must be a list, for example [a, b]")
        return ()
    rv = []
    for index, item in enumerate(value):
        item_line = value.line_of(index) if isinstance(value, LineList) else data.line_of(key)
        if isinstance(item, str) and pattern.match(item):
            if item in rv:
                report(item_line, f"{key}: {item!r} is listed twice")
            else:
                rv.append(item)
        else:
            report(item_line, f"{key}: {item!r} is not {what}")
    return tuple(rv)


def versions(data: LineDict, report: Reporter) -> dict[str, str]:
    """Return ``verified_with`` as package → version strings."""
    value = data.get("verified_with")
    if value is None:
        return {}
    if not isinstance(value, dict):
        report(
            data.line_of("verified_with"),
            'verified_with must map packages to versions, e.g. {flask: "3.1.3"}',
        )
        return {}
    rv = {}
    for package, version in value.items():
        where = value.line_of(package) if isinstance(value, LineDict) else data.line_of("verified_with")
        if isinstance(package, str) and isinstance(version, str) and version.strip():
            rv[package] = version.strip()
        else:
            report(where, f'verified_with: the version of {package!r} must be quoted text, like "3.1.3"')
    return rv


def check_code_blocks(body: str, body_line: int, report: Reporter) -> None:
    """Check marker comments, and that every non-illustrative Python block compiles."""
    for block in iter_code_blocks(body, body_line):
        if block.lang == PLAYGROUND_FENCE:
            for line, message in parse_playground(block.code).problems:
                report(block.line + line - 1, message)
            continue
        if not block.is_python:
            continue
        if block.marker is not None and not block.marker_value:
            what = "a reason" if block.illustrative else "a group name"
            report(block.line, f"`# {block.marker}:` needs {what} after the colon")
        if block.illustrative:
            continue
        error = compile_error(block.body)
        if error is not None:
            offset, message = error
            report(block.body_line + offset - 1, f"Python block does not compile: {message}")
