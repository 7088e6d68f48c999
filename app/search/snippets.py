"""Highlighted snippets: escape everything first, then wrap the matches in ``<mark>``.

The text comes from rendered course HTML reduced to plain text; it is never shown as HTML.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import Markup
from markupsafe import escape

from app.search.documents import Document

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


def marked(text: str, found: list[tuple[int, int]], start: int = 0, end: int | None = None) -> Markup:
    """Return ``text[start:end]`` escaped, with each found span in ``<mark>``."""
    end = len(text) if end is None else end
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
    # Every piece of text above went through html.escape; <mark> is the only markup added.
    return Markup("".join(out))  # noqa: S704


def highlight(text: str, needles: list[str]) -> Markup:
    """Return the whole of a short text (a title, a heading) escaped and marked."""
    return marked(text, spans(text, needles))


def excerpt(text: str, needles: list[str], anchor: str) -> Markup | None:
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
    return escape(prefix) + marked(text, spans(text, needles, start, end), start, end) + escape(suffix)


def snippet(document: Document, needles: list[str]) -> Markup:
    """Return the best snippet of a document: body, then code, then admonition titles.

    Needles come longest first, and the longest one found anchors the window: a whole
    Chinese phrase (``请求钩子``) is shown in preference to a stray part of it (``请求``).
    """
    for anchor in needles:
        for text in (document.body, document.code, document.labels):
            rv = excerpt(text, needles, anchor)
            if rv is not None:
                return rv
    text = document.body or document.code
    return escape(text[:WIDTH] + (" " + ELLIPSIS if len(text) > WIDTH else ""))
