"""Moodle XML: writing the catalog's questions for Moodle's importer (reading is in ``moodle_reader``).

Written as Moodle's ``question/format/xml/format.php`` writes it: ``<quiz>`` of
``<question type="…">`` with ``<questiontext format="html">`` in CDATA, grades as
percentages from Moodle's list (100, 50, 33.33333, 25, …, negatives for wrong picks),
ordering questions as the ``ordering`` question type (standard since Moodle 4.4) graded
``RELATIVE_ALL_PREVIOUS_AND_NEXT``, the pairs-in-order rule Inside Flask uses.
"""

from __future__ import annotations

from app.content.exchange.draft import Note
from app.content.exchange.draft import fraction_text
from app.content.exchange.markup import html_escape
from app.content.model import Question
from app.content.model import pick

KEY_POINTS_CLASS = "key-points"
KEY_POINTS_TITLE = {"en": "Key points", "zh": "要点"}


def cdata(text: str) -> str:
    """Return ``text`` as CDATA (a ``]]>`` inside is split across two sections)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_element(tag: str, html: str, fmt: str = "html", indent: str = "    ") -> str:
    """Return ``<tag format="…"><text>…</text></tag>``."""
    body = cdata(html) if html else ""
    return f'{indent}<{tag} format="{fmt}">\n{indent}  <text>{body}</text>\n{indent}</{tag}>'


def plain(tag: str, value: str, indent: str = "    ") -> str:
    """Return ``<tag>value</tag>`` with the value escaped."""
    return f"{indent}<{tag}>{html_escape(value)}</{tag}>"


def answer(fraction: float, html: str, fmt: str = "html") -> str:
    """Return one ``<answer>`` with an empty feedback."""
    body = cdata(html) if fmt == "html" else html_escape(html)
    return (
        f'    <answer fraction="{fraction_text(fraction)}" format="{fmt}">\n'
        f"      <text>{body}</text>\n"
        '      <feedback format="html">\n        <text></text>\n      </feedback>\n'
        "    </answer>"
    )


def combined_feedback() -> list[str]:
    """Return the empty right/partly/wrong feedback elements choice questions carry."""
    return [
        text_element("correctfeedback", ""),
        text_element("partiallycorrectfeedback", ""),
        text_element("incorrectfeedback", ""),
    ]


def key_points_html(points: tuple[str, ...], lang: str) -> str:
    """Return the key points as the block appended to an essay's information for graders."""
    items = "".join(f"<li>{point}</li>" for point in points)
    title = KEY_POINTS_TITLE.get(lang, KEY_POINTS_TITLE["en"])
    return f'\n<div class="{KEY_POINTS_CLASS}"><p><strong>{title}</strong></p><ul>{items}</ul></div>'


def question_xml(question: Question, lang: str) -> str:
    """Return one question as Moodle XML."""
    text = pick(question.prompt_html, lang)[0]
    if question.type == "code_output":
        text += f"\n{question.code_html or ''}"
    qtype = {
        "single_choice": "multichoice",
        "multiple_choice": "multichoice",
        "true_false": "truefalse",
        "short_answer": "shortanswer",
        "code_output": "shortanswer",
        "ordering": "ordering",
        "flashcard": "essay",
    }[question.type]
    rows = [
        f'  <question type="{qtype}">',
        f"    <name>\n      <text>{html_escape(question.id)}</text>\n    </name>",
        text_element("questiontext", text),
        text_element("generalfeedback", pick(question.explanation_html, lang)[0]),
        plain("defaultgrade", "1.0000000"),
        plain("penalty", "0.3333333" if qtype != "essay" else "0.0000000"),
        plain("hidden", "0"),
        plain("idnumber", question.id),
    ]
    choices = [pick(choice.html, lang)[0] for choice in question.choices]
    ids = [choice.id for choice in question.choices]
    if question.type in ("single_choice", "multiple_choice"):
        single = question.type == "single_choice"
        right = {question.answer} if single else set(question.answer)
        share = 100 / len(right)
        rows += [
            plain("single", "true" if single else "false"),
            plain("shuffleanswers", "true"),
            plain("answernumbering", "abc"),
            plain("showstandardinstruction", "0"),
            *combined_feedback(),
            "    <shownumcorrect/>",
        ]
        for choice_id, html in zip(ids, choices, strict=True):
            if choice_id in right:
                rows.append(answer(share, html))
            else:
                rows.append(answer(0 if single else -share, html))
    elif question.type == "true_false":
        rows += [
            answer(100 if question.answer else 0, "true", "moodle_auto_format"),
            answer(0 if question.answer else 100, "false", "moodle_auto_format"),
        ]
    elif qtype == "shortanswer":
        rows.append(plain("usecase", "0"))
        rows += [answer(100, accepted, "moodle_auto_format") for accepted in question.accept]
    elif question.type == "ordering":
        rows += [
            plain("layouttype", "VERTICAL"),
            plain("selecttype", "ALL"),
            plain("selectcount", "0"),
            plain("gradingtype", "RELATIVE_ALL_PREVIOUS_AND_NEXT"),
            plain("showgrading", "SHOW"),
            plain("numberingstyle", "none"),
            *combined_feedback(),
            "    <shownumcorrect/>",
        ]
        # The ordering type stores each item's right position as its "fraction".
        rows += [
            f'    <answer fraction="{position}.0000000" format="html">\n'
            f"      <text>{cdata(html)}</text>\n"
            '      <feedback format="html">\n        <text></text>\n      </feedback>\n'
            "    </answer>"
            for position, html in enumerate(choices, start=1)
        ]
    elif question.type == "flashcard":
        grader = pick(question.model_answer_html, lang)[0]
        points = question.key_points.get(lang) or next(iter(question.key_points.values()), ())
        if points:
            grader += key_points_html(points, lang)
        rows += [
            plain("responseformat", "editor"),
            plain("responserequired", "1"),
            plain("responsefieldlines", "10"),
            plain("minwordlimit", ""),
            plain("maxwordlimit", ""),
            plain("attachments", "0"),
            plain("attachmentsrequired", "0"),
            plain("maxbytes", "0"),
            plain("filetypeslist", ""),
            text_element("graderinfo", grader),
            text_element("responsetemplate", ""),
        ]
    if question.tags:
        tags = "".join(f"\n      <tag><text>{html_escape(tag)}</text></tag>" for tag in question.tags)
        rows.append(f"    <tags>{tags}\n    </tags>")
    rows.append("  </question>")
    return "\n".join(rows)


def moodle_problems(question: Question) -> str | None:
    """Return why ``question`` cannot be written as Moodle XML, or None."""
    if question.type in ("short_answer", "code_output") and not question.accept:
        return "a short answer with only a regular expression is not convertible"
    return None


def write_moodle_xml(groups: list[tuple[str, list[Question]]], lang: str) -> tuple[str, list[Note]]:
    """Return the Moodle XML of (category, questions) groups and the notes on the questions left out."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    notes = []
    for category, questions in groups:
        if category:
            rows += [
                '  <question type="category">',
                f"    <category>\n      <text>$course$/top/{html_escape(category)}</text>\n    </category>",
                "  </question>",
            ]
        for question in questions:
            problem = moodle_problems(question)
            if problem:
                notes.append(Note(question.id, problem))
                continue
            rows.append(f"<!-- question: {question.id} -->")
            rows.append(question_xml(question, lang))
    rows.append("</quiz>")
    return "\n".join(rows) + "\n", notes
