"""Writing imported drafts as quiz YAML in the course's own layout, appended to a quiz file."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

from app.content.exchange.draft import Draft
from app.content.model import LANGUAGES
from app.content.quizzes import QUESTION_ID
from app.content.yamlfile import LineDict
from app.content.yamlfile import LineList
from app.content.yamlfile import YAMLProblem
from app.content.yamlfile import load_yaml

PLAIN_WORD = re.compile(r"^[a-z_][a-z0-9_-]*$")
#: Words YAML reads as something other than a string.
YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


class AppendError(Exception):
    """Raised when a quiz file's layout does not allow appending questions safely."""


def scalar(text: str, indent: str) -> str:
    """Return ``text`` as a YAML value: a quoted string, or a ``|`` block when it spans lines."""
    lines = text.split("\n")
    simple_block = (
        len(lines) > 1
        and not text.endswith("\n\n")
        and lines[0].strip() != ""
        and not lines[0].startswith((" ", "\t"))
        and all(line.strip() or not line for line in lines)
        and "\t" not in text
    )
    if not simple_block:
        return json.dumps(text, ensure_ascii=False)
    chomp = "" if text.endswith("\n") else "-"
    body = text[:-1] if text.endswith("\n") else text
    return f"|{chomp}\n" + "\n".join(f"{indent}{line}" if line else "" for line in body.split("\n"))


def word_list(words: Iterable[str]) -> str:
    """Return a flow list of words, quoting those that need it."""
    return "[" + ", ".join(w if is_plain(w) else json.dumps(w, ensure_ascii=False) for w in words) + "]"


def is_plain(word: str) -> bool:
    """Tell whether ``word`` can be written unquoted and read back as the same string."""
    return bool(PLAIN_WORD.match(word)) and word not in YAML_WORDS


def texts_block(key: str, text: str, pad: str) -> list[str]:
    """Return ``key:`` with the same text under every language."""
    rows = [f"{pad}{key}:"]
    for lang in LANGUAGES:
        rows.append(f"{pad}  {lang}: {scalar(text, pad + '    ')}")
    return rows


def choice_ids(draft: Draft) -> list[str]:
    """Return ids for the choices: letters for choices, words from the text for ordering items."""
    if draft.type != "ordering":
        return [letters(index) for index in range(len(draft.choices))]
    rv: list[str] = []
    for index, text in enumerate(draft.choices, start=1):
        word = slug(text)[:24].strip("-")
        if not is_plain(word):
            word = f"item{index}"
        candidate, n = word, 2
        while candidate in rv:
            candidate, n = f"{word}-{n}", n + 1
        rv.append(candidate)
    return rv


def letters(index: int) -> str:
    """Return a, b, … z, then c27, c28 …"""
    return chr(ord("a") + index) if index < 26 else f"c{index + 1}"


def slug(text: str) -> str:
    """Return lowercase ASCII words of ``text`` joined by dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def new_id(draft: Draft, topic: str, taken: set[str]) -> str:
    """Return a question id from the draft's name, unused in ``taken`` (then added to it)."""
    base = draft.name if QUESTION_ID.match(draft.name or "") else slug(draft.name)[:60].strip("-")
    if not base:
        base = f"{topic}-imported"
    if not base.startswith(topic + "-") and base != topic:
        base = f"{topic}-{base}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def question_yaml(draft: Draft, question_id: str, difficulty: int, indent: str) -> str:
    """Return one question as a YAML list item, indented like the file's other questions."""
    pad = indent + "  "
    rows = [
        f"{indent}- id: {question_id}",
        f"{pad}type: {draft.type}",
        f"{pad}source: original",
    ]
    if draft.tags:
        rows.append(f"{pad}tags: {word_list(draft.tags)}")
    rows.append(f"{pad}difficulty: {difficulty}")
    rows += texts_block("prompt", draft.prompt, pad)
    ids = choice_ids(draft)
    if draft.type in ("single_choice", "multiple_choice", "ordering"):
        rows.append(f"{pad}{'items' if draft.type == 'ordering' else 'choices'}:")
        for choice_id, text in zip(ids, draft.choices, strict=True):
            quoted = json.dumps(text, ensure_ascii=False)
            langs = ", ".join(f"{lang}: {quoted}" for lang in LANGUAGES)
            rows.append(f"{pad}  - {{id: {choice_id}, {langs}}}")
    if draft.type == "single_choice":
        rows.append(f"{pad}answer: {ids[draft.answer]}")
    elif draft.type == "multiple_choice":
        rows.append(f"{pad}answer: [{', '.join(ids[i] for i in draft.answer)}]")
    elif draft.type == "true_false":
        rows.append(f"{pad}answer: {'true' if draft.answer else 'false'}")
    elif draft.type == "short_answer":
        rows.append(f"{pad}accept: [{', '.join(json.dumps(a, ensure_ascii=False) for a in draft.accept)}]")
    elif draft.type == "flashcard":
        rows += texts_block("answer", draft.model_answer, pad)
        if draft.key_points:
            rows.append(f"{pad}key_points:")
            for lang in LANGUAGES:
                rows.append(f"{pad}  {lang}:")
                rows += [f"{pad}    - {json.dumps(point, ensure_ascii=False)}" for point in draft.key_points]
    rows += texts_block("explanation", draft.explanation or "—", pad)
    return "\n".join(rows)


def items_indent(text: str) -> str:
    """Return the indentation of the question items of a quiz file, checking it ends with them."""
    try:
        data = load_yaml(text)
    except YAMLProblem as exc:
        raise AppendError(f"the quiz file is not valid YAML (line {exc.line}): {exc.message}") from None
    if not isinstance(data, LineDict) or not isinstance(data.get("questions"), LineList):
        raise AppendError("the quiz file has no block list of questions to append to")
    questions_line = data.line_of("questions")
    if any(line > questions_line for key, line in data.key_lines.items() if key != "questions"):
        raise AppendError("questions: is not the file's last key, so new questions cannot be appended")
    items = data["questions"]
    if not items:
        return "  "
    row = text.split("\n")[items.line_of(0) - 1]
    if not row.lstrip().startswith("- "):
        raise AppendError("the questions are not a block list (- id: …)")
    return row[: len(row) - len(row.lstrip())]


def new_quiz_file(topic: str, title: str, blocks: list[str]) -> str:
    """Return a new quiz file for ``topic`` holding ``blocks``."""
    name = json.dumps(title, ensure_ascii=False)
    head = f"id: {topic}\ntopic: {topic}\ntitle: {{en: {name}, zh: {name}}}\nquestions:\n"
    return head + "\n\n".join(blocks) + "\n"


def appended(text: str, blocks: list[str]) -> str:
    """Return ``text`` with ``blocks`` after its last question, the rest of the file untouched."""
    return text.rstrip("\n") + "\n\n" + "\n\n".join(blocks) + "\n"
