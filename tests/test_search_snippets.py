"""Search snippets keep inline code: built from text, escaped whole, then <code> and <mark> added."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from conftest import REAL_COURSE

from app.content.catalog import CatalogBuilder
from app.search.documents import Document
from app.search.documents import plain
from app.search.documents import plain_with_code
from app.search.index import SearchIndex
from app.search.snippets import marked
from app.search.store import index_for
from app.search.text import index_terms
from config import Config

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """Index the real course (built once per run, shared with the other search tests)."""
    if "catalog" not in REAL_COURSE:
        REAL_COURSE["catalog"] = CatalogBuilder(Config.LESSONS_DIR, Config.QUIZZES_DIR).build()
    return index_for(REAL_COURSE["catalog"])


class Shown(HTMLParser):
    """Read a snippet: the tags in it, and its text inside and outside ``<code>``."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.code: list[str] = []
        self.prose: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Open an element; snippets have no attributes."""
        assert not attrs, (tag, attrs)
        self.tags.add(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost element, which must be the one named."""
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data: str) -> None:
        """Keep text as code or as prose."""
        (self.code if "code" in self.open else self.prose).append(data)


def lesson_doc(body_html: str, code: str = "") -> Document:
    """Return a lesson document whose body is the text of ``body_html``."""
    body, spans = plain_with_code(body_html)
    return Document(
        kind="lesson",
        key="k#",
        lang="en",
        topic="intro",
        url="/topics/intro/k",
        fallback_url="/topics/intro/k",
        title="T",
        heading="",
        labels="",
        body=body,
        code=code,
        body_code=spans,
    )


@pytest.mark.parametrize(
    ("fragment", "text", "code"),
    [
        ("<p>Call <code>url_for()</code> now &amp; then</p>", "Call url_for() now & then", ["url_for()"]),
        # No space is added at the edge of code where none was written...
        ("<p>What is <code>current_app</code>, and?</p>", "What is current_app, and?", ["current_app"]),
        ("调用<code>url_for</code>时", "调用url_for时", ["url_for"]),
        # ...unless two words would run into one search term.
        ("<p>the <code>app</code>s</p>", "the app s", ["app"]),
        ("<code>a</code><code>b</code>", "a b", ["a", "b"]),
        ("<p><code>a  &lt;b&gt;</code> and <em>c</em> <code>d</code></p>", "a <b> and c d", ["a <b>", "d"]),
        ("<p>no code</p><code></code>", "no code", []),
        ("", "", []),
    ],
)
def test_text_with_code_knows_where_the_code_is(fragment, text, code):
    found, spans = plain_with_code(fragment)
    assert found == text
    assert [found[start:end] for start, end in spans] == code
    assert index_terms(found) == index_terms(plain(fragment))


def test_keeping_code_indexes_the_same_terms_as_plain_text(index):
    course = REAL_COURSE["catalog"]
    fragments = [text.html for lesson in course.lessons.values() for text in lesson.texts.values()]
    fragments += [html for question in course.questions.values() for html in question.prompt_html.values()]
    fragments += [
        html for question in course.questions.values() for html in question.explanation_html.values()
    ]
    for fragment in fragments:
        assert Counter(index_terms(plain_with_code(fragment)[0])) == Counter(index_terms(plain(fragment)))


def test_a_snippet_shows_inline_code_as_code_escaped_inside():
    doc = lesson_doc(
        "<p>Never show <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>; call <code>url_for</code> here</p>"
    )
    snippet = str(SearchIndex([doc]).search("url_for").hits[0].snippet_html)
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in snippet
    assert "<code><mark>url_for</mark></code>" in snippet
    shown = Shown(snippet)
    assert shown.tags == {"code", "mark"} and not shown.open
    assert "".join(shown.code) == "<script>alert(1)</script>url_for"


def test_a_match_across_the_edge_of_code_nests_code_outside_mark():
    text, spans = plain_with_code("<p>call <code>before_request</code> and more</p>")
    found = [(text.index("request"), text.index(" more"))]
    assert str(marked(text, found, code=spans)) == (
        "call <code>before_<mark>request</mark></code><mark> and</mark> more"
    )
    # A window that starts inside code still opens it, and closes it at its end.
    start = text.index("request")
    assert str(marked(text, [], start, start + 3, spans)) == "<code>req</code>"


def test_a_code_block_snippet_is_code():
    doc = lesson_doc("<p>Nothing here matches.</p>", code="print(url_for('a', x='<b>'))")
    snippet = str(SearchIndex([doc]).search("url_for").hits[0].snippet_html)
    assert snippet == "<code>print(<mark>url_for</mark>(&#x27;a&#x27;, x=&#x27;&lt;b&gt;&#x27;))</code>"


def test_an_english_error_message_in_a_chinese_lesson_is_code_in_its_snippet(index):
    hits = index.search("Working outside", "zh").hits
    zh = [hit for hit in hits if hit.document.lang == "zh" and hit.document.kind == "lesson"]
    assert zh
    for hit in zh:
        shown = Shown(str(hit.snippet_html))
        assert "Working outside" not in "".join(shown.prose), hit.snippet_html
    assert any(
        "Working outside of application context" in "".join(Shown(str(h.snippet_html)).code) for h in zh
    )


def test_a_heading_with_code_shows_it_as_code(index):
    top = index.search("before_request", "en").hits[0]
    assert str(top.heading_html).startswith("<code><mark>before_request</mark></code>")


def test_a_diagram_is_found_by_its_caption_not_its_labels(index):
    # "reset_on_return" is only a label in the pool diagram's drawing.
    assert index.search("reset_on_return", "en").hits == ()
    captioned = [doc for doc in index.documents if "ready for the next request" in doc.body]
    assert [doc.url.partition("#")[0] for doc in captioned] == ["/topics/database/sessions-and-pools"]


def test_the_page_and_the_json_carry_the_code(client):
    page = client.get("/search", query_string={"q": "Working outside"}, headers=ZH).get_data(as_text=True)
    assert "<code>Working outside of application context</code>" in page.replace("<mark>", "").replace(
        "</mark>", ""
    )
    data = client.get("/search.json", query_string={"q": "Working outside", "lang": "zh"}).get_json()
    snippets = [hit["snippet"] for hit in data["results"]]
    assert any("<code>" in snippet for snippet in snippets)
    for snippet in snippets:
        assert Shown(snippet).tags <= {"code", "mark"}
