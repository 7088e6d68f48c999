"""Fenced code blocks of a Markdown file, with their lines and marker comments.

Also which Python blocks the playground can open: those the test suite runs that need only
Flask, its dependencies and the standard library the browser has, and make a Flask app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.content.playground import derive_requests
from app.content.playground import runs_in_browser

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})

FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?[ \t]*\.?(?P<lang>[\w+#.-]*)(?P<rest>.*)$"
)
MARKER = re.compile(r"^#\s*(?P<kind>illustrative|group)\s*:(?P<value>.*)$")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: its language, its code and where it starts.

    ``line`` is the 1-based line of the first line of code (the one after the fence) in
    the file; ``marker`` is ``illustrative``, ``group`` or None, ``marker_value`` the text
    after the colon.
    """

    lang: str
    code: str
    line: int
    fence_line: int
    marker: str | None = None
    marker_value: str = ""

    @property
    def is_python(self) -> bool:
        """Return whether the block is Python, which the test suite runs."""
        return self.lang in PYTHON_LANGUAGES

    @property
    def illustrative(self) -> bool:
        """Return whether the block is marked ``# illustrative:`` (shown, not run)."""
        return self.marker == "illustrative"

    @property
    def group(self) -> str | None:
        """Return the ``# group:`` name, or None for a block run on its own."""
        return self.marker_value if self.marker == "group" else None

    @property
    def body(self) -> str:
        """Return the code without its marker line."""
        if self.marker is None:
            return self.code
        return self.code.partition("\n")[2]

    @property
    def body_line(self) -> int:
        """Return the file line of the first line of ``body``."""
        return self.line + 1 if self.marker is not None else self.line


def iter_code_blocks(text: str, first_line: int = 1) -> Iterator[CodeBlock]:
    """Yield the fenced code blocks of Markdown ``text``; ``first_line`` is its first line."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent = len(opening["indent"].expandtabs(4))
        fence = opening["fence"]
        if fence[0] == "`" and "`" in opening["rest"]:
            index += 1  # inline code such as ```x```, not a fence
            continue
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines):
            line = lines[index]
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                break
            body.append(dedent(line, indent))
            index += 1
        code = "\n".join(body)
        marker, value = find_marker(body[0] if body else "")
        yield CodeBlock(
            lang=opening["lang"].lower(),
            code=code,
            line=first_line + start + 1,
            fence_line=first_line + start,
            marker=marker,
            marker_value=value,
        )
        index += 1


def dedent(line: str, indent: int) -> str:
    """Remove up to ``indent`` columns of leading whitespace from ``line``."""
    expanded = line.expandtabs(4)
    width = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(width, indent) :]


def find_marker(first: str) -> tuple[str | None, str]:
    """Return the marker kind and value of a block's first line, if it is one."""
    match = MARKER.match(first.strip())
    if match is None:
        return None, ""
    return match["kind"], match["value"].strip()


def python_blocks(text: str, first_line: int = 1) -> list[CodeBlock]:
    """Return the Python blocks of ``text``."""
    return [block for block in iter_code_blocks(text, first_line) if block.is_python]


def strip_markers(text: str) -> str:
    """Return ``text`` without the marker line of each marked Python block.

    The renderer shows the code without its ``# illustrative:``/``# group:`` line.
    """
    lines = text.split("\n")
    drop = {
        block.line - 1 for block in iter_code_blocks(text) if block.is_python and block.marker is not None
    }
    return "\n".join(line for number, line in enumerate(lines) if number not in drop)


@dataclass(frozen=True)
class PlaygroundSnippet:
    """A Python block the playground can open: the code shown, and the app it opens with.

    ``number`` counts the file's Python blocks from 1 (it names the snippet); ``code`` is the
    block after the earlier blocks of its ``# group:``, as the test suite runs it.
    """

    number: int
    shown: str
    code: str
    requests: tuple[dict[str, Any], ...]


def normalized(code: str) -> str:
    """Return ``code`` without trailing spaces or blank first and last lines (to match blocks)."""
    return "\n".join(line.rstrip() for line in code.strip("\n").split("\n"))


def playground_snippets(text: str) -> list[PlaygroundSnippet]:
    """Return the Python blocks of ``text`` that run in CI and in the browser's playground."""
    rv = []
    groups: dict[str, list[str]] = {}
    for number, block in enumerate(python_blocks(text), start=1):
        if block.illustrative:
            continue
        parts = groups.setdefault(block.group, []) if block.group else []
        parts.append(block.body)
        code = "\n\n".join(part.strip("\n") for part in parts) + "\n"
        if runs_in_browser(code):
            rv.append(PlaygroundSnippet(number, normalized(block.body), code, derive_requests(code)))
    return rv
