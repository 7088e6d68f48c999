"""Moodle XML: writing the catalog's questions for Moodle's importer and reading Moodle's exports.

Written as Moodle's ``question/format/xml/format.php`` writes it: ``<quiz>`` of
``<question type="…">`` with ``<questiontext format="html">`` in CDATA, grades as
percentages from Moodle's list (100, 50, 33.33333, 25, …, negatives for wrong picks),
ordering questions as the ``ordering`` question type (standard since Moodle 4.4) graded
``RELATIVE_ALL_PREVIOUS_AND_NEXT``, the pairs-in-order rule Inside Flask uses. The
reader refuses DTDs and entity declarations.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass
from dataclasses import field

from app.content.exchange.draft import Draft
from app.content.exchange.draft import ExchangeError
from app.content.exchange.draft import Note
from app.content.exchange.draft import fraction_text
from app.content.exchange.markup import html_escape
from app.content.exchange.markup import html_to_markdown
from app.content.exchange.markup import plain_to_markdown
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


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Element:
    """An XML element with the line it starts on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """Return the first child called ``tag``."""
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> list[Element]:
        """Return the children called ``tag``."""
        return [child for child in self.children if child.tag == tag]

    def value(self, tag: str, default: str = "") -> str:
        """Return the stripped text of child ``tag`` (or of its ``<text>``)."""
        child = self.find(tag)
        if child is None:
            return default
        inner = child.find("text")
        return (inner.text if inner is not None else child.text).strip()


def parse_xml(text: str, path: str) -> Element:
    """Parse ``text`` with line numbers; refuse DTDs and entities, report bad XML as ``ExchangeError``."""
    parser = xml.parsers.expat.ParserCreate()
    root = Element("", {}, 0)
    stack = [root]

    def refuse(*args: object) -> None:
        raise ExchangeError(path, parser.CurrentLineNumber, "DTDs and entity declarations are not allowed")

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag, attrs, parser.CurrentLineNumber)
        stack[-1].children.append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        stack[-1].text += chunk

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text.encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        raise ExchangeError(path, exc.lineno, f"not well-formed XML: {message}") from None
    return root.children[0]


