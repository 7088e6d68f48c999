"""Turning text into search terms: identifiers kept whole, Chinese as character bigrams.

Latin text is case-folded and split into identifier-like tokens. A dotted or underscored
identifier (``flask.g``, ``before_request``) is one term, and each of its parts is a term
too, so ``request`` still finds ``before_request`` while ``before_request`` itself matches
only the exact identifier. Chinese (any CJK run) becomes overlapping character bigrams plus
single characters: ``请求钩子`` → ``请求``, ``求钩``, ``钩子`` (and ``请``, ``求``, …).
"""

from __future__ import annotations

import re
import unicodedata

CJK = r"\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
#: A Latin identifier, optionally dotted (``flask.g``, ``g.user``), or a run of CJK characters.
TOKEN = re.compile(f"([a-z0-9_]+(?:\\.[a-z0-9_]+)*)|([{CJK}]+)")
PART = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Return ``text`` folded for matching: NFKC (full-width → ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_cjk(term: str) -> bool:
    """Return whether ``term`` is a Chinese n-gram rather than a Latin word."""
    return bool(term) and CJK_RUN.fullmatch(term) is not None


def is_identifier(term: str) -> bool:
    """Return whether ``term`` reads as code: it has ``_`` or ``.`` in it."""
    return not is_cjk(term) and ("_" in term or "." in term)


def bigrams(run: str) -> list[str]:
    """Return the overlapping character bigrams of a CJK run (the run itself when shorter)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def dotted_chains(name: str) -> list[str]:
    """Return the shorter dotted names inside ``name``: ``flask.g.user`` → ``flask.g``, ``g.user``."""
    parts = name.split(".")
    return [
        ".".join(parts[i:j])
        for i in range(len(parts))
        for j in range(i + 2, len(parts) + 1)
        if j - i < len(parts)
    ]


def index_terms(text: str) -> list[str]:
    """Return every term of ``text`` to index, repeats included (for term frequency)."""
    return folded_terms(normalize(text))


def folded_terms(folded: str) -> list[str]:
    """Return the terms of text already passed through ``normalize``."""
    rv: list[str] = []
    for latin, cjk in TOKEN.findall(folded):
        if cjk:
            rv.extend(cjk)
            if len(cjk) > 1:
                rv.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
            continue
        rv.append(latin)
        if "_" in latin or "." in latin:
            rv.extend(PART.findall(latin))
            if latin.count(".") > 1:
                rv.extend(dotted_chains(latin))
    return rv


def query_terms(query: str) -> list[str]:
    """Return the terms a query must match, in order, without repeats.

    A Chinese run of two or more characters gives its bigrams, one character gives itself.
    """
    rv: list[str] = []
    for match in TOKEN.finditer(normalize(query)):
        token = match.group()
        for term in bigrams(token) if is_cjk(token) else [token]:
            if term not in rv:
                rv.append(term)
    return rv


def query_phrases(query: str) -> list[str]:
    """Return the query's words and Chinese runs as typed, to highlight and to find whole."""
    return [match.group() for match in TOKEN.finditer(normalize(query))]
