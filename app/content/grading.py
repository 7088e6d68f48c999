"""Pure grading of quiz answers: one grader per question type, kept in a registry.

``coerce_answer`` turns a raw form or JSON value into the type's answer shape (or raises
``InvalidAnswer``); ``grade`` judges an answer and never raises, never touches the database
or the request. Writing progress is someone else's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from app.content.coercion import COERCERS
from app.content.coercion import MAX_TEXT_ANSWER
from app.content.coercion import InvalidAnswer
from app.content.coercion import choice_ids
from app.content.coercion import coerce_answer
from app.content.folding import fold
from app.content.folding import squeeze
from app.content.model import Question

__all__ = [
    "COERCERS",
    "GRADERS",
    "MAX_TEXT_ANSWER",
    "InvalidAnswer",
    "Result",
    "coerce_answer",
    "fold",
    "grade",
    "register",
]

#: Score of each flashcard self-rating.
FLASHCARD_SCORES: Mapping[str, float] = {"again": 0.0, "hard": 0.5, "good": 0.8, "easy": 1.0}


@dataclass(frozen=True)
class Result:
    """The judgement of one answer.

    ``kind`` is one of ``correct``, ``partial``, ``incorrect``, ``empty`` or ``invalid``,
    for pages that word the feedback in the reader's language.
    """

    correct: bool
    score: float
    feedback: str
    kind: str = "incorrect"


Grader = Callable[[Question, object], Result]

#: Question type → grader. ``grade`` dispatches through it.
GRADERS: dict[str, Grader] = {}


def register(question_type: str) -> Callable[[Grader], Grader]:
    """Register the decorated function as the grader of ``question_type``."""

    def decorator(grader: Grader) -> Grader:
        GRADERS[question_type] = grader
        return grader

    return decorator


def grade(question: Question, answer: object) -> Result:
    """Judge ``answer`` to ``question``; never raises, whatever the answer is."""
    grader = GRADERS.get(question.type)
    if grader is None:
        return invalid(f"Questions of type {question.type!r} cannot be graded.")
    try:
        return grader(question, answer)
    except Exception:  # a grader bug must not turn a learner's answer into a 500
        return invalid("This answer could not be graded.")


# -- results ---------------------------------------------------------------------------


def right(feedback: str = "Correct.") -> Result:
    """Return a full-marks result."""
    return Result(True, 1.0, feedback, "correct")


def wrong(feedback: str = "Not quite.") -> Result:
    """Return a zero-score result."""
    return Result(False, 0.0, feedback, "incorrect")


def empty() -> Result:
    """Return the result of an empty answer."""
    return Result(False, 0.0, "No answer was given.", "empty")


def invalid(feedback: str = "This answer does not fit the question.") -> Result:
    """Return the result of an answer of the wrong shape."""
    return Result(False, 0.0, feedback, "invalid")


def partial(score: float, feedback: str) -> Result:
    """Return a result worth ``score`` (clamped to 0..1), correct only at 1."""
    score = min(1.0, max(0.0, float(score)))
    if score >= 1.0:
        return right()
    return Result(False, score, feedback, "partial" if score > 0 else "incorrect")


# -- text answers ----------------------------------------------------------------------


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str] | None:
    """Return ``pattern`` compiled case-insensitively, or None when it is not a regex."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        return None


def text_matches(question: Question, answer: str) -> bool:
    """Return whether ``answer`` folds to an accepted string or fully matches the pattern."""
    folded = fold(answer)
    if not folded:
        return False
    if any(folded == fold(accepted) for accepted in question.accept):
        return True
    regex = compiled(question.pattern) if question.pattern else None
    if regex is None:
        return False
    return any(regex.fullmatch(form) for form in (squeeze(answer), folded))


# -- graders ---------------------------------------------------------------------------


def as_id_list(answer: object) -> list[str] | None:
    """Return ``answer`` as a list of strings, or None when it is not one."""
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, list | tuple) and all(isinstance(item, str) for item in answer):
        return list(answer)
    return None


@register("single_choice")
def grade_single_choice(question: Question, answer: object) -> Result:
    """Grade one picked choice id: 1 or 0."""
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    if answer is None or answer == "":
        return empty()
    if not isinstance(answer, str):
        return invalid()
    return right() if answer == question.answer else wrong()


@register("multiple_choice")
def grade_multiple_choice(question: Question, answer: object) -> Result:
    """Grade picked ids: (right picks - wrong picks) / right choices, floored at 0."""
    picks = as_id_list(answer)
    if picks is None:
        return empty() if answer is None else invalid()
    chosen = set(picks)
    if not chosen:
        return empty()
    expected = {str(item) for item in (question.answer or ())}
    if not expected:
        return invalid("This question has no right answer.")
    hits = len(chosen & expected)
    misses = len(chosen - expected)
    if chosen == expected:
        return right()
    score = max(0.0, (hits - misses) / len(expected))
    feedback = f"{hits} of {len(expected)} right choices picked, {misses} wrong."
    return partial(score, feedback)


@register("true_false")
def grade_true_false(question: Question, answer: object) -> Result:
    """Grade true or false: 1 or 0."""
    if answer is None or answer == "":
        return empty()
    if not isinstance(answer, bool):
        return invalid()
    return right() if answer is question.answer else wrong()


@register("short_answer")
@register("code_output")
def grade_text(question: Question, answer: object) -> Result:
    """Grade text against the accepted answers and the pattern, after folding."""
    if answer is None:
        return empty()
    if not isinstance(answer, str):
        return invalid()
    if not fold(answer):
        return empty()
    return right() if text_matches(question, answer[: MAX_TEXT_ANSWER * 2]) else wrong()


@register("ordering")
def grade_ordering(question: Question, answer: object) -> Result:
    """Grade a permutation of the item ids by the fraction of pairs in the right relative order.

    Anything but a permutation (an item twice, one missing) is invalid: it earns nothing,
    so "1, 1, 1, 1" cannot collect the credit of the pairs it happens to leave in order.
    """
    order = as_id_list(answer)
    if order is None:
        return empty() if answer is None else invalid()
    if not order:
        return empty()
    expected = choice_ids(question)
    if sorted(order) != sorted(expected):
        return invalid("Put every item in the order exactly once.")
    if list(order) == list(expected):
        return right()
    position = {item: index for index, item in enumerate(order)}
    pairs = len(expected) * (len(expected) - 1) // 2
    if pairs == 0:
        return wrong()
    in_order = sum(
        1
        for i, first in enumerate(expected)
        for second in expected[i + 1 :]
        if position[first] < position[second]
    )
    return partial(in_order / pairs, f"{in_order} of {pairs} pairs are in the right order.")


@register("flashcard")
def grade_flashcard(question: Question, answer: object) -> Result:
    """Turn a self-rating (again, hard, good, easy) into a score."""
    if answer is None or answer == "":
        return empty()
    if not isinstance(answer, str) or answer not in FLASHCARD_SCORES:
        return invalid("Rate yourself: again, hard, good or easy.")
    score = FLASHCARD_SCORES[answer]
    kind = {"again": "incorrect", "easy": "correct"}.get(answer, "partial")
    return Result(answer != "again", score, f"Rated {answer}.", kind)
