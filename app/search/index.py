"""The in-process inverted index: term → {document: weight}, built once per catalog.

Ranking, in order of the sort key:

1. exact identifier matches: query words that read as code (``before_request``,
   ``flask.g``) found as that whole identifier, not corrected or completed;
2. the reader's language before the other one;
3. the score: for each query word, the best field it is in (title 8 > heading 4 >
   admonition title 3 > body and code 1), a little more for repeats, times the word's
   rarity (idf); a Chinese query found as one unbroken phrase ranks above scattered matches.

Every query word must match (a corrected or completed word counts, at a discount); when none
does, the closest vocabulary words are offered instead.
"""

from __future__ import annotations

import math
import time
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from itertools import accumulate
from itertools import chain

from app.content.model import Catalog
from app.search.documents import Document
from app.search.documents import course_documents
from app.search.snippets import highlight
from app.search.snippets import snippet
from app.search.text import folded_terms
from app.search.text import is_cjk
from app.search.text import is_identifier
from app.search.text import normalize
from app.search.text import query_phrases
from app.search.text import query_terms
from app.search.typos import Vocabulary

FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 8.0),
    ("heading", 4.0),
    ("labels", 3.0),
    ("body", 1.0),
    ("code", 1.0),
)
#: How much a corrected (one typo) or completed (as you type) word is worth against the real one.
CORRECTED = 0.6
COMPLETED = 0.5
#: A term repeated n times in a document weighs 1 + 0.15 ln(n) times its field's weight.
REPEATS = [1.0] + [1.0 + 0.15 * math.log(n) for n in range(1, 64)]
#: Query words shorter than this are not completed as prefixes.
MIN_PREFIX = 3
MAX_QUERY = 200


@dataclass(frozen=True)
class Hit:
    """One result: where to go and what to show."""

    document: Document
    url: str
    score: float
    exact: int
    title_html: str
    heading_html: str
    snippet_html: str

    def as_json(self) -> dict:
        """Return the hit for the JSON endpoint."""
        doc = self.document
        return {
            "kind": doc.kind,
            "lang": doc.lang,
            "topic": doc.topic,
            "url": self.url,
            "title": self.title_html,
            "heading": self.heading_html,
            "snippet": self.snippet_html,
        }


@dataclass(frozen=True)
class Results:
    """The answer to one query."""

    query: str
    hits: tuple[Hit, ...]
    total: int
    #: Words that were corrected: typed → used.
    corrected: dict[str, str] = field(default_factory=dict)
    #: When nothing matched: the closest words of the course.
    suggestions: tuple[str, ...] = ()
    elapsed_ms: float = 0.0


@dataclass
class Slot:
    """One query word and the vocabulary terms that stand for it, with their weight."""

    word: str
    terms: dict[str, float]


class Postings:
    """term → {document number: weight}, kept as three flat arrays (12 bytes a posting).

    Kept as a dict of dicts, the ~180,000 postings of the course cost ~11 MB in every worker
    (a dict entry each, in ~21,000 small dicts). Here a term maps to its row number, and row
    ``i`` is ``numbers[starts[i]:starts[i + 1]]`` with the same slice of ``weights``: ~2 MB,
    pickled and unpickled as three arrays. A query turns the few rows it reads into dicts.
    """

    def __init__(self, rows: dict[str, dict[int, float]]) -> None:
        self.rows = {term: row for row, term in enumerate(rows)}
        self.numbers = array("I", chain.from_iterable(rows.values()))
        self.weights = array("d", chain.from_iterable(docs.values() for docs in rows.values()))
        self.starts = array("I", [0])
        self.starts.extend(accumulate(map(len, rows.values())))

    def __contains__(self, term: object) -> bool:
        return term in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Postings):
            return NotImplemented
        return (self.rows, self.numbers, self.weights, self.starts) == (
            other.rows,
            other.numbers,
            other.weights,
            other.starts,
        )

    def count(self, term: str) -> int:
        """Return how many documents contain ``term``."""
        row = self.rows[term]
        return self.starts[row + 1] - self.starts[row]

    def get(self, term: str) -> dict[int, float]:
        """Return ``term``'s postings as document number → weight."""
        row = self.rows[term]
        start, end = self.starts[row], self.starts[row + 1]
        return dict(zip(self.numbers[start:end], self.weights[start:end], strict=True))

    def total(self) -> int:
        """Return the number of postings of all terms."""
        return len(self.numbers)


