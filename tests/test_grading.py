"""The graders and ``coerce_answer``: pure functions, tested without an app."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.content.grading import GRADERS
from app.content.grading import MAX_TEXT_ANSWER
from app.content.grading import InvalidAnswer
from app.content.grading import Result
from app.content.grading import coerce_answer
from app.content.grading import fold
from app.content.grading import grade
from app.content.model import QUESTION_TYPES
from app.content.model import Choice
from app.content.model import Question
from app.content.model import frozen_map


def make(qtype: str, **fields) -> Question:
    """Return a question of ``qtype`` with just enough filled in to grade it."""
    base = {
        "id": f"q-{qtype}",
        "quiz_id": "intro",
        "type": qtype,
        "source": "original",
        "tags": (),
        "difficulty": 1,
        "prompt_html": frozen_map({"en": "?", "zh": "？"}),
        "explanation_html": frozen_map({"en": ".", "zh": "。"}),
    }
    base.update(fields)
    return Question(**base)


def choices(*ids: str) -> tuple[Choice, ...]:
    """Return choices with the given ids."""
    return tuple(Choice(i, frozen_map({"en": i.upper(), "zh": i})) for i in ids)


SINGLE = make("single_choice", choices=choices("a", "b", "c"), answer="b")
MULTIPLE = make("multiple_choice", choices=choices("a", "b", "c", "d"), answer=("a", "b", "d"))
TRUE_FALSE = make("true_false", answer=False)
SHORT = make("short_answer", accept=("ABC", "before_request"), answer=("ABC", "before_request"))
CHINESE = make("short_answer", accept=("请求上下文，应用上下文",))
REGEX = make("short_answer", accept=(), pattern=r"(flask\.)?g", answer=())
CODE = make("code_output", code="print(1, 2)", accept=("(1, 2)", "1 2"), answer=("(1, 2)", "1 2"))
ORDERING = make("ordering", choices=choices("a", "b", "c", "d"), answer=("a", "b", "c", "d"))
FLASHCARD = make("flashcard")

EVERY_TYPE = [SINGLE, MULTIPLE, TRUE_FALSE, SHORT, REGEX, CODE, ORDERING, FLASHCARD]


def test_every_type_has_a_grader():
    assert set(GRADERS) == set(QUESTION_TYPES)


def test_single_choice():
    assert grade(SINGLE, "b") == Result(True, 1.0, "Correct.", "correct")
    assert grade(SINGLE, "a").score == 0 and not grade(SINGLE, "a").correct
    assert grade(SINGLE, ["b"]).correct
    assert grade(SINGLE, "").kind == "empty"
    assert grade(SINGLE, 2).kind == "invalid"


@pytest.mark.parametrize(
    ("answer", "score", "correct"),
    [
        (["a", "b", "d"], 1.0, True),
        (["d", "b", "a"], 1.0, True),
        (["a", "b"], 2 / 3, False),
        (["a"], 1 / 3, False),
        (["a", "b", "c"], 1 / 3, False),  # (2 right - 1 wrong) / 3
        (["a", "c"], 0.0, False),  # (1 - 1) / 3
        (["c"], 0.0, False),  # floored at 0
        (["a", "b", "c", "d"], 2 / 3, False),
        (["a", "a", "b"], 2 / 3, False),  # duplicates count once
        (["a", "zz"], 0.0, False),  # an unknown id is a wrong pick
    ],
)
def test_multiple_choice_partial_credit(answer, score, correct):
    result = grade(MULTIPLE, answer)
    assert result.score == pytest.approx(score)
    assert result.correct is correct


def test_multiple_choice_empty_and_junk():
    assert grade(MULTIPLE, []).kind == "empty"
    assert grade(MULTIPLE, None).kind == "empty"
    assert grade(MULTIPLE, [1, 2]).kind == "invalid"
    assert grade(MULTIPLE, {"a": 1}).kind == "invalid"
    assert grade(MULTIPLE, "a").score == pytest.approx(1 / 3)


def test_true_false():
    assert grade(TRUE_FALSE, False).correct
    assert not grade(TRUE_FALSE, True).correct
    assert grade(TRUE_FALSE, "false").kind == "invalid"  # coerce_answer first
    assert grade(TRUE_FALSE, 0).kind == "invalid"


@pytest.mark.parametrize(
    "answer",
    [
        "ABC",
        "abc",
        "ＡＢＣ",
        "ａｂｃ",
        "  abc  ",
        "abc.",
        "abc。",
        "ABC\n",
        "Before_Request",
        "before_request。",
    ],
)
def test_short_answer_accepts_folded_text(answer):
    assert grade(SHORT, answer).correct


@pytest.mark.parametrize("answer", ["ab c", "abcd", "before request", "a.b.c", "ABC!"])
def test_short_answer_rejects_other_text(answer):
    assert not grade(SHORT, answer).correct


@pytest.mark.parametrize(
    "answer",
    [
        "请求上下文，应用上下文",
        "请求上下文,应用上下文",
        "请求上下文, 应用上下文",
        "请求上下文 ，应用上下文。",
        " 请求上下文， 应用上下文 ",
    ],
)
def test_short_answer_folds_chinese_punctuation(answer):
    assert grade(CHINESE, answer).correct


def test_fold_maps_every_chinese_punctuation_mark():
    assert fold("，。：；！？（）") == ",.:;!?()"
    assert fold("（Ａ）") == "(a)"
    assert fold("Flask  \t is\nsmall") == "flask is small"
    assert fold("...") == ".."  # one trailing dot only, never down to nothing
    assert fold(".") == "."


def test_short_answer_empty_and_wrong_types():
    for answer in ("", "   ", "\u3000", None):
        assert grade(SHORT, answer).kind == "empty"
    for answer in (42, ["abc", "x"], {"a": 1}, b"abc"):
        assert grade(SHORT, answer).kind == "invalid"


@pytest.mark.parametrize(
    ("answer", "correct"), [("g", True), ("flask.g", True), ("Flask.G", True), ("ｇ", True)]
)
def test_short_answer_regex_is_a_full_match(answer, correct):
    assert grade(REGEX, answer).correct is correct


@pytest.mark.parametrize("answer", ["flask.gg", "the g", "g object", ""])
def test_short_answer_regex_rejects_partial_matches(answer):
    assert not grade(REGEX, answer).correct


def test_code_output_is_graded_like_short_answer():
    assert grade(CODE, "(1, 2)\n").correct
    assert grade(CODE, "(1,2)").correct
    assert grade(CODE, "（1，2）").correct
    assert grade(CODE, "1 2").correct
    assert not grade(CODE, "12").correct


def test_a_broken_pattern_grades_as_wrong_not_an_error():
    question = make("short_answer", accept=(), pattern="([a-z")
    assert grade(question, "abc") == Result(False, 0.0, "Not quite.", "incorrect")


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        (["a", "b", "c", "d"], 1.0),
        (["b", "a", "c", "d"], 5 / 6),
        (["a", "b", "d", "c"], 5 / 6),
        (["d", "c", "b", "a"], 0.0),
        (["b", "c", "d", "a"], 3 / 6),
    ],
)
def test_ordering_kendall_partial_credit(answer, score):
    result = grade(ORDERING, answer)
    assert result.score == pytest.approx(score)
    assert result.correct is (score == 1.0)


def test_ordering_empty_and_junk():
    assert grade(ORDERING, []).kind == "empty"
    assert grade(ORDERING, [1, 2, 3, 4]).kind == "invalid"


@pytest.mark.parametrize(
    "answer",
    [["a", "b"], ["a", "a", "b", "c"], ["a", "a", "a", "a"], ["a", "b", "c", "d", "d"]],
)
def test_ordering_that_is_not_a_permutation_earns_nothing(answer):
    result = grade(ORDERING, answer)
    assert result.kind == "invalid"
    assert result.score == 0.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"a": "1", "b": "1", "c": "1", "d": "1"}, "different position"),
        ({"a": "1", "b": "2", "c": "2", "d": "4"}, "different position"),
        ("a,a,b,c", "only once"),
        (["a", "b", "c"], "1 of 4 are missing"),
        ({"a": "1", "b": "2"}, "2 of 4 are missing"),
    ],
)
def test_coerce_ordering_requires_a_permutation(raw, message):
    with pytest.raises(InvalidAnswer, match=message):
        coerce_answer(ORDERING, raw)


@pytest.mark.parametrize(
    ("rating", "score", "correct"),
    [("again", 0.0, False), ("hard", 0.5, True), ("good", 0.8, True), ("easy", 1.0, True)],
)
def test_flashcard_ratings(rating, score, correct):
    result = grade(FLASHCARD, rating)
    assert (result.score, result.correct) == (score, correct)


def test_flashcard_rejects_other_ratings():
    assert grade(FLASHCARD, "great").kind == "invalid"
    assert grade(FLASHCARD, "").kind == "empty"


def test_unknown_type_is_not_an_error():
    assert grade(make("essay"), "x").kind == "invalid"


# -- coerce_answer -------------------------------------------------------------------------


def test_coerce_single_choice():
    assert coerce_answer(SINGLE, "b") == "b"
    assert coerce_answer(SINGLE, [" b "]) == "b"
    for raw, message in [
        ("z", "Unknown choice 'z'."),
        ("", "Pick one of the choices."),
        (None, "Pick one of the choices."),
        (["a", "b"], "Give one answer, not a list."),
        (3, "A choice must be given by its id (text)."),
    ]:
        with pytest.raises(InvalidAnswer) as info:
            coerce_answer(SINGLE, raw)
        assert info.value.message == message


def test_coerce_multiple_choice():
    assert coerce_answer(MULTIPLE, ["a", "d"]) == ("a", "d")
    assert coerce_answer(MULTIPLE, "a, d") == ("a", "d")
    assert coerce_answer(MULTIPLE, []) == ()
    assert coerce_answer(MULTIPLE, None) == ()
    with pytest.raises(InvalidAnswer, match="Too many choices"):
        coerce_answer(MULTIPLE, ["a", "b", "c", "d", "a"])
    with pytest.raises(InvalidAnswer, match="only once"):
        coerce_answer(MULTIPLE, ["a", "a"])
    with pytest.raises(InvalidAnswer, match="list of choice ids"):
        coerce_answer(MULTIPLE, {"a": True})


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), ("false", False), ("Yes", True), (["0"], False), (1, True)]
)
def test_coerce_true_false(raw, value):
    assert coerce_answer(TRUE_FALSE, raw) is value


@pytest.mark.parametrize("raw", ["maybe", 2, None, [], 0.5, "x" * 100])
def test_coerce_true_false_refuses(raw):
    with pytest.raises(InvalidAnswer, match="true or false"):
        coerce_answer(TRUE_FALSE, raw)


def test_coerce_text():
    assert coerce_answer(SHORT, " abc ") == " abc "
    assert coerce_answer(CODE, ["1 2"]) == "1 2"
    assert coerce_answer(SHORT, None) == ""
    assert coerce_answer(SHORT, "x" * MAX_TEXT_ANSWER) == "x" * MAX_TEXT_ANSWER
    with pytest.raises(InvalidAnswer, match="too long"):
        coerce_answer(SHORT, "x" * (MAX_TEXT_ANSWER + 1))
    with pytest.raises(InvalidAnswer, match="must be text"):
        coerce_answer(SHORT, 42)


def test_coerce_ordering():
    assert coerce_answer(ORDERING, ["b", "a", "d", "c"]) == ("b", "a", "d", "c")
    assert coerce_answer(ORDERING, "d,c,b,a") == ("d", "c", "b", "a")
    assert coerce_answer(ORDERING, {"a": "3", "b": "1", "c": "2", "d": "4"}) == ("b", "c", "a", "d")
    with pytest.raises(InvalidAnswer, match="must be a number"):
        coerce_answer(ORDERING, {"a": "first", "b": "2", "c": "3", "d": "4"})
    with pytest.raises(InvalidAnswer, match="Unknown choice"):
        coerce_answer(ORDERING, ["a", "x"])
    with pytest.raises(InvalidAnswer, match="Too many"):
        coerce_answer(ORDERING, list("abcda"))


def test_coerce_flashcard():
    assert coerce_answer(FLASHCARD, " Good ") == "good"
    with pytest.raises(InvalidAnswer, match="again, hard, good or easy"):
        coerce_answer(FLASHCARD, "perfect")


def test_coerce_then_grade_round_trip():
    assert grade(TRUE_FALSE, coerce_answer(TRUE_FALSE, "false")).correct
    assert grade(ORDERING, coerce_answer(ORDERING, {"a": 1, "b": 2, "c": 3, "d": 4})).correct


# -- never raising -------------------------------------------------------------------------

JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=50)
    | st.binary(max_size=20)
    | st.sampled_from(["a", "b", "c", "d", "again", "good", "true", "abc", "ＡＢＣ"]),
    lambda children: (
        st.lists(children, max_size=6)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=5) | st.sampled_from(["a", "b", "c"]), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(answer=JUNK, question=st.sampled_from(EVERY_TYPE))
def test_grade_never_raises(question, answer):
    result = grade(question, answer)
    assert isinstance(result, Result)
    assert 0.0 <= result.score <= 1.0
    assert isinstance(result.feedback, str)


@settings(max_examples=300, deadline=None)
@given(answer=JUNK, question=st.sampled_from(EVERY_TYPE))
def test_coerce_answer_raises_only_invalid_answer(question, answer):
    try:
        value = coerce_answer(question, answer)
    except InvalidAnswer as exc:
        assert exc.message
        return
    assert isinstance(grade(question, value), Result)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_text_answers_of_any_text_grade(text):
    for question in (SHORT, CHINESE, REGEX, CODE):
        assert isinstance(grade(question, coerce_answer(question, text)), Result)
