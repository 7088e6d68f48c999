"""The immutable catalog of the course: lessons, quizzes and questions, already rendered.

Everything here is built once (at start-up, or when a file changes in development) and then
only read; request handlers never parse YAML or render Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from types import MappingProxyType
from typing import Any

from app.content.versions import ChangeNote
from app.content.versions import display_name

LANGUAGES: tuple[str, ...] = ("en", "zh")

QUESTION_TYPES: tuple[str, ...] = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "code_output",
    "ordering",
    "flashcard",
    "code_challenge",
)

#: Types whose grade is the learner's own word: a flashcard's self-rating, a challenge's test report.
SELF_GRADED_TYPES: frozenset[str] = frozenset({"flashcard", "code_challenge"})

FLASHCARD_RATINGS: tuple[str, ...] = ("again", "hard", "good", "easy")


def frozen_map(data: Mapping | None = None) -> Mapping:
    """Return a read-only view of ``data``."""
    return MappingProxyType(dict(data or {}))


def pick(texts: Mapping[str, str], lang: str) -> tuple[str, bool]:
    """Return the text in ``lang``, or in the other language and ``True`` for "fell back"."""
    if texts.get(lang):
        return texts[lang], False
    for other in LANGUAGES:
        if texts.get(other):
            return texts[other], True
    return "", False


@dataclass(frozen=True)
class Problem:
    """A validation problem, printed as ``path:line: message``."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Heading:
    """A heading of a lesson, for its table of contents."""

    level: int
    id: str
    title: str


@dataclass(frozen=True)
class LessonText:
    """One language's version of a lesson, rendered to HTML."""

    lang: str
    title: str
    summary: str
    html: str
    toc: tuple[Heading, ...]
    path: str
    word_count: int
    #: ``summary`` rendered as inline Markdown (``code`` and links work), for the course map.
    summary_html: str = ""
    #: The "changed" boxes of this text, in order: the package versions each one names.
    changes: tuple[ChangeNote, ...] = ()
    #: The names of the diagrams this text shows, in order.
    diagrams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    """A lesson: what both languages share, and each language's text."""

    slug: str
    topic: str
    order: int
    minutes: int
    prerequisites: tuple[str, ...]
    demos: tuple[str, ...]
    quiz: str | None
    verified_with: Mapping[str, str]
    texts: Mapping[str, LessonText]

    def text(self, lang: str) -> tuple[LessonText, bool]:
        """Return the text in ``lang`` and whether it fell back to the other language."""
        if lang in self.texts:
            return self.texts[lang], False
        other = next(iter(self.texts.values()))
        return other, True


@dataclass(frozen=True)
class Choice:
    """A choice of a choice question, or an item of an ordering question."""

    id: str
    html: Mapping[str, str]


@dataclass(frozen=True)
class Challenge:
    """A coding challenge: the code the learner starts from, the reference solution, the tests.

    Each test is a top-level ``def test_…():`` of ``tests`` (or ``hidden_tests``, which the
    learner's page runs but does not show before the answer is sent). ``lines`` gives the
    file line where each code field starts, for problems found when the code is run.
    """

    starter: str
    solution: str
    tests: str
    hidden_tests: str = ""
    test_names: tuple[str, ...] = ()
    hidden_test_names: tuple[str, ...] = ()
    lines: Mapping[str, int] = field(default_factory=frozen_map)

    @property
    def all_test_names(self) -> tuple[str, ...]:
        """Return the names of every test, visible first, in the order they run."""
        return self.test_names + self.hidden_test_names


@dataclass(frozen=True)
class Question:
    """A quiz question with its prompt and explanation rendered per language.

    ``answer`` holds the type's key as written in YAML (a choice id, a list of ids, a
    bool, or the accepted strings; a code challenge's test names, all of which must pass);
    graders read it, templates never show it before the learner has answered. Every
    ``*_html`` value, each choice's ``html`` and each ``key_points`` entry is HTML
    rendered from Markdown (inline for choices and key points).
    """

    id: str
    quiz_id: str
    type: str
    source: str
    tags: tuple[str, ...]
    difficulty: int
    prompt_html: Mapping[str, str]
    explanation_html: Mapping[str, str]
    choices: tuple[Choice, ...] = ()
    answer: object = None
    accept: tuple[str, ...] = ()
    pattern: str | None = None
    code: str | None = None
    code_html: str | None = None
    model_answer_html: Mapping[str, str] = field(default_factory=frozen_map)
    key_points: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)
    challenge: Challenge | None = None
    path: str = ""
    line: int | None = None

    @property
    def self_graded(self) -> bool:
        """Return whether the grade is the learner's own word (a self-rating or a test report)."""
        return self.type in SELF_GRADED_TYPES


@dataclass(frozen=True)
class Quiz:
    """A topic's quiz."""

    id: str
    topic: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    path: str = ""


@dataclass(frozen=True)
class PlaygroundEntry:
    """A playground of the course, by id: a ``flask-playground`` block, or a runnable snippet.

    ``html`` is the playground as its own page shows it; ``lesson`` or ``question`` is the
    text it comes from. Learners' saved edits are stored under ``id``.
    """

    id: str
    lang: str
    title: str
    code: str
    requests: tuple[Mapping[str, Any], ...]
    html: str
    snippet: bool = False
    lesson: str | None = None
    question: str | None = None


@dataclass(frozen=True)
class Catalog:
    """Everything the site shows of the course, parsed and rendered once."""

    lessons: Mapping[str, Lesson]
    quizzes: Mapping[str, Quiz]
    questions: Mapping[str, Question]
    topics: Mapping[str, tuple[str, ...]]
    lesson_order: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    #: Package → the version the course was verified with (the newest any lesson names).
    verified_with: Mapping[str, str] = field(default_factory=frozen_map)
    #: Playground id → the playground (lesson and quiz blocks, runnable lesson snippets).
    playgrounds: Mapping[str, PlaygroundEntry] = field(default_factory=frozen_map)

    def topic_lessons(self, topic: str) -> tuple[Lesson, ...]:
        """Return the lessons of ``topic`` in their order."""
        return tuple(self.lessons[slug] for slug in self.topics.get(topic, ()))

    def verified_versions(self) -> tuple[tuple[str, str], ...]:
        """Return (display name, version) of every package the course was verified with, Flask first."""
        names = sorted(self.verified_with, key=lambda package: (package != "flask", package))
        return tuple((display_name(package), self.verified_with[package]) for package in names)

    def version_changes(self) -> tuple[tuple[str, ChangeNote], ...]:
        """Return (lesson slug, changed box) for every English box of the course, in course order."""
        rv = []
        for slug in self.lesson_order:
            text, _ = self.lessons[slug].text("en")
            rv.extend((slug, note) for note in text.changes)
        return tuple(rv)

    def summary(self) -> str:
        """Return ``N lessons, M quizzes, Q questions, K errors``."""
        files = sum(len(lesson.texts) for lesson in self.lessons.values())
        return (
            f"{files} lessons, {len(self.quizzes)} quizzes, "
            f"{len(self.questions)} questions, {len(self.problems)} errors"
        )
