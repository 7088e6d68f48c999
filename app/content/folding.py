"""Folding short answers to a comparison form: width, case, Chinese punctuation, spaces."""

from __future__ import annotations

import re
import unicodedata

# Chinese punctuation that NFKC leaves alone, mapped to its ASCII twin.
CJK_PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "，": ",",
        "：": ":",
        "；": ";",
        "！": "!",
        "？": "?",
        "（": "(",
        "）": ")",
        "【": "[",
        "】": "]",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "～": "~",
        "—": "-",
        "–": "-",
        "…": "...",
        "·": ".",
    }
)

# Whitespace next to a CJK character or an ASCII punctuation mark carries no meaning:
# "用 Flask" is "用Flask", "(1, 2)" is "(1,2)".
CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PUNCTUATION = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
LOOSE_SPACE = re.compile(rf"\s*([{CJK}{PUNCTUATION}])\s*")


def squeeze(text: str) -> str:
    """Return ``text`` in NFKC with its whitespace collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    """Return the comparison form of a short answer.

    NFKC (full-width to half-width), Chinese punctuation to ASCII, case-fold, whitespace
    collapsed (and dropped beside CJK characters and punctuation), one trailing ``.`` dropped.
    """
    text = unicodedata.normalize("NFKC", text).translate(CJK_PUNCTUATION).casefold()
    text = " ".join(text.split())
    text = LOOSE_SPACE.sub(r"\1", text)
    if len(text) > 1 and text.endswith("."):
        text = text[:-1]
    return text
