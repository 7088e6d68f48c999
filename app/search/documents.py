"""What gets indexed: each lesson section and each question, per language, as plain text.

A lesson is cut at its headings (every ``<h2>``–``<h4>`` with an ``id``, as rendered), so a
hit links to the section that holds it. The text before the first heading belongs to the
lesson's title. Code blocks and admonition titles are kept apart from body text; a diagram
counts by its caption, not by the labels of its drawing.

Inline code is remembered beside the text, never inside it: each field is plain text (what
is indexed) plus the ``(start, end)`` offsets of its ``<code>`` spans (what a snippet shows
as code). No HTML from the course survives into a document.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from app.content.catalog import lesson_url
from app.content.model import Catalog
from app.content.model import Lesson
from app.content.model import Question
from app.content.render import SNIPPET_ACTIONS
from app.search.text import is_cjk
from app.search.text import normalize

#: The ``(start, end)`` offsets of the inline code in a field's text.
Spans = tuple[tuple[int, int], ...]

HEADING = re.compile(r'<h([2-4]) id="([^"]*)"[^>]*>(.*?)</h\1>', re.S)
HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.S)
#: A diagram's drawing: its labels are shared by both languages, its caption says it in words.
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
LABEL = re.compile(r'<p class="admonition-title"[^>]*>(.*?)</p>|<summary[^>]*>(.*?)</summary>', re.S)
INLINE_CODE = re.compile(r"<code[^>]*>(.*?)</code>", re.S)
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
#: A character that is part of a Latin search term (after ``normalize``).
WORD = re.compile(r"[a-z0-9_.]")


def plain(fragment: str) -> str:
    """Return the text of an HTML fragment, entities decoded and whitespace collapsed."""
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", fragment))).strip()


def glued(before: str, after: str) -> bool:
    """Return whether two characters side by side would make one search term (``app`` + ``s``)."""
    first, second = normalize(before)[-1:], normalize(after)[:1]
    return bool(WORD.match(first) and WORD.match(second)) or (is_cjk(first) and is_cjk(second))


def code_pieces(fragment: str) -> Iterator[tuple[str, bool]]:
    """Yield the pieces of ``fragment`` outside and inside its ``<code>`` elements, in order."""
    position = 0
    for match in INLINE_CODE.finditer(fragment):
        yield fragment[position : match.start()], False
        yield match.group(1), True
        position = match.end()
    yield fragment[position:], False


def plain_with_code(fragment: str) -> tuple[str, Spans]:
    """Return the text of an HTML fragment and where its inline ``<code>`` is in that text.

    The text is ``plain``'s except at the edges of code: a space stays only where the
    fragment has one, or where two words would otherwise run into one search term. So
    ``current_app,`` and ``调用url_for时`` read as written, and the terms are ``plain``'s.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    length, gap = 0, False
    for piece, is_code in code_pieces(fragment):
        raw = html.unescape(TAG.sub(" ", piece))
        text = SPACE.sub(" ", raw).strip()
        if not text:
            gap = gap or bool(raw)
            continue
        if out and (gap or raw[0].isspace() or glued(out[-1][-1], text[0])):
            out.append(" ")
            length += 1
        if is_code:
            spans.append((length, length + len(text)))
        out.append(text)
        length += len(text)
        gap = raw[-1].isspace()
    return "".join(out), tuple(spans)


