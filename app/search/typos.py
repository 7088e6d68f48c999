"""Typo tolerance: a vocabulary with a deletion neighbourhood (the SymSpell idea).

Every vocabulary word of three letters or more is stored under each string obtained by
deleting one of its characters. Two words within one edit (insertion, deletion, substitution
or adjacent transposition) always share the word itself or one such deletion, so a lookup
is a handful of probes instead of a scan of the vocabulary. Candidates are then
checked with the real (optimal string alignment) distance.

The neighbourhood is ~50,000 deletions for the course's ~6,000 words. Kept as a dict of strings
it cost ~6 MB in every worker; it is kept as a sorted array of 64-bit digests of the deletions,
beside an array of word numbers (~0.6 MB). A digest shared by two different deletions only adds
a candidate, and the distance check throws it out.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from collections.abc import Mapping
from hashlib import blake2b

#: Shorter words are not corrected: one edit turns "g" or "db" into too many other words.
MIN_LENGTH = 3
#: Longer words are not given deletion entries (they are rare and cost the most memory).
MAX_LENGTH = 40


def deletions(word: str) -> set[str]:
    """Return every string made by deleting one character of ``word``."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def digest(text: str) -> int:
    """Return a 64-bit digest of ``text``, the same in every process (``hash()`` is salted)."""
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little")


def distance(a: str, b: str, limit: int = 2) -> int:
    """Return the optimal string alignment distance of ``a`` and ``b`` (``limit + 1`` if above)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


class Vocabulary:
    """The Latin words of the course with their document frequency, for corrections."""

    def __init__(self, frequencies: Mapping[str, int]) -> None:
        self.frequencies = dict(frequencies)
        self.sorted_words = sorted(self.frequencies)
        pairs = sorted(
            (digest(deleted), number)
            for number, word in enumerate(self.sorted_words)
            if MIN_LENGTH <= len(word) <= MAX_LENGTH
            for deleted in deletions(word)
        )
        #: Digests of every deletion, sorted, and the number (in ``sorted_words``) of its word.
        self.deletion_digests = array("Q", (key for key, _ in pairs))
        self.deleted_from = array("I", (number for _, number in pairs))

    def __contains__(self, word: str) -> bool:
        return word in self.frequencies

    def candidates(self, word: str, depth: int = 1) -> set[str]:
        """Return vocabulary words that share ``word`` or a deletion (``depth`` deep) with it."""
        probes = {word}
        frontier = {word}
        for _ in range(depth):
            frontier = {deleted for item in frontier for deleted in deletions(item)}
            probes |= frontier
        rv: set[str] = set()
        for probe in probes:
            if probe in self.frequencies:
                rv.add(probe)
            key = digest(probe)
            at = bisect.bisect_left(self.deletion_digests, key)
            while at < len(self.deletion_digests) and self.deletion_digests[at] == key:
                rv.add(self.sorted_words[self.deleted_from[at]])
                at += 1
        return rv

    def corrections(self, word: str) -> list[str]:
        """Return the words one edit from ``word``, most frequent first (none for short words)."""
        if len(word) < MIN_LENGTH or len(word) > MAX_LENGTH:
            return []
        found = [w for w in self.candidates(word) if w != word and distance(word, w, 1) <= 1]
        return sorted(found, key=lambda w: (-self.frequencies[w], w))

    def suggestions(self, word: str, limit: int = 3) -> list[str]:
        """Return the closest words (two edits at most), nearest and most frequent first."""
        if len(word) < MIN_LENGTH or len(word) > MAX_LENGTH:
            return []
        scored = []
        candidates = self.candidates(word, depth=2)
        if not candidates:
            # The neighbourhood misses words two letters longer: look at those that start alike.
            start = bisect.bisect_left(self.sorted_words, word[0])
            for other in self.sorted_words[start:]:
                if other[0] != word[0]:
                    break
                if abs(len(other) - len(word)) <= 2:
                    candidates.add(other)
        for candidate in candidates:
            if candidate == word:
                continue
            edits = distance(word, candidate, 2)
            if edits <= 2:
                scored.append((edits, -self.frequencies[candidate], candidate))
        return [candidate for _, _, candidate in sorted(scored)[:limit]]

    def completions(self, prefix: str, limit: int = 8) -> list[str]:
        """Return the most frequent words starting with ``prefix`` (for as-you-type queries)."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        found: list[str] = []
        for word in self.sorted_words[start:]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        return sorted(found, key=lambda w: (-self.frequencies[w], w))[:limit]


def frequencies(terms: Iterable[Iterable[str]]) -> dict[str, int]:
    """Return term → number of documents, from each document's distinct terms."""
    rv: dict[str, int] = {}
    for document in terms:
        for term in document:
            rv[term] = rv.get(term, 0) + 1
    return rv
