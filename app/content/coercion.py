"""Turning raw form or JSON values into each question type's answer shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping

from flask import has_request_context
from flask_babel import gettext

from app.content.model import FLASHCARD_RATINGS
from app.content.model import Question

#: Longest text answer accepted, in characters.
MAX_TEXT_ANSWER = 2000
#: Longest choice or item id accepted, in characters.
MAX_ID_LENGTH = 100

TRUE_WORDS = frozenset({"true", "yes", "on", "1", "t", "y"})
FALSE_WORDS = frozenset({"false", "no", "off", "0", "f", "n"})


def request_gettext(message: str, **variables: object) -> str:
    """Translate ``message`` for the request's reader; untranslated outside a request (CLI, tests)."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


_ = request_gettext


class InvalidAnswer(ValueError):
    """Raised by ``coerce_answer`` for an answer of the wrong shape or size."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def choice_ids(question: Question) -> tuple[str, ...]:
    """Return the ids of the question's choices (or ordering items)."""
    return tuple(choice.id for choice in question.choices)


def coerce_answer(question: Question, raw: object) -> object:
    """Return ``raw`` (a form or JSON value) in the answer shape of ``question``'s type.

    Raises ``InvalidAnswer`` with a message fit for a 400 response when the value has the
    wrong type, names an unknown choice, or is too big.
    """
    coercer = COERCERS.get(question.type)
    if coercer is None:
        raise InvalidAnswer(_("Questions of type %(type)s take no answers.", type=repr(question.type)))
    return coercer(question, raw)


def single(raw: object) -> object:
    """Unwrap a one-element list, as a form's ``getlist`` gives."""
    if isinstance(raw, list | tuple):
        if len(raw) > 1:
            raise InvalidAnswer(_("Give one answer, not a list."))
        return raw[0] if raw else None
    return raw


def check_text(raw: object, what: str | None = None) -> str:
    """Return ``raw`` if it is a string of acceptable size."""
    if not isinstance(raw, str):
        raise InvalidAnswer(_("%(what)s must be text.", what=what or _("The answer")))
    if len(raw) > MAX_TEXT_ANSWER:
        raise InvalidAnswer(
            _(
                "%(what)s is too long (at most %(max)d characters).",
                what=what or _("The answer"),
                max=MAX_TEXT_ANSWER,
            )
        )
    return raw


def check_id(question: Question, raw: object) -> str:
    """Return ``raw`` if it is the id of one of the question's choices or items."""
    if not isinstance(raw, str):
        raise InvalidAnswer(_("A choice must be given by its id (text)."))
    value = raw.strip()
    if len(value) > MAX_ID_LENGTH or value not in choice_ids(question):
        raise InvalidAnswer(_("Unknown choice %(choice)s.", choice=repr(value[:MAX_ID_LENGTH])))
    return value


def id_list(question: Question, raw: object) -> list[str]:
    """Return ``raw`` as a list of the question's ids, each at most once."""
    if raw is None:
        return []
    if isinstance(raw, str):
        check_text(raw)
        raw = [part for part in re.split(r"[,\s]+", raw) if part]
    if not isinstance(raw, list | tuple):
        raise InvalidAnswer(_("The answer must be a list of choice ids."))
    if len(raw) > len(question.choices):
        raise InvalidAnswer(_("Too many choices: this question has %(n)d.", n=len(question.choices)))
    rv = [check_id(question, item) for item in raw]
    if len(set(rv)) != len(rv):
        raise InvalidAnswer(_("Each choice may be given only once."))
    return rv


def coerce_single_choice(question: Question, raw: object) -> str:
    """Return the picked choice id."""
    value = single(raw)
    if value is None or value == "":
        raise InvalidAnswer(_("Pick one of the choices."))
    return check_id(question, value)


def coerce_multiple_choice(question: Question, raw: object) -> tuple[str, ...]:
    """Return the picked choice ids, in the order given."""
    return tuple(id_list(question, raw))


def coerce_true_false(question: Question, raw: object) -> bool:
    """Return true or false from a boolean, or from words such as ``true`` and ``no``."""
    value = single(raw)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and len(value) <= 16:
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise InvalidAnswer(_("Answer true or false."))


def coerce_text(question: Question, raw: object) -> str:
    """Return the typed text."""
    value = single(raw)
    if value is None:
        return ""
    return check_text(value)


def coerce_ordering(question: Question, raw: object) -> tuple[str, ...]:
    """Return item ids in the learner's order, from a list, a comma list or {id: position}.

    The answer must be a permutation of the items: each item exactly once (a list) or
    each item at its own position (a mapping). An empty order is no answer at all, and
    "1, 1, 1, 1" or a missing item is refused rather than graded.
    """
    order = ordering_ids(question, raw)
    if not order:
        raise InvalidAnswer(_("Put the items in order: an empty order is not an answer."))
    missing = len(choice_ids(question)) - len(order)
    if missing:
        raise InvalidAnswer(
            _(
                "Place every item: %(missing)d of %(total)d are missing.",
                missing=missing,
                total=len(question.choices),
            )
        )
    return order


def ordering_ids(question: Question, raw: object) -> tuple[str, ...]:
    """Return the item ids of an ordering answer in the order given (possibly none)."""
    if isinstance(raw, Mapping):
        if len(raw) > len(question.choices):
            raise InvalidAnswer(_("Too many items: this question has %(n)d.", n=len(question.choices)))
        positions = []
        for key, value in raw.items():
            item = check_id(question, key)
            try:
                rank = float(single(value))  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                raise InvalidAnswer(
                    _("The position of %(item)s must be a number.", item=repr(item))
                ) from None
            if rank != rank:  # NaN
                raise InvalidAnswer(_("The position of %(item)s must be a number.", item=repr(item)))
            positions.append((rank, item))
        ranks = [rank for rank, _item in positions]
        if len(set(ranks)) != len(ranks):
            raise InvalidAnswer(_("Give each item a different position: two items cannot share one."))
        return tuple(item for _rank, item in sorted(positions))
    try:
        return tuple(id_list(question, raw))
    except InvalidAnswer as exc:
        if exc.message == "Each choice may be given only once.":
            raise InvalidAnswer(_("Each item may appear only once in the order.")) from None
        raise


def coerce_flashcard(question: Question, raw: object) -> str:
    """Return the self-rating: again, hard, good or easy."""
    value = single(raw)
    if isinstance(value, str) and len(value) <= 16:
        rating = value.strip().casefold()
        if rating in FLASHCARD_RATINGS:
            return rating
    raise InvalidAnswer(_("Rate yourself: again, hard, good or easy."))


#: Question type → function turning a raw value into the type's answer shape.
COERCERS: dict[str, Callable[[Question, object], object]] = {
    "single_choice": coerce_single_choice,
    "multiple_choice": coerce_multiple_choice,
    "true_false": coerce_true_false,
    "short_answer": coerce_text,
    "code_output": coerce_text,
    "ordering": coerce_ordering,
    "flashcard": coerce_flashcard,
}
