"""Highlighted snippets: escape everything first, then add ``<code>`` and ``<mark>``.

The text comes from rendered course HTML reduced to plain text, with the offsets of its
inline code kept beside it (``app.search.documents``); it is never shown as HTML. A snippet
is built from that text alone: every character is escaped, and the only markup added is a
``<code>`` around each code span and a ``<mark>`` around each match, nested code outside
mark, so code and quoted error messages read as code even inside a Chinese sentence.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup
from markupsafe import escape

from app.search.documents import Document
from app.search.documents import Spans

#: Characters of context around the first match.
WIDTH = 180
LEAD = 50
ELLIPSIS = "…"


@lru_cache(maxsize=256)
def pattern(needles: tuple[str, ...]) -> re.Pattern[str] | None:
    """Return one case-insensitive pattern matching any needle, longest first."""
    if not needles:
        return None
    return re.compile("|".join(re.escape(needle) for needle in needles), re.IGNORECASE)


def spans(text: str, needles: list[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return the (start, end) of every needle in ``text[start:end]``, merged where they touch."""
    compiled = pattern(tuple(needles))
    if compiled is None or not text:
        return []
    rv: list[tuple[int, int]] = []
    for match in compiled.finditer(text, start, len(text) if end is None else end):
        first, last = match.span()
        if rv and first <= rv[-1][1]:
            rv[-1] = (rv[-1][0], max(last, rv[-1][1]))
        else:
            rv.append((first, last))
    return rv


def within(ranges: Sequence[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Return the parts of sorted, disjoint ``ranges`` that fall in ``[start, end)``."""
    first = bisect_right(ranges, start, key=lambda span: span[1])
    rv = []
    for low, high in ranges[first:]:
        if low >= end:
            break
        rv.append((max(low, start), min(high, end)))
    return rv


def with_marks(text: str, found: Sequence[tuple[int, int]], start: int, end: int) -> str:
    """Return ``text[start:end]`` escaped, with each found span in it in ``<mark>``."""
    out: list[str] = []
    position = start
    for first, last in found:
        first, last = max(first, position), min(last, end)
        if last <= first:
            continue
        out.append(html.escape(text[position:first]))
        out.append("<mark>" + html.escape(text[first:last]) + "</mark>")
        position = last
    out.append(html.escape(text[position:end]))
    return "".join(out)


def marked(
    text: str,
    found: Sequence[tuple[int, int]],
    start: int = 0,
    end: int | None = None,
    code: Spans = (),
) -> Markup:
    """Return ``text[start:end]`` escaped, each code span in ``<code>``, each found span in ``<mark>``.

    ``found`` and ``code`` are sorted and disjoint. The range is cut at the edges of code,
    and each piece is marked on its own: code stays outside mark, a match across the edge
    of code becomes two ``<mark>``s, and a window starting inside code still opens it.
    """
    end = len(text) if end is None else end
    out: list[str] = []
    position = start
    for first, last in within(code, start, end):
        out.append(with_marks(text, found, position, first))
        out.append("<code>" + with_marks(text, found, first, last) + "</code>")
        position = last
    out.append(with_marks(text, found, position, end))
    # Every piece of text above went through html.escape; <code> and <mark> are the only markup.
    return Markup("".join(out))  # noqa: S704


def highlight(text: str, needles: list[str], code: Spans = ()) -> Markup:
    """Return the whole of a short text (a title, a heading) escaped, its code and matches marked."""
    return marked(text, spans(text, needles), code=code)


def excerpt(text: str, needles: list[str], anchor: str, code: Spans = ()) -> Markup | None:
    """Return a window of ``text`` around the first ``anchor``, every needle marked; None without one."""
    first = pattern((anchor,)).search(text) if text else None
    if first is None:
        return None
    start = max(first.start() - LEAD, 0)
    if start:
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(start + WIDTH, len(text))
    if end < len(text):
        space = text.rfind(" ", first.end(), end)
        end = space if space > first.end() else end
    prefix = ELLIPSIS + " " if start else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return escape(prefix) + marked(text, spans(text, needles, start, end), start, end, code) + escape(suffix)


def fields(document: Document) -> tuple[tuple[str, Spans], ...]:
    """Return the texts a snippet may come from, in order, each with its code spans.

    A code block's text is code from end to end.
    """
    return (
        (document.body, document.body_code),
        (document.code, ((0, len(document.code)),) if document.code else ()),
        (document.labels, document.labels_code),
    )


def snippet(document: Document, needles: list[str]) -> Markup:
    """Return the best snippet of a document: body, then code, then admonition titles.

    Needles come longest first, and the longest one found anchors the window: a whole
    Chinese phrase (``请求钩子``) is shown in preference to a stray part of it (``请求``).
    """
    texts = fields(document)
    for anchor in needles:
        for text, code in texts:
            rv = excerpt(text, needles, anchor, code)
            if rv is not None:
                return rv
    text, code = texts[0] if document.body else texts[1]
    shown = marked(text, [], 0, min(WIDTH, len(text)), code)
    return shown + escape(" " + ELLIPSIS if len(text) > WIDTH else "")
