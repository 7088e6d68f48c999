"""GIFT, Moodle's plain-text question format: writing it from drafts and reading it back.

Texts are written as ``[markdown]``; questions are separated by blank lines, so a blank
line inside a text is written as the ``\\n`` escape. Reading follows Moodle's own parser
(``question/format/gift/format.php``): escapes first, ``::name::``, the answer block
between the first ``{`` and the first ``}``, ``####`` general feedback, and the answer
block's shape decides the type.
"""

from __future__ import annotations

import re

from app.content.exchange.draft import Draft
from app.content.exchange.draft import ExchangeError
from app.content.exchange.draft import Note
from app.content.exchange.draft import fraction_text
from app.content.exchange.markup import html_to_markdown
from app.content.exchange.markup import plain_to_markdown

SPECIAL = "~=#{}:"
#: Private-use stand-ins for escaped characters while the structure is parsed.
PLACEHOLDERS = {"\\" + char: chr(0xE000 + index) for index, char in enumerate(SPECIAL + "n")}
RESTORE = {value: ("\n" if key == "\\n" else key[1]) for key, value in PLACEHOLDERS.items()}
BACKSLASH = chr(0xE010)
META = re.compile(r"\[(id|tag):([^\]]+)\]")
WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d*)?)%")
ARROW = "-\\>"
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
KEY_POINTS_LABELS = ("**Key points:**", "**要点：**")
EXPLANATION_LABELS = ("**Explanation:**", "**解析：**")


def escape(text: str) -> str:
    """Escape GIFT's special characters and keep the text inside one question."""
    text = text.replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    lines = text.split("\n")
    rv = lines[0]
    for line in lines[1:]:
        # Moodle splits questions on blank lines and drops lines starting with //.
        if not line.strip() or line.lstrip().startswith("//"):
            rv += "\\n" + line
        else:
            rv += "\n" + line
    return rv


def labels(lang: str) -> tuple[str, str]:
    """Return the key-points and explanation labels of a flashcard's feedback in ``lang``."""
    index = 1 if lang == "zh" else 0
    return KEY_POINTS_LABELS[index], EXPLANATION_LABELS[index]


def essay_feedback(draft: Draft, lang: str) -> str:
    """Return a flashcard's model answer, key points and explanation as one feedback text."""
    points_label, explanation_label = labels(lang)
    parts = [draft.model_answer]
    if draft.key_points:
        parts += [points_label, "\n".join(f"- {point}" for point in draft.key_points)]
    parts += [explanation_label, draft.explanation]
    return "\n\n".join(parts)


def write_question(draft: Draft, lang: str) -> str:
    """Return one question as GIFT."""
    meta = " ".join([f"[id:{draft.name}]", *(f"[tag:{tag}]" for tag in draft.tags)])
    head = f"// {meta}\n::{escape(draft.name)}::[markdown]{escape(draft.prompt)}"
    lines: list[str] = []
    feedback = draft.explanation
    if draft.type == "single_choice":
        lines = [("=" if i == draft.answer else "~") + escape(text) for i, text in enumerate(draft.choices)]
    elif draft.type == "multiple_choice":
        right = set(draft.answer)
        share = 100 / len(right)
        lines = [
            f"~%{fraction_text(share if i in right else -share)}%{escape(text)}"
            for i, text in enumerate(draft.choices)
        ]
    elif draft.type == "true_false":
        lines = ["TRUE" if draft.answer else "FALSE"]
    elif draft.type == "short_answer":
        lines = ["=" + escape(answer) for answer in draft.accept]
    elif draft.type == "ordering":
        # Moodle splits a pair on its first "->"; Markdown's \\> keeps an arrow in the item.
        items = [escape(text.replace("->", ARROW)) for text in draft.choices]
        lines = [f"={item} -> {i}" for i, item in enumerate(items, start=1)]
    elif draft.type == "flashcard":
        feedback = essay_feedback(draft, lang)
    lines.append("####" + escape(feedback))
    return head + "{\n" + "\n".join(lines) + "\n}\n"


def gift_problems(draft: Draft) -> str | None:
    """Return why ``draft`` cannot be written as GIFT, or None."""
    if draft.type == "multiple_choice" and len(draft.answer) == 1:
        return (
            "a multiple-choice question with one right choice cannot be written in GIFT "
            "(Moodle reads %100% as 0)"
        )
    if draft.type == "short_answer" and not draft.accept:
        return "a short answer with only a regular expression is not convertible"
    if draft.type == "short_answer" and len(draft.accept) == 1 and draft.accept[0].strip() in TRUE_FALSE:
        return f"the only accepted answer {draft.accept[0]!r} would be read as true/false"
    return None


def write_gift(groups: list[tuple[str, list[Draft]]], lang: str) -> tuple[str, list[Note]]:
    """Return the GIFT text of (category, drafts) groups and the notes on the questions left out."""
    rv = []
    notes = []
    for category, drafts in groups:
        if category:
            rv.append(f"$CATEGORY: $course$/top/{category}\n")
        for draft in drafts:
            problem = gift_problems(draft)
            if problem:
                notes.append(Note(draft.name, problem))
                continue
            rv.append(write_question(draft, lang))
    return "\n".join(rv), notes


