"""The search index on the real course: ranking, snippets, Chinese, typos, suggestions."""

from __future__ import annotations

import pickle

import pytest
from conftest import REAL_COURSE

from app.content.catalog import CatalogBuilder
from app.search.documents import Document
from app.search.index import FIELDS
from app.search.index import SearchIndex
from app.search.store import index_for
from app.search.text import folded_terms
from app.search.text import index_terms
from app.search.text import query_terms
from app.search.typos import Vocabulary
from app.search.typos import distance
from config import Config


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """Index the real course (built once per run, shared with the app tests)."""
    if "catalog" not in REAL_COURSE:
        REAL_COURSE["catalog"] = CatalogBuilder(Config.LESSONS_DIR, Config.QUIZZES_DIR).build()
    return index_for(REAL_COURSE["catalog"])


def doc(key: str, title: str = "", heading: str = "", body: str = "", code: str = "", lang: str = "en"):
    """Return a small lesson document."""
    return Document(
        kind="lesson",
        key=key,
        lang=lang,
        topic="intro",
        url=f"/topics/intro/{key}",
        fallback_url=f"/topics/intro/{key}",
        title=title,
        heading=heading,
        labels="",
        body=body,
        code=code,
        anchor_langs=frozenset({lang}),
    )


# -- terms ---------------------------------------------------------------------------------


def test_identifiers_stay_whole_and_their_parts_are_terms_too():
    terms = index_terms("Use flask.g.user in a BEFORE_REQUEST hook")
    assert {"flask.g.user", "flask.g", "g.user", "before_request", "before", "request", "g"} <= set(terms)
    assert query_terms("before_request") == ["before_request"]


def test_chinese_is_cut_into_bigrams_without_spaces():
    assert query_terms("请求钩子") == ["请求", "求钩", "钩子"]
    assert query_terms("蓝图") == ["蓝图"]
    assert query_terms("钩") == ["钩"]
    assert {"请求", "求钩", "钩子", "请"} <= set(folded_terms("请求钩子"))


def test_full_width_letters_and_case_are_folded():
    assert query_terms("ＵＲＬ_ＦＯＲ") == ["url_for"]


def test_distance_counts_a_transposition_as_one_edit():
    assert distance("befor_request", "before_request") == 1
    assert distance("reqeust", "request") == 1
    assert distance("blueprnt", "blueprint") == 1
    assert distance("abc", "xyz", 2) == 3


def test_vocabulary_corrects_within_one_edit_and_suggests_within_two():
    words = Vocabulary({"before_request": 5, "after_request": 3, "blueprint": 9, "request": 20})
    assert words.corrections("befor_request") == ["before_request"]
    assert words.corrections("requset") == ["request"]
    assert words.corrections("xyzzy") == []
    assert words.suggestions("bluprnt") == ["blueprint"]
    assert words.completions("bef") == ["before_request"]


# -- ranking -------------------------------------------------------------------------------


def test_title_outranks_heading_outranks_body():
    small = SearchIndex(
        [
            doc("body", title="One", heading="Alpha", body="the werkzeug server"),
            doc("heading", title="Two", heading="Werkzeug inside", body="text"),
            doc("title", title="All about Werkzeug", heading="", body="text"),
        ]
    )
    assert [hit.document.key for hit in small.search("werkzeug").hits] == ["title", "heading", "body"]


def test_an_identifier_query_matches_the_identifier_not_its_words_apart():
    small = SearchIndex(
        [
            doc("apart", title="Before the request", heading="The request, before", body="before request"),
            doc("exact", title="Hooks", body="call before_request once"),
        ]
    )
    hits = small.search("before_request").hits
    assert [hit.document.key for hit in hits] == ["exact"]
    hits = small.search("request").hits
    assert {hit.document.key for hit in hits} == {"apart", "exact"}


def test_before_request_finds_its_section_first_with_a_marked_snippet(index):
    results = index.search("before_request", "en")
    top = results.hits[0]
    assert top.url == "/topics/hooks/request-hooks#before_request-guard-and-short-circuit"
    assert top.exact == 1
    assert "<mark>before_request</mark>" in str(top.heading_html)
    assert "<mark>before_request</mark>" in str(top.snippet_html)
    # Exact identifier matches come first, and only the reader's language is shown for a section.
    assert all(hit.exact for hit in results.hits)
    assert all(hit.document.lang == "en" for hit in results.hits[:10])


def test_url_for_ranks_the_section_about_it_first(index):
    hits = index.search("url_for", "en").hits
    assert hits[0].url == "/topics/routing/routing#building-urls-with-url_for"
    assert all("url_for" in (hit.document.body + hit.document.code + hit.document.heading) for hit in hits)


