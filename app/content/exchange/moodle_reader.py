"""Reading Moodle XML (as Moodle's ``question/format/xml/format.php`` writes it) into drafts.

The parser keeps each element's line for ``file:line: message`` errors and refuses DTDs and
entity declarations, so no entity expansion or external entity is ever processed.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass
from dataclasses import field

from app.content.exchange.draft import Draft
from app.content.exchange.draft import ExchangeError
from app.content.exchange.draft import Note
from app.content.exchange.draft import fraction_text
from app.content.exchange.markup import html_to_markdown
from app.content.exchange.markup import plain_to_markdown
from app.content.exchange.moodle import KEY_POINTS_CLASS


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
