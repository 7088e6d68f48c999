"""Question-bank exchange: the catalog's questions to and from GIFT and Moodle XML.

Every function here is pure: catalog or text in, text and notes out. Writing files and
printing are the command line's (``app/cli.py``) business.

What each type becomes:

| Inside Flask | GIFT | Moodle XML |
|---|---|---|
| single_choice | ``=right ~wrong`` | multichoice, single, 100 / 0 |
| multiple_choice | ``~%50%right ~%-50%wrong`` | multichoice, 100/k right, -100/k wrong |
| true_false | ``{TRUE}`` / ``{FALSE}`` | truefalse |
| short_answer | ``=a =b`` (a ``pattern`` is not convertible) | shortanswer, case-insensitive |
| code_output | a short answer, the code in the text | shortanswer, the code in the text |
| ordering | matching, each item to its position 1, 2, 3 … | ordering (pairs in order) |
| flashcard | essay; feedback: model answer, key points, explanation | essay; graderinfo: answer, key points |
| code_challenge | left out, with a note | left out, with a note |
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.content.exchange.draft import ROUND_TRIP_TYPES
from app.content.exchange.draft import Draft
from app.content.exchange.draft import ExchangeError
from app.content.exchange.draft import Note
from app.content.exchange.draft import draft_of
from app.content.exchange.draft import export_notes
from app.content.exchange.gift import read_gift
from app.content.exchange.gift import write_gift
from app.content.exchange.moodle import write_moodle_xml
from app.content.exchange.moodle_reader import read_moodle_xml
from app.content.exchange.yamlout import AppendError
from app.content.exchange.yamlout import appended
from app.content.exchange.yamlout import items_indent
from app.content.exchange.yamlout import new_id
from app.content.exchange.yamlout import new_quiz_file
from app.content.exchange.yamlout import question_yaml
from app.content.model import Catalog
from app.content.model import Question

__all__ = [
    "FORMATS",
    "ROUND_TRIP_TYPES",
    "AppendError",
    "Draft",
    "ExchangeError",
    "Export",
    "Import",
    "Note",
    "detect_format",
    "export_questions",
    "export_topic",
    "import_into",
    "parse_bank",
]

FORMATS = ("gift", "moodle-xml")
#: File suffix of each format, for downloads.
SUFFIXES = {"gift": ".gift.txt", "moodle-xml": ".xml"}
#: The Moodle category the course's questions go to, one subcategory per quiz.
COURSE_CATEGORY = "Inside Flask"


@dataclass(frozen=True)
class Export:
    """An exported bank: its text, the ids written, and the notes on what was lost or left out."""

    text: str
    exported: tuple[str, ...]
    notes: tuple[Note, ...]


@dataclass
class Import:
    """The result of an import: the quiz file's new text, the ids added and the notes."""

    text: str
    added: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def topic_questions(catalog: Catalog, topic: str | None) -> list[Question]:
    """Return the questions of ``topic`` (every topic when None), in course order."""
    rv = []
    for quiz in sorted(catalog.quizzes.values(), key=lambda q: q.id):
        if topic is None or quiz.topic == topic:
            rv.extend(quiz.questions)
    return rv


def export_questions(questions: list[Question], fmt: str, lang: str, category: str | None = None) -> Export:
    """Return ``questions`` as GIFT or Moodle XML in ``lang``, with the notes on losses.

    They go to Moodle category ``category``, or by default to one category per quiz
    (``Inside Flask/<quiz>``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use {' or '.join(FORMATS)}")
    notes: list[Note] = []
    # Neither format has a question that runs tests: code challenges stay out, with a note.
    left = [q for q in questions if q.type == "code_challenge"]
    notes.extend(Note(q.id, "code challenges (tests run in the browser) are not exported") for q in left)
    questions = [q for q in questions if q.type != "code_challenge"]
    for question in questions:
        notes.extend(export_notes(question))
    groups: dict[str, list[Question]] = {}
    for question in questions:
        groups.setdefault(category or f"{COURSE_CATEGORY}/{question.quiz_id}", []).append(question)
    if fmt == "gift":
        text, skipped = write_gift(
            [(name, [draft_of(q, lang) for q in group]) for name, group in groups.items()], lang
        )
    else:
        text, skipped = write_moodle_xml(list(groups.items()), lang)
    left_out = {note.question for note in skipped}
    exported = tuple(q.id for q in questions if q.id not in left_out)
    return Export(text, exported, tuple(notes + skipped))


def export_topic(catalog: Catalog, topic: str | None, fmt: str, lang: str) -> str:
    """Return the text of the bank of ``topic`` (the whole course when None)."""
    return export_bank(catalog, topic, fmt, lang).text


def export_bank(catalog: Catalog, topic: str | None, fmt: str, lang: str) -> Export:
    """Return the export of ``topic`` (the whole course when None) with its notes."""
    return export_questions(topic_questions(catalog, topic), fmt, lang)


def detect_format(text: str) -> str:
    """Return ``moodle-xml`` for XML text, else ``gift``."""
    return "moodle-xml" if text.lstrip("\ufeff \t\r\n").startswith("<") else "gift"


def parse_bank(text: str, fmt: str, path: str) -> tuple[list[Draft], list[Note]]:
    """Return the drafts of a GIFT or Moodle XML text; raise ``ExchangeError`` when malformed."""
    if fmt == "auto":
        fmt = detect_format(text)
    if fmt == "gift":
        return read_gift(text, path)
    if fmt == "moodle-xml":
        return read_moodle_xml(text, path)
    raise ValueError(f"unknown format {fmt!r}; use auto, {' or '.join(FORMATS)}")


def import_into(
    drafts: list[Draft],
    catalog: Catalog,
    topic: str,
    current: str | None,
    difficulty: int = 2,
    title: str = "",
) -> Import:
    """Return the quiz file text with ``drafts`` appended as new questions.

    ``current`` is the topic's quiz file as it is (None when the topic has none yet). Ids
    come from each question's name, never one the course already uses.
    """
    taken = set(catalog.questions)
    ids = [new_id(draft, topic, taken) for draft in drafts]
    indent = items_indent(current) if current is not None else "  "
    blocks = [question_yaml(draft, qid, difficulty, indent) for draft, qid in zip(drafts, ids, strict=True)]
    if not blocks:
        return Import(current or "", [], [])
    text = appended(current, blocks) if current is not None else new_quiz_file(topic, title or topic, blocks)
    return Import(text, ids, [])
