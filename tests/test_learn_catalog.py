"""A small course catalog for the learner's tests, and the lookups and answer helpers on it.

Other test modules import ``small_catalog`` and ``use_catalog``: the real course takes
seconds to build and changes every day, while these tests need content that holds still.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from app.content.model import Catalog
from app.content.model import Choice
from app.content.model import Heading
from app.content.model import Lesson
from app.content.model import LessonText
from app.content.model import Question
from app.content.model import Quiz
from app.content.model import frozen_map
from app.learn.answers import answer_pair
from app.learn.answers import raw_from_form
from app.learn.answers import shuffled_items
from app.learn.lookup import demo_label
from app.learn.lookup import neighbours
from app.learn.quizstate import QuizState
from app.progress.stats import quiz_for_topic


def text(lang: str, title: str, body: str = "<p>Body</p>") -> LessonText:
    """Return one language's text of a lesson."""
    toc = (Heading(2, "first-part", "First part"), Heading(3, "detail", "Detail"))
    html = f'<h2 id="first-part">First part</h2>{body}<h3 id="detail">Detail</h3><p>More.</p>'
    return LessonText(lang, title, f"Summary of {title}", html, toc, f"lessons/{title}.{lang}.md", 100)


def lesson(slug, topic, order, texts, prerequisites=(), demos=(), quiz=None) -> Lesson:
    """Return a lesson."""
    return Lesson(
        slug=slug,
        topic=topic,
        order=order,
        minutes=5,
        prerequisites=tuple(prerequisites),
        demos=tuple(demos),
        quiz=quiz,
        verified_with=frozen_map({"flask": "3.1.3"}),
        texts=frozen_map({t.lang: t for t in texts}),
    )


def both(en: str, zh: str) -> dict:
    """Return a text in English and Chinese."""
    return frozen_map({"en": en, "zh": zh})


def choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    """Return choices from (id, English text) pairs."""
    return tuple(
        Choice(cid, both(f"<code>{label}</code>", f"<code>{label}</code>（中）")) for cid, label in pairs
    )


def question(qid: str, qtype: str, **fields) -> Question:
    """Return a question of the routing quiz."""
    return Question(
        id=qid,
        quiz_id="routing",
        type=qtype,
        source="original",
        tags=(),
        difficulty=1,
        prompt_html=fields.pop("prompt", both(f"<p>Prompt {qid}</p>", f"<p>问题 {qid}</p>")),
        explanation_html=both(f"<p>Because {qid}.</p>", f"<p>因为 {qid}。</p>"),
        **fields,
    )


QUESTIONS = (
    question("rt-single", "single_choice", choices=choices(("a", "the rule"), ("b", "__name__")), answer="b"),
    question(
        "rt-multi",
        "multiple_choice",
        choices=choices(("a", "GET"), ("b", "HEAD"), ("c", "DELETE")),
        answer=("a", "b"),
    ),
    question("rt-tf", "true_false", answer=True),
    question("rt-short", "short_answer", accept=("url_for",)),
    question(
        "rt-code",
        "code_output",
        code="print(1 + 1)",
        code_html='<div class="highlight"><pre>print(1 + 1)</pre></div>',
        accept=("2",),
    ),
    question("rt-order", "ordering", choices=choices(("match", "match"), ("view", "view"), ("save", "save"))),
    question(
        "rt-card",
        "flashcard",
        model_answer_html=both("<p>The model answer.</p>", "<p>参考答案。</p>"),
        key_points=frozen_map({"en": ("point one",), "zh": ("要点一",)}),
        answer=both("The model answer.", "参考答案。"),
        # English only: the Chinese page falls back to it.
        prompt=frozen_map({"en": "<p>Explain routing.</p>"}),
    ),
)

#: A right answer to every question, as a JSON client sends it.
RIGHT = {
    "rt-single": "b",
    "rt-multi": ["a", "b"],
    "rt-tf": True,
    "rt-short": "url_for",
    "rt-code": "2",
    "rt-order": ["match", "view", "save"],
    "rt-card": "easy",
}

#: A wrong answer to every question.
WRONG = {
    "rt-single": "a",
    "rt-multi": ["c"],
    "rt-tf": False,
    "rt-short": "redirect",
    "rt-code": "11",
    "rt-order": ["save", "view", "match"],
    "rt-card": "again",
}