@pytest.mark.parametrize("query", ["flask.g", "g.user"])
def test_dotted_identifiers_match_exactly(index, query):
    hits = index.search(query, "en").hits
    assert hits
    assert all(hit.exact == 1 for hit in hits)
    assert all(f"<mark>{query}</mark>" in str(hit.snippet_html).lower() for hit in hits)
    assert hits[0].document.topic in ("context", "hooks")


def test_a_chinese_reader_gets_chinese_sections_first(index):
    hits = index.search("before_request", "zh").hits
    assert hits[0].document.lang == "zh"
    assert hits[0].document.topic == "hooks"
    assert "守卫" in hits[0].document.heading


@pytest.mark.parametrize(
    ("query", "topic"),
    [("上下文", "context"), ("蓝图", "blueprints"), ("请求钩子", "hooks")],
)
def test_chinese_queries_work_without_word_spaces(index, query, topic):
    hits = index.search(query, "zh").hits
    assert hits
    assert hits[0].document.topic == topic
    assert hits[0].document.lang == "zh"
    # The whole phrase is marked where the hit shows it: its title, heading or snippet.
    shown = str(hits[0].title_html) + str(hits[0].heading_html) + str(hits[0].snippet_html)
    assert f"<mark>{query}</mark>" in shown


def test_chinese_query_from_an_english_page_links_to_the_section_or_lesson(index):
    hits = index.search("蓝图", "en").hits
    assert hits and all(hit.document.lang == "zh" for hit in hits)
    for hit in hits:
        # A Chinese-only anchor is not on the English page: the link is the lesson itself.
        anchor = hit.url.partition("#")[2]
        assert not anchor or "en" in hit.document.anchor_langs


def test_questions_are_found_by_prompt_choices_and_explanation(index):
    hits = index.search("BlueprintSetupState.add_url_rule", "en").hits
    questions = [hit for hit in hits if hit.document.kind == "question"]
    assert questions
    assert questions[0].url == f"/topics/blueprints/questions/{questions[0].document.key}"


def test_one_typo_finds_the_same_results(index):
    right = index.search("before_request", "en")
    typo = index.search("befor_request", "en")
    assert typo.corrected == {"befor_request": "before_request"}
    assert typo.hits[0].url == right.hits[0].url
    assert "<mark>before_request</mark>" in str(typo.hits[0].snippet_html)


def test_no_result_suggests_the_closest_words(index):
    results = index.search("teardwn_requst", "en")
    assert results.hits == ()
    assert "teardown_request" in results.suggestions
    nothing = index.search("qwxzvk", "en")
    assert nothing.hits == () and nothing.suggestions == ()


def test_as_you_type_completes_the_last_word(index):
    assert index.search("befo", "en").hits == ()
    hits = index.search("befo", "en", as_you_type=True).hits
    assert hits and "before" in str(hits[0].snippet_html).lower()


def test_snippets_escape_the_text_and_mark_only_matches():
    small = SearchIndex([doc("x", title="T", body='Never <script>alert("x")</script> trust url_for & co')])
    hit = small.search("url_for").hits[0]
    snippet = str(hit.snippet_html)
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>url_for</mark>" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_long_queries_are_cut_and_queries_are_fast(index):
    assert index.search("x" * 5000, "en").query == "x" * 200
    timings = sorted(index.search(q, "en").elapsed_ms for q in ["url_for", "上下文", "contxt", "the"] * 5)
    # Generous on a shared machine; the README figures come from app/search/measure.py.
    assert timings[-1] < 100


def test_an_index_read_back_from_disk_is_the_same_compact_index(index):
    """The postings and the typo neighbourhood are flat arrays, in memory and in the disk cache."""
    copy = pickle.loads(pickle.dumps(index))
    assert copy.postings == index.postings
    assert list(copy.postings) == list(index.postings)
    assert copy.documents == index.documents
    postings = copy.postings
    assert postings.total() == len(postings.numbers) == len(postings.weights) > 100_000
    assert postings.numbers.itemsize + postings.weights.itemsize == 12
    assert sum(postings.count(term) for term in postings) == postings.total()
    term = "before_request"
    found = [copy.documents[number] for number in postings.get(term)]
    assert len(found) == postings.count(term) > 0
    assert all(any(term in getattr(doc, name).lower() for name, _ in FIELDS) for doc in found)
    assert copy.idf(term) == index.idf(term) > 1.0
    words = copy.vocabulary
    assert words.deletion_digests == index.vocabulary.deletion_digests
    assert len(words.deletion_digests) == len(words.deleted_from) > len(words.frequencies)
    assert list(words.deletion_digests) == sorted(words.deletion_digests)
    query = "before_request"
    assert copy.search(query).hits == index.search(query).hits
