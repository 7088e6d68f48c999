"""Highlighted snippets: escape everything first, then wrap the matches in ``<mark>``.

The text comes from rendered course HTML reduced to plain text; it is never shown as HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup
from markupsafe import escape

from app.search.documents import Document
from app.search.text import normalize

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


def spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Return the (start, end) of every needle in ``text``, merged where they touch."""
    compiled = pattern(tuple(needles))
    if compiled is None or not text:
        return []
    # Matching runs on the folded text; NFKC/casefold keep lengths for the course's text
    # (ASCII and CJK), and a text whose length changes is matched as it is.
    folded = normalize(text)
    target = folded if len(folded) == len(text) else text
    rv: list[tuple[int, int]] = []
    for match in compiled.finditer(target):
        start, end = match.span()
        if rv and start <= rv[-1][1]:
            rv[-1] = (rv[-1][0], max(end, rv[-1][1]))
        else:
            rv.append((start, end))
    return rv


def marked(text: str, found: list[tuple[int, int]], offset: int = 0) -> Markup:
    """Return ``text`` escaped, with each span (relative to ``offset``) in ``<mark>``."""
    out: list[Markup] = []
    position = 0
    for start, end in found:
        start, end = max(start - offset, 0), min(end - offset, len(text))
        if end <= position or start >= len(text):
            continue
        start = max(start, position)
        out.append(escape(text[position:start]))
        # Markup's % escapes the argument: only the <mark> element is markup.
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def highlight(text: str, needles: list[str]) -> Markup:
    """Return the whole of a short text (a title, a heading) escaped and marked."""
    return marked(text, spans(text, needles))


def excerpt(text: str, needles: list[str]) -> Markup | None:
    """Return a window of ``text`` around its first match, marked; None when nothing matches."""
    found = spans(text, needles)
    if not found:
        return None
    start = max(found[0][0] - LEAD, 0)
    if start:
        space = text.find(" ", start, found[0][0])
        start = space + 1 if space != -1 else start
    end = min(start + WIDTH, len(text))
    if end < len(text):
        space = text.rfind(" ", found[0][1], end)
        end = space if space > found[0][1] else end
    window = [(s, e) for s, e in found if s < end]
    prefix = ELLIPSIS + " " if start else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return escape(prefix) + marked(text[start:end], window, start) + escape(suffix)


def snippet(document: Document, needles: list[str]) -> Markup:
    """Return the best snippet of a document: body, then code, then admonition titles."""
    for text in (document.body, document.code, document.labels):
        rv = excerpt(text, needles)
        if rv is not None:
            return rv
    text = document.body or document.code
    return escape(text[:WIDTH] + (" " + ELLIPSIS if len(text) > WIDTH else ""))
