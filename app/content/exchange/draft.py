"""The neutral form of one question between the catalog, GIFT, Moodle XML and YAML."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.content.exchange.markup import markdown_text
from app.content.model import Question
from app.content.model import pick

#: Question types every format carries and reads back as the same type.
ROUND_TRIP_TYPES = ("single_choice", "multiple_choice", "true_false", "short_answer", "ordering", "flashcard")


class ExchangeError(Exception):
    """A file that cannot be read as GIFT or Moodle XML; printed as ``file:line: message``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Note:
    """Something that could not be converted, or not whole: which question, and why."""

    question: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.question}: {self.message}"


@dataclass
class Draft:
    """One question in one language, its texts in Markdown.

    ``choices`` are choice texts in order (for ``ordering``, the right order); ``answer``
    is the index of the right choice (single choice), a tuple of indexes (multiple
    choice) or a bool (true/false).
    """

    type: str
    name: str
    prompt: str
    explanation: str = ""
    choices: list[str] = field(default_factory=list)
    answer: object = None
    accept: list[str] = field(default_factory=list)
    model_answer: str = ""
    key_points: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    line: int = 0


def text_in(texts, lang: str) -> str:
    """Return the Markdown for the ``lang`` text of a rendered mapping (or the other language)."""
    return markdown_text(pick(texts, lang)[0])


def draft_of(question: Question, lang: str) -> Draft:
    """Return ``question`` as a draft in ``lang``; ``code_output`` becomes a short answer."""
    ids = [choice.id for choice in question.choices]
    draft = Draft(
        type=question.type,
        name=question.id,
        prompt=text_in(question.prompt_html, lang),
        explanation=text_in(question.explanation_html, lang),
        choices=[text_in(choice.html, lang) for choice in question.choices],
        tags=list(question.tags),
    )
    if question.type == "single_choice":
        draft.answer = ids.index(question.answer)
    elif question.type == "multiple_choice":
        draft.answer = tuple(ids.index(choice) for choice in question.answer)
    elif question.type == "true_false":
        draft.answer = bool(question.answer)
    elif question.type in ("short_answer", "code_output"):
        draft.accept = list(question.accept)
        if question.type == "code_output":
            draft.type = "short_answer"
            draft.prompt += "\n\n```python\n" + (question.code or "").rstrip("\n") + "\n```"
    elif question.type == "flashcard":
        draft.model_answer = text_in(question.model_answer_html, lang)
        points = question.key_points.get(lang) or next(iter(question.key_points.values()), ())
        draft.key_points = [markdown_text(point) for point in points]
    return draft


def export_notes(question: Question) -> list[Note]:
    """Return what exporting ``question`` loses (an empty list when nothing)."""
    rv = []
    if question.pattern:
        rv.append(
            Note(
                question.id,
                f"the regular expression {question.pattern!r} is not convertible "
                "(short answers there have no patterns); only the accepted answers are exported",
            )
        )
    if question.type == "code_output":
        rv.append(
            Note(
                question.id,
                "code_output is exported as a short answer with the code in the question text; "
                "it imports back as short_answer",
            )
        )
    return rv


def fraction_text(value: float) -> str:
    """Return a Moodle grade percentage as Moodle writes it (``33.33333``, ``-50``)."""
    return f"{value:.5f}".rstrip("0").rstrip(".")