def join_with_code(parts: list[tuple[str, Spans]]) -> tuple[str, Spans]:
    """Join texts with their code spans by single spaces, skipping empty ones."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for text, code in parts:
        if not text:
            continue
        if texts:
            length += 1
        spans.extend((start + length, end + length) for start, end in code)
        texts.append(text)
        length += len(text)
    return " ".join(texts), tuple(spans)


def code_text(fragment: str) -> str:
    """Return the text of a code block, with each line kept apart by a space."""
    return SPACE.sub(" ", html.unescape(TAG.sub("", fragment))).strip()


@dataclass(frozen=True)
class Document:
    """One searchable unit: a lesson section or a question, in one language."""

    kind: str  # "lesson" or "question"
    key: str  # the same section or question in the other language has the same key
    lang: str
    topic: str
    url: str
    #: Where to go from a page in the other language when this anchor does not exist there.
    fallback_url: str
    title: str
    heading: str
    labels: str
    body: str
    code: str
    #: Languages whose rendering of the lesson has this section's anchor.
    anchor_langs: frozenset[str] = frozenset()
    #: Where ``heading``, ``labels`` and ``body`` have inline code.
    heading_code: Spans = ()
    labels_code: Spans = ()
    body_code: Spans = ()

    def contains(self, phrase: str) -> bool:
        """Return whether a Chinese phrase appears unbroken in any field."""
        return any(phrase in text for text in (self.title, self.heading, self.labels, self.body, self.code))

    def link(self, page_lang: str) -> str:
        """Return the URL to open from a page shown in ``page_lang``."""
        if self.lang == page_lang or page_lang in self.anchor_langs:
            return self.url
        return self.fallback_url


def split_sections(fragment: str) -> Iterator[tuple[str, tuple[str, Spans], str]]:
    """Yield (anchor, heading text with its code, HTML) for the intro and each heading of a lesson."""
    position, anchor, heading = 0, "", ("", ())
    for match in HEADING.finditer(fragment):
        yield anchor, heading, fragment[position : match.start()]
        anchor = html.unescape(match.group(2))
        heading = plain_with_code(HEADERLINK.sub("", match.group(3)))
        position = match.end()
    yield anchor, heading, fragment[position:]


def section_parts(fragment: str) -> tuple[tuple[str, Spans], tuple[str, Spans], str]:
    """Return (admonition titles, body text, each with its inline code; code text) of a section."""
    # A diagram's labels repeat its caption, and a snippet's "Open in the playground" link
    # is the same words under every runnable snippet: neither is what a section says.
    fragment = SNIPPET_ACTIONS.sub(" ", SVG.sub(" ", fragment))
    code = " ".join(code_text(block) for block in PRE.findall(fragment))
    labels = join_with_code([plain_with_code(a or b) for a, b in LABEL.findall(fragment)])
    rest = LABEL.sub(" ", PRE.sub(" ", fragment))
    return labels, plain_with_code(rest), code


def lesson_documents(lesson: Lesson) -> Iterator[Document]:
    """Yield one document per section of each language of ``lesson``."""
    anchors: dict[str, set[str]] = {}
    split = {}
    for lang, text in lesson.texts.items():
        split[lang] = list(split_sections(text.html))
        for anchor, _, _ in split[lang]:
            anchors.setdefault(anchor, set()).add(lang)
    top = lesson_url(lesson.topic, lesson.slug)
    for lang, text in lesson.texts.items():
        for anchor, heading, fragment in split[lang]:
            labels, body, code = section_parts(fragment)
            if not anchor:
                body = join_with_code([(text.summary.strip(), ()), body])
            url = top + (f"#{quote(anchor, safe='-_.~')}" if anchor else "")
            yield Document(
                kind="lesson",
                key=f"{lesson.slug}#{anchor}",
                lang=lang,
                topic=lesson.topic,
                url=url,
                fallback_url=top,
                title=text.title,
                heading=heading[0],
                labels=labels[0],
                body=body[0],
                code=code,
                anchor_langs=frozenset(anchors.get(anchor, ())),
                heading_code=heading[1],
                labels_code=labels[1],
                body_code=body[1],
            )


def question_url(topic: str, question_id: str) -> str:
    """Return the address of a question's own page (``learn.question_page``)."""
    return f"/topics/{quote(topic, safe='')}/questions/{quote(question_id, safe='')}"


def question_documents(question: Question, topic: str, quiz_title: dict[str, str]) -> Iterator[Document]:
    """Yield one document per language of ``question``: prompt, choices, explanation, answer.

    A hit opens the question's own page. A code challenge's hidden tests are in none of
    these texts, so search never shows them.
    """
    url = question_url(topic, question.id)
    for lang, prompt in question.prompt_html.items():
        texts = (question.explanation_html, question.model_answer_html)
        parts = [html_text.get(lang, "") for html_text in texts]
        parts += [choice.html.get(lang, "") for choice in question.choices]
        parts += list(question.key_points.get(lang, ()))
        heading = plain_with_code(prompt)
        body = join_with_code([plain_with_code(part) for part in parts if part])
        yield Document(
            kind="question",
            key=question.id,
            lang=lang,
            topic=topic,
            url=url,
            fallback_url=url,
            title=quiz_title.get(lang) or next(iter(quiz_title.values()), topic),
            heading=heading[0],
            labels="",
            body=body[0],
            code=code_text(question.code_html or "") if question.code_html else (question.code or ""),
            anchor_langs=frozenset(question.prompt_html),
            heading_code=heading[1],
            body_code=body[1],
        )


def course_documents(catalog: Catalog) -> list[Document]:
    """Return every document of the course: lesson sections in course order, then questions."""
    rv: list[Document] = []
    for slug in catalog.lesson_order:
        rv.extend(lesson_documents(catalog.lessons[slug]))
    for quiz in catalog.quizzes.values():
        for question in quiz.questions:
            rv.extend(question_documents(question, quiz.topic, dict(quiz.title)))
    return rv