# -- reading ---------------------------------------------------------------------------------


def split_questions(text: str) -> list[tuple[int, list[str]]]:
    """Return (first line, lines) of each question: runs of lines between blank lines."""
    rv: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            rv.append((start, current))
            current = []
    if current:
        rv.append((start, current))
    return rv


def protect(text: str) -> str:
    """Replace escaped characters with placeholders, as Moodle does before parsing."""
    text = text.replace("\\\\", BACKSLASH)
    for escaped, placeholder in PLACEHOLDERS.items():
        text = text.replace(escaped, placeholder)
    return text.replace(BACKSLASH, "\\")


def restore(text: str) -> str:
    """Turn placeholders back into the characters they stand for."""
    for placeholder, char in RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def with_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading ``[format]`` off ``text``; return (format, text)."""
    text = text.strip()
    match = re.match(r"^\[(html|markdown|plain|moodle)\]", text)
    if match:
        return match.group(1), text[match.end() :]
    return default, text


class GiftReader:
    """Read GIFT text into drafts, raising ``ExchangeError`` on a malformed question."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.notes: list[Note] = []

    def error(self, line: int, message: str) -> ExchangeError:
        """Return the error for ``line``."""
        return ExchangeError(self.path, line, message)

    def markdown(self, text: str, fmt: str, name: str, line: int) -> str:
        """Return a text of the question in course Markdown."""
        text = restore(text).strip()
        if fmt == "markdown":
            return text
        if fmt == "html":
            rv, dropped = html_to_markdown(text)
            if dropped:
                tags = ", ".join(f"<{tag}>" for tag in sorted(dropped))
                self.notes.append(Note(name, f"HTML {tags} kept as plain text", line))
            return rv
        return plain_to_markdown(text)

    def read(self, text: str) -> list[Draft]:
        """Return every question of ``text`` that has an Inside Flask type."""
        text = text.replace("\r\n", "\n").removeprefix("\ufeff")
        rv = []
        for start, lines in split_questions(text):
            draft = self.question(start, lines)
            if draft is not None:
                rv.append(draft)
        return rv

    def question(self, start: int, lines: list[str]) -> Draft | None:
        """Read one question's lines."""
        meta: dict[str, list[str]] = {"id": [], "tag": []}
        kept = []
        for line in lines:
            if line.strip().startswith("//"):
                for kind, value in META.findall(line):
                    meta[kind].append(value.strip())
                kept.append("")
            else:
                kept.append(line)
        full = protect("\n".join(kept))
        pos = len(full) - len(full.lstrip())
        if not full.strip():
            return None

        def line_at(position: int) -> int:
            return start + full.count("\n", 0, position)

        if full.startswith("$CATEGORY:", pos):
            return None
        name = ""
        if full.startswith("::", pos):
            end = full.find("::", pos + 2)
            if end < 0:
                raise self.error(line_at(pos), "the question name is not closed with ::")
            name = restore(full[pos + 2 : end]).strip()
            pos = end + 2
        open_at, close_at = full.find("{", pos), full.find("}", pos)
        label = name or f"question at line {start}"
        if open_at < 0 and close_at < 0:
            self.notes.append(Note(label, "a description (no answers) is not a question", start))
            return None
        if close_at < 0:
            raise self.error(line_at(open_at), "'{' without '}': answers go between { and }")
        if open_at < 0 or close_at < open_at:
            raise self.error(line_at(close_at), "'}' without '{': answers go between { and }")
        body = full[pos:]
        open_at, close_at = open_at - pos, close_at - pos
        answers_line = line_at(open_at + pos)
        answers = body[open_at + 1 : close_at].strip()
        if body[close_at + 1 :].strip():
            self.notes.append(
                Note(label, "missing-word questions (text after the answers) are not convertible", start)
            )
            return None
        fmt, prompt = with_format(body[:open_at], "moodle")
        feedback = ""
        split = answers.rfind("####")
        if split >= 0:
            feedback = answers[split + 4 :]
            answers = answers[:split].strip()
        feedback_fmt, feedback = with_format(feedback, fmt)
        draft = Draft(
            type="",
            name=meta["id"][0] if meta["id"] else name,
            prompt=self.markdown(prompt, fmt, label, start),
            explanation=self.markdown(feedback, feedback_fmt, label, start),
            tags=meta["tag"],
            line=start,
        )
        if not answers:
            return self.essay(draft, fmt)
        if answers[0] == "#":
            self.notes.append(Note(label, "numerical questions are not convertible", start))
            return None
        if "~" in answers:
            return self.choice(draft, answers, fmt, answers_line)
        if "=" in answers and "->" in answers:
            return self.matching(draft, answers, fmt, answers_line)
        check = answers.split("#", 1)[0].strip()
        if check in TRUE_FALSE:
            draft.type = "true_false"
            draft.answer = TRUE_FALSE[check]
            return draft
        return self.short_answer(draft, answers, answers_line)

    def essay(self, draft: Draft, fmt: str) -> Draft:
        """Read an essay as a flashcard: model answer, key points and explanation from the feedback."""
        draft.type = "flashcard"
        text = draft.explanation
        explanation = ""
        for label in EXPLANATION_LABELS:
            head, found, tail = text.rpartition("\n\n" + label + "\n\n")
            if found:
                text, explanation = head, tail
                break
        points: list[str] = []
        for label in KEY_POINTS_LABELS:
            head, found, tail = text.rpartition("\n\n" + label + "\n\n")
            if found:
                text = head
                points = [line.removeprefix("- ") for line in tail.split("\n") if line.startswith("- ")]
                break
        draft.model_answer, draft.key_points, draft.explanation = text, points, explanation
        if not draft.model_answer:
            draft.model_answer = draft.explanation or "—"
        return draft

    def answer_list(self, answers: str, separator: str) -> list[str]:
        """Split an answer block on ``separator`` the way Moodle does."""
        parts = (
            answers.replace("=", separator + "=").split(separator) if separator == "~" else answers.split("=")
        )
        return [part.strip() for part in parts if part.strip()]

    def choice(self, draft: Draft, answers: str, fmt: str, line: int) -> Draft:
        """Read a multiple-choice block: ``=`` right, ``~`` wrong, ``~%50%`` partial credit."""
        single = "=" in answers
        weights, texts = [], []
        for part in self.answer_list(answers, "~"):
            if part.startswith("="):
                weight, part = 100.0, part[1:]
            else:
                match = WEIGHT.match(part)
                if part.startswith("%") and not match:
                    raise self.error(line, f"bad answer weight in {restore(part)!r}: write ~%50%answer")
                weight = float(match.group(1)) if match else 0.0
                part = part[match.end() :] if match else part
            text = part.split("#", 1)[0]
            weights.append(weight)
            texts.append(self.markdown(text, fmt, draft.name, line))
        if len(texts) < 2:
            raise self.error(line, "a multiple-choice question needs at least two answers")
        draft.choices = texts
        right = [i for i, weight in enumerate(weights) if weight > 0]
        if not right:
            raise self.error(line, "no answer is right: mark one with = or give it a positive %weight%")
        if single and len(right) == 1 and all(w in (0, 100) for w in weights):
            draft.type, draft.answer = "single_choice", right[0]
            return draft
        draft.type, draft.answer = "multiple_choice", tuple(right)
        expected = 100 / len(right)
        if any(
            abs(weight - (expected if weight > 0 else -expected)) > 0.01 and weight != 0 for weight in weights
        ) or any(weight == 0 for weight in weights):
            self.notes.append(
                Note(
                    draft.name,
                    "answer weights differ from Inside Flask's scoring ((right - wrong picks) / right "
                    "choices); the choices with a positive weight are the right ones",
                    draft.line,
                )
            )
        return draft

    def matching(self, draft: Draft, answers: str, fmt: str, line: int) -> Draft | None:
        """Read a matching block; pairs matched to 1, 2, 3 … are an ordering question."""
        pairs = []
        for part in self.answer_list(answers, "="):
            left, arrow, right = part.partition("->")
            if not arrow:
                raise self.error(line, f"matching pair {restore(part)!r} has no ->")
            pairs.append((left.strip(), restore(right).strip()))
        if len(pairs) < 2:
            raise self.error(line, "a matching question needs at least two pairs")
        if (
            sorted(right for _, right in pairs) != [str(n) for n in range(1, len(pairs) + 1)]
            or len(pairs) > 9
        ):
            self.notes.append(
                Note(
                    draft.name,
                    "matching questions are not convertible "
                    "(only items matched to 1, 2, 3 … are an ordering)",
                    draft.line,
                )
            )
            return None
        ordered = sorted(pairs, key=lambda pair: int(pair[1]))
        draft.type = "ordering"
        draft.choices = [self.markdown(left, fmt, draft.name, line) for left, _ in ordered]
        return draft

    def short_answer(self, draft: Draft, answers: str, line: int) -> Draft:
        """Read ``=answer`` alternatives; partial-credit answers are left out with a note."""
        draft.type = "short_answer"
        for part in self.answer_list(answers, "="):
            match = WEIGHT.match(part)
            if match and float(match.group(1)) < 100:
                self.notes.append(
                    Note(draft.name, f"the partial-credit answer {restore(part)!r} is left out", line)
                )
                continue
            text = restore((part[match.end() :] if match else part).split("#", 1)[0]).strip()
            if text:
                draft.accept.append(text)
        if not draft.accept:
            raise self.error(line, "a short-answer question needs at least one =answer")
        return draft


def read_gift(text: str, path: str = "<gift>") -> tuple[list[Draft], list[Note]]:
    """Return the drafts in a GIFT text and the notes on questions left out."""
    reader = GiftReader(path)
    drafts = reader.read(text)
    return drafts, reader.notes