class MoodleReader:
    """Read Moodle XML into drafts."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.notes: list[Note] = []

    def error(self, line: int, message: str) -> ExchangeError:
        """Return the error for ``line``."""
        return ExchangeError(self.path, line, message)

    def markdown(self, element: Element | None, name: str) -> str:
        """Return the text of a ``<… format=""><text>`` element as course Markdown."""
        if element is None:
            return ""
        inner = element.find("text")
        text = (inner.text if inner is not None else element.text).strip()
        fmt = element.attrs.get("format", "html")
        if fmt == "markdown":
            return text
        if fmt == "html":
            rv, dropped = html_to_markdown(text)
            if dropped:
                tags = ", ".join(f"<{tag}>" for tag in sorted(dropped))
                self.notes.append(Note(name, f"HTML {tags} kept as plain text", element.line))
            return rv
        return plain_to_markdown(text)

    def read(self, text: str) -> list[Draft]:
        """Return the drafts of every convertible question."""
        root = parse_xml(text.removeprefix("\ufeff"), self.path)
        if root.tag != "quiz":
            raise self.error(root.line, f"the root element must be <quiz>, not <{root.tag}>")
        rv = []
        for element in root.children:
            if element.tag != "question":
                raise self.error(element.line, f"unexpected <{element.tag}> in <quiz> (only <question>)")
            draft = self.question(element)
            if draft is not None:
                rv.append(draft)
        return rv

    def question(self, element: Element) -> Draft | None:
        """Read one ``<question>``."""
        qtype = element.attrs.get("type")
        if not qtype:
            raise self.error(element.line, "<question> needs a type attribute")
        if qtype == "category":
            return None
        name = element.value("name") or f"question at line {element.line}"
        reader = {
            "multichoice": self.multichoice,
            "truefalse": self.truefalse,
            "shortanswer": self.shortanswer,
            "ordering": self.ordering,
            "matching": self.matching,
            "essay": self.essay,
        }.get(qtype)
        if reader is None:
            self.notes.append(
                Note(name, f"the {qtype} question type has no Inside Flask equivalent", element.line)
            )
            return None
        if element.find("questiontext") is None:
            raise self.error(element.line, f"question {name!r} has no <questiontext>")
        tags = [tag.value("text") for tag in (element.find("tags") or Element("", {}, 0)).findall("tag")]
        draft = Draft(
            type="",
            name=element.value("idnumber") or name,
            prompt=self.markdown(element.find("questiontext"), name),
            explanation=self.markdown(element.find("generalfeedback"), name),
            tags=[tag for tag in tags if tag],
            line=element.line,
        )
        return reader(element, draft)

    def answers(self, element: Element, draft: Draft) -> list[tuple[float, Element]]:
        """Return (fraction, answer element) of every ``<answer>``."""
        rv = []
        for item in element.findall("answer"):
            raw = item.attrs.get("fraction", "0")
            try:
                rv.append((float(raw), item))
            except ValueError:
                raise self.error(item.line, f"answer fraction {raw!r} is not a number") from None
        return rv

    def multichoice(self, element: Element, draft: Draft) -> Draft:
        """Read a multichoice question: single or multiple right answers."""
        answers = self.answers(element, draft)
        if len(answers) < 2:
            raise self.error(
                element.line, f"multichoice question {draft.name!r} needs at least two <answer>s"
            )
        draft.choices = [self.markdown(item, draft.name) for _, item in answers]
        right = [i for i, (fraction, _) in enumerate(answers) if fraction > 0]
        if not right:
            raise self.error(
                element.line, f"multichoice question {draft.name!r} has no answer with a positive fraction"
            )
        single = element.value("single", "true").lower() in ("true", "1")
        if single:
            draft.type, draft.answer = "single_choice", right[0]
            if len(right) > 1 or any(0 < fraction < 100 for fraction, _ in answers):
                self.notes.append(
                    Note(
                        draft.name,
                        "partial credit on a one-answer question is not kept: "
                        "the first answer with a positive fraction is the right one",
                        element.line,
                    )
                )
            return draft
        draft.type, draft.answer = "multiple_choice", tuple(right)
        share = 100 / len(right)
        if any(abs(fraction - (share if fraction > 0 else -share)) > 0.01 for fraction, _ in answers):
            self.notes.append(
                Note(
                    draft.name,
                    "fractions differ from Inside Flask's scoring ((right - wrong picks) / right "
                    "choices); the answers with a positive fraction are the right ones",
                    element.line,
                )
            )
        return draft

    def truefalse(self, element: Element, draft: Draft) -> Draft:
        """Read a true/false question: the answer text true or false with fraction 100."""
        for fraction, item in self.answers(element, draft):
            word = item.value("text").lower()
            if fraction > 0 and word in ("true", "false"):
                draft.type, draft.answer = "true_false", word == "true"
                return draft
        raise self.error(element.line, f"truefalse question {draft.name!r} has no right answer true or false")

    def shortanswer(self, element: Element, draft: Draft) -> Draft:
        """Read a short answer: answers at 100 % are accepted; others are left out with a note."""
        draft.type = "short_answer"
        for fraction, item in self.answers(element, draft):
            text = item.value("text")
            if fraction >= 100 and text:
                if "*" in text:
                    self.notes.append(
                        Note(draft.name, f"the wildcard answer {text!r} is taken literally", item.line)
                    )
                draft.accept.append(text)
            elif text:
                self.notes.append(
                    Note(
                        draft.name, f"the {fraction_text(fraction)} % answer {text!r} is left out", item.line
                    )
                )
        if not draft.accept:
            raise self.error(
                element.line, f"shortanswer question {draft.name!r} has no answer with fraction 100"
            )
        return draft

    def ordering(self, element: Element, draft: Draft) -> Draft:
        """Read an ordering question: the fraction of each answer is its position."""
        answers = self.answers(element, draft)
        if len(answers) < 2:
            raise self.error(element.line, f"ordering question {draft.name!r} needs at least two <answer>s")
        ordered = sorted(answers, key=lambda pair: pair[0])
        draft.type = "ordering"
        draft.choices = [self.markdown(item, draft.name) for _, item in ordered]
        return draft

    def matching(self, element: Element, draft: Draft) -> Draft | None:
        """Read a matching question whose answers are 1, 2, 3 … as an ordering; others are noted."""
        pairs = []
        for sub in element.findall("subquestion"):
            pairs.append((sub, (sub.find("answer") or Element("", {}, 0)).value("text")))
        numbers = sorted(answer for _, answer in pairs)
        if len(pairs) < 2 or numbers != [str(n) for n in range(1, len(pairs) + 1)]:
            self.notes.append(
                Note(
                    draft.name,
                    "matching questions are not convertible (only items matched to "
                    "1, 2, 3 … are read, as an ordering)",
                    element.line,
                )
            )
            return None
        draft.type = "ordering"
        draft.choices = [self.markdown(sub, draft.name) for sub, _ in sorted(pairs, key=lambda p: int(p[1]))]
        return draft

    def essay(self, element: Element, draft: Draft) -> Draft:
        """Read an essay as a flashcard: the information for graders is the model answer."""
        draft.type = "flashcard"
        grader = element.find("graderinfo")
        html = ""
        if grader is not None:
            inner = grader.find("text")
            html = (inner.text if inner is not None else grader.text).strip()
        marker = f'<div class="{KEY_POINTS_CLASS}">'
        model, found, points = html.partition(marker)
        if found:
            fake = Element(
                "graderinfo", {"format": "html"}, grader.line, [Element("text", {}, 0, text=model)]
            )
            draft.model_answer = self.markdown(fake, draft.name)
            items = points.split("<li>")[1:]
            draft.key_points = [html_to_markdown(item.split("</li>", 1)[0])[0] for item in items]
        else:
            draft.model_answer = self.markdown(grader, draft.name) if grader is not None else ""
        if not draft.model_answer:
            self.notes.append(
                Note(
                    draft.name,
                    "the essay has no information for graders; the model answer is the general feedback",
                    element.line,
                )
            )
            draft.model_answer = draft.explanation or "—"
        return draft


def read_moodle_xml(text: str, path: str = "<xml>") -> tuple[list[Draft], list[Note]]:
    """Return the drafts in a Moodle XML text and the notes on what was left out."""
    reader = MoodleReader(path)
    drafts = reader.read(text)
    return drafts, reader.notes
