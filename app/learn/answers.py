"""Answers as the quiz page sees them: read from a form or JSON, and shown back side by side."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from app.content.model import Choice
from app.content.model import Question
from app.content.model import pick

#: Form field prefix of an ordering item's position: ``pos-<item id>``.
POSITION_PREFIX = "pos-"


def rating_labels() -> dict[str, str]:
    """Return the flashcard self-ratings in the reader's language, in key order 1–4."""
    return {"again": _("Again"), "hard": _("Hard"), "good": _("Good"), "easy": _("Easy")}


def raw_from_form(question: Question, form: MultiDict) -> object:
    """Return the raw answer a plain form post carries for ``question``."""
    if question.type == "multiple_choice":
        return form.getlist("answer")
    if question.type == "ordering":
        return {
            key.removeprefix(POSITION_PREFIX): value
            for key, value in form.items()
            if key.startswith(POSITION_PREFIX)
        }
    return form.get("answer")


def shuffled_items(question: Question, seed: object = "") -> list[Choice]:
    """Return an ordering question's items shuffled by ``seed``, never in the answer's order.

    The seed is the attempt (or drill, or review) the question is asked in: a reload shows
    the same order, a new attempt another one.
    """
    items = list(question.choices)
    if len(items) < 2:
        return items
    random.Random(f"{question.id}:{seed}").shuffle(items)
    if items == list(question.choices):
        items = items[1:] + items[:1]
    return items


def choice_html(question: Question, choice_id: object, lang: str) -> Markup:
    """Return the text of a choice in ``lang``, or its id if the course no longer has it."""
    for choice in question.choices:
        if choice.id == choice_id:
            return catalog_html(pick(choice.html, lang)[0])
    return escape(str(choice_id))


@dataclass(frozen=True)
class AnswerPair:
    """The learner's answer and the right one, each as lines of HTML."""

    yours: list[Markup]
    right: list[Markup]
    #: ``ol`` when the order of the lines matters (ordering questions), else ``ul``.
    list_tag: str = "ul"
    #: One above the other rather than side by side (a flashcard's long model answer).
    stacked: bool = False


def answer_pair(question: Question, answer: object, lang: str) -> AnswerPair:
    """Describe ``answer`` and the right answer of ``question`` for the feedback panel."""
    kind = question.type
    if kind in ("single_choice", "multiple_choice", "ordering"):
        given = answer if isinstance(answer, list | tuple) else [answer] if answer is not None else []
        right = question.answer if isinstance(question.answer, list | tuple) else [question.answer]
        if kind == "ordering":
            right = [choice.id for choice in question.choices]
        return AnswerPair(
            [choice_html(question, item, lang) for item in given],
            [choice_html(question, item, lang) for item in right],
            "ol" if kind == "ordering" else "ul",
        )
    if kind == "true_false":
        return AnswerPair([truth_label(answer)], [truth_label(question.answer)])
    if kind in ("short_answer", "code_output"):
        right = [Markup("<code>{}</code>").format(text) for text in question.accept[:3]]
        if not right and question.pattern:
            right = [Markup("{} <code>{}</code>").format(_("Any text matching"), question.pattern)]
        return AnswerPair([Markup("<code>{}</code>").format(answer or "")], right)
    if kind == "flashcard":
        rating = rating_labels().get(str(answer), str(answer))
        model = pick(question.model_answer_html, lang)[0]
        mine = [escape(_("You rated yourself: %(rating)s", rating=rating))]
        return AnswerPair(mine, [catalog_html(model)], stacked=True)
    if kind == "code_challenge":
        return challenge_pair(question, answer)
    return AnswerPair([escape(str(answer))], [])


def challenge_pair(question: Question, answer: object) -> AnswerPair:
    """Show a challenge's self-reported result and code beside the reference solution."""
    report = answer if isinstance(answer, dict) else {}
    passed = report.get("passed") if isinstance(report.get("passed"), list) else []
    total = report.get("total") if isinstance(report.get("total"), int) else len(passed)
    mine = [escape(_("Tests passed: %(passed)d of %(total)d", passed=len(passed), total=total))]
    if isinstance(report.get("code"), str) and report["code"]:
        mine.append(Markup("<pre><code>{}</code></pre>").format(report["code"]))
    solution = question.challenge.solution if question.challenge else ""
    right = [Markup("<pre><code>{}</code></pre>").format(solution)] if solution else []
    return AnswerPair(mine, right, stacked=True)


def truth_label(value: object) -> Markup:
    """Return "True" or "False" in the reader's language."""
    return escape(_("True") if value is True else _("False") if value is False else str(value))


def feedback_heading(kind: str, score: float) -> str:
    """Return the one-line verdict on an answer, in the reader's language."""
    if kind == "correct":
        return _("Correct!")
    if kind == "partial":
        return _("Partly right: %(percent)d%% of the points.", percent=round(score * 100))
    return _("Not quite.")


def prompt_text(question: Question, lang: str) -> tuple[Markup, bool]:
    """Return the prompt in ``lang`` and whether it fell back to the other language."""
    html, fell_back = pick(question.prompt_html, lang)
    return catalog_html(html), fell_back


def localized(texts: Mapping[str, str], lang: str) -> Markup:
    """Return rendered HTML in ``lang`` (or the other language) as markup."""
    return catalog_html(pick(texts, lang)[0])


def catalog_html(html: str) -> Markup:
    """Mark HTML from the catalog as safe: the content engine rendered and sanitized it."""
    return Markup(html)  # noqa: S704