class SearchIndex:
    """An inverted index of the course's documents in both languages."""

    def __init__(self, documents: list[Document], catalog: Catalog | None = None) -> None:
        started = time.perf_counter()
        #: The catalog indexed: a rebuilt catalog is a new object and needs a new index.
        self.catalog = catalog
        self.documents = documents
        rows: dict[str, dict[int, float]] = {}
        for number, doc in enumerate(documents):
            folded = [normalize(getattr(doc, name)) for name, _ in FIELDS]
            terms = [folded_terms(text) for text in folded]
            # Lightest field first, so a term ends up with the weight of its heaviest field.
            best: dict[str, float] = {}
            for field_terms, (_, weight) in reversed(list(zip(terms, FIELDS, strict=True))):
                best.update(dict.fromkeys(field_terms, weight))
            counts = Counter(chain.from_iterable(terms))
            for term, weight in best.items():
                count = counts[term]
                boost = REPEATS[count] if count < len(REPEATS) else 1.0 + 0.15 * math.log(count)
                rows.setdefault(term, {})[number] = weight * boost
        self.postings = Postings(rows)
        latin = {term: len(docs) for term, docs in rows.items() if not is_cjk(term)}
        self.vocabulary = Vocabulary(latin)
        self.build_ms = (time.perf_counter() - started) * 1000

    def idf(self, term: str) -> float:
        """Return the rarity weight of ``term``: 1 + ln(documents / documents with the term)."""
        return 1.0 + math.log((len(self.documents) or 1) / self.postings.count(term))

    # -- the query ------------------------------------------------------------------------

    def slots(self, query: str, as_you_type: bool) -> tuple[list[Slot], dict[str, str]]:
        """Return the query's words with their stand-in terms, and the corrections made."""
        words = query_terms(query)
        corrected: dict[str, str] = {}
        rv = []
        for position, word in enumerate(words):
            terms: dict[str, float] = {}
            if word in self.postings:
                terms[word] = 1.0
            elif not is_cjk(word):
                fixes = self.vocabulary.corrections(word)[:3]
                for fix in fixes:
                    terms[fix] = CORRECTED
                if fixes:
                    corrected[word] = fixes[0]
            last = position == len(words) - 1
            if as_you_type and last and not is_cjk(word) and len(word) >= MIN_PREFIX:
                for completion in self.vocabulary.completions(word):
                    terms.setdefault(completion, COMPLETED)
            rv.append(Slot(word, terms))
        return rv, corrected

    def search(self, query: str, lang: str = "en", limit: int = 20, as_you_type: bool = False) -> Results:
        """Return the best ``limit`` hits for ``query``, the reader's language first."""
        started = time.perf_counter()
        query = query.strip()[:MAX_QUERY]
        slots, corrected = self.slots(query, as_you_type)
        if not slots:
            return Results(query, (), 0)
        if any(not slot.terms for slot in slots):
            matched: dict[int, tuple[float, int]] = {}
        else:
            matched = self.match(slots)
        if not matched:
            suggestions = self.suggest(slots)
            elapsed = (time.perf_counter() - started) * 1000
            return Results(query, (), 0, corrected, tuple(suggestions), elapsed)
        phrases = [phrase for phrase in query_phrases(query) if is_cjk(phrase) and len(phrase) > 2]
        ranked = []
        for number, (score, exact) in matched.items():
            doc = self.documents[number]
            # A Chinese query found unbroken outranks one whose bigrams are merely scattered.
            whole = bool(phrases) and all(doc.contains(phrase) for phrase in phrases)
            ranked.append((-exact, doc.lang != lang, not whole, -score, number))
        ranked.sort()
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        needles = self.needles(query, slots)
        for neg_exact, _, _, neg_score, number in ranked:
            doc = self.documents[number]
            if (doc.kind, doc.key) in seen:
                continue
            seen.add((doc.kind, doc.key))
            if len(hits) < limit:
                hits.append(
                    Hit(
                        document=doc,
                        url=doc.link(lang),
                        score=-neg_score,
                        exact=-neg_exact,
                        title_html=highlight(doc.title, needles),
                        heading_html=highlight(doc.heading, needles, doc.heading_code),
                        snippet_html=snippet(doc, needles),
                    )
                )
        elapsed = (time.perf_counter() - started) * 1000
        return Results(query, tuple(hits), len(seen), corrected, (), elapsed)

    def match(self, slots: list[Slot]) -> dict[int, tuple[float, int]]:
        """Return document → (score, exact identifier matches) for documents matching every slot.

        The slot with the fewest postings is read whole; the others are only probed for its
        documents, so a common word next to a rare one costs little.
        """
        ordered = sorted(slots, key=lambda slot: sum(self.postings.count(term) for term in slot.terms))
        rv: dict[int, tuple[float, int]] = {}
        for term, factor in ordered[0].terms.items():
            self.add(rv, term, factor, self.postings.get(term))
        for slot in ordered[1:]:
            found: dict[int, tuple[float, int]] = {}
            for term, factor in slot.terms.items():
                postings = self.postings.get(term)
                self.add(found, term, factor, {n: postings[n] for n in rv.keys() & postings.keys()})
            rv = {n: (rv[n][0] + score, rv[n][1] + exact) for n, (score, exact) in found.items()}
            if not rv:
                break
        return rv

    def add(self, found: dict[int, tuple[float, int]], term: str, factor: float, postings: dict) -> None:
        """Keep in ``found`` each document's best (score, exact) for one slot, given one term."""
        idf = self.idf(term)
        exact = int(factor == 1.0 and is_identifier(term))
        for number, weight in postings.items():
            score = weight * idf * factor
            known = found.get(number)
            if known is None:
                found[number] = (score, exact)
            else:
                found[number] = (max(score, known[0]), max(exact, known[1]))

    def suggest(self, slots: list[Slot]) -> list[str]:
        """Return the vocabulary words closest to the query words that found nothing."""
        rv: list[str] = []
        for slot in slots:
            if is_cjk(slot.word):
                continue
            for word in self.vocabulary.suggestions(slot.word):
                if word not in rv:
                    rv.append(word)
        return rv[:5]

    @staticmethod
    def needles(query: str, slots: list[Slot]) -> list[str]:
        """Return the strings to mark in snippets: what was typed and what stood in for it."""
        rv = set()
        for phrase in query_phrases(query):
            rv.add(phrase)
        for slot in slots:
            for term in slot.terms:
                rv.add(term)
        # Longest first, so a phrase is marked before the words in it; ties alphabetically, so
        # every worker marks the same snippet (a set's order changes with each process).
        return sorted(rv, key=lambda needle: (-len(needle), needle))

    def stats(self) -> dict:
        """Return the index's size figures."""
        return {
            "documents": len(self.documents),
            "terms": len(self.postings),
            "postings": self.postings.total(),
            "vocabulary": len(self.vocabulary.frequencies),
            "build_ms": round(self.build_ms, 1),
        }


def build_index(catalog: Catalog) -> SearchIndex:
    """Build the search index of ``catalog``."""
    return SearchIndex(course_documents(catalog), catalog)