def small_catalog(questions: tuple[Question, ...] = QUESTIONS) -> Catalog:
    """Return a three-lesson, two-topic course with one seven-question quiz."""
    lessons = {
        "what-is-flask": lesson(
            "what-is-flask", "intro", 1, [text("en", "What is Flask"), text("zh", "Flask 是什么")]
        ),
        "wsgi": lesson(
            "wsgi", "intro", 2, [text("en", "WSGI from scratch")], prerequisites=["what-is-flask"]
        ),
        "routing": lesson(
            "routing",
            "routing",
            1,
            [text("en", "Routing inside out"), text("zh", "深入路由")],
            prerequisites=["what-is-flask"],
            demos=["routing.demo_that_does_not_exist", "learn.dashboard"],
            quiz="routing",
        ),
    }
    quiz = Quiz("routing", "routing", both("Routing", "路由"), questions)
    return Catalog(
        lessons=frozen_map(lessons),
        quizzes=frozen_map({"routing": quiz}),
        questions=frozen_map({q.id: q for q in questions}),
        topics=frozen_map({"intro": ("what-is-flask", "wsgi"), "routing": ("routing",)}),
        lesson_order=("what-is-flask", "wsgi", "routing"),
    )


def use_catalog(app: Flask, catalog: Catalog | None = None) -> Catalog:
    """Make ``app`` serve ``catalog`` (the small one by default) instead of the real course."""
    catalog = catalog or small_catalog()
    app.extensions["content"].catalog = catalog
    app.extensions["catalog"] = catalog
    return catalog


def test_neighbours_follow_course_order():
    catalog = small_catalog()
    assert [x.slug if x else None for x in neighbours(catalog, "what-is-flask")] == [None, "wsgi"]
    assert [x.slug if x else None for x in neighbours(catalog, "routing")] == ["wsgi", None]
    assert neighbours(catalog, "gone") == (None, None)


def test_quiz_for_topic():
    catalog = small_catalog()
    assert quiz_for_topic(catalog, "routing").id == "routing"
    assert quiz_for_topic(catalog, "intro") is None


@pytest.mark.parametrize(
    ("endpoint", "label"),
    [("routing.demo_url_for", "url for"), ("sessions.demo_cookie", "cookie"), ("x.page", "page")],
)
def test_demo_label(endpoint, label):
    assert demo_label(endpoint) == label


def test_ordering_items_are_shuffled_stably_and_never_in_the_right_order():
    q = QUESTIONS[5]
    first = [item.id for item in shuffled_items(q)]
    assert first == [item.id for item in shuffled_items(q)]
    assert first != ["match", "view", "save"]
    assert sorted(first) == ["match", "save", "view"]


@pytest.mark.parametrize(
    ("qid", "form", "raw"),
    [
        ("rt-single", MultiDict([("answer", "b")]), "b"),
        ("rt-multi", MultiDict([("answer", "a"), ("answer", "b")]), ["a", "b"]),
        (
            "rt-order",
            MultiDict([("pos-view", "2"), ("pos-match", "1"), ("other", "x")]),
            {"view": "2", "match": "1"},
        ),
        ("rt-short", MultiDict(), None),
    ],
)
def test_raw_answer_from_a_plain_form(qid, form, raw):
    q = next(q for q in QUESTIONS if q.id == qid)
    assert raw_from_form(q, form) == raw


def test_answer_pair_shows_both_sides(app):
    with app.test_request_context():
        pair = answer_pair(QUESTIONS[0], "a", "en")
        assert pair.yours == ["<code>the rule</code>"]
        assert pair.right == ["<code>__name__</code>"]
        order = answer_pair(QUESTIONS[5], ["save", "view", "match"], "en")
        assert order.list_tag == "ol"
        assert [str(x) for x in order.right] == [
            "<code>match</code>",
            "<code>view</code>",
            "<code>save</code>",
        ]
        short = answer_pair(QUESTIONS[3], "<script>", "en")
        assert "&lt;script&gt;" in short.yours[0]


def test_quiz_state_without_an_attempt_asks_the_whole_quiz():
    state = QuizState(small_catalog().quizzes["routing"])
    assert state.total == len(QUESTIONS)
    assert state.next_question.id == "rt-single"
    assert state.number == 1
    assert state.missed_ids() == [q.id for q in QUESTIONS]
