"""GIFT and Moodle XML: what is written, what is read, and the errors for malformed files."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.content.catalog import build_catalog
from app.content.exchange import ExchangeError
from app.content.exchange import export_bank
from app.content.exchange import import_into
from app.content.exchange import parse_bank
from app.content.model import Catalog
from app.content.quizzes import read_quiz
from app.content.render import Renderer
from config import Config

#: Moodle's grade choices (question_bank::fraction_options_full), as percentages.
MOODLE_FRACTIONS = {
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25", "20",
    "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
}  # fmt: skip


@pytest.fixture(scope="module")
def course() -> Catalog:
    """Build the real course once for the module."""
    return build_catalog(Config.LESSONS_DIR, Config.QUIZZES_DIR)


def test_moodle_xml_follows_moodles_format(course):
    export = export_bank(course, None, "moodle-xml", "en")
    root = ET.fromstring(export.text.encode())
    assert root.tag == "quiz"
    questions = root.findall("question")
    categories = [q.findtext("category/text") for q in questions if q.get("type") == "category"]
    assert categories == [f"$course$/top/Inside Flask/{quiz}" for quiz in sorted(course.quizzes)]
    assert questions[0].get("type") == "category"
    kinds = {}
    for question in questions[1:]:
        kind = question.get("type")
        if kind == "category":
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        assert question.find("questiontext").get("format") == "html"
        assert question.findtext("name/text") == question.findtext("idnumber")
        fractions = [answer.get("fraction") for answer in question.findall("answer")]
        if kind == "ordering":
            assert fractions == [f"{n}.0000000" for n in range(1, len(fractions) + 1)]
            assert question.findtext("gradingtype") == "RELATIVE_ALL_PREVIOUS_AND_NEXT"
            continue
        assert all(f.removeprefix("-") in MOODLE_FRACTIONS for f in fractions), fractions
        if kind == "multichoice" and question.findtext("single") == "false":
            assert sum(float(f) for f in fractions if float(f) > 0) == pytest.approx(100, abs=0.001)
        if kind == "essay":
            assert question.find("graderinfo").get("format") == "html"
            assert question.findtext("graderinfo/text")
    assert kinds == {
        "multichoice": 80,
        "truefalse": 32,
        "shortanswer": 72,
        "ordering": 18,
        "essay": 63,
    }
    assert "<![CDATA[<p>Without <code>endpoint=</code>, what is a view's endpoint name?</p>]]>" in export.text


def test_export_reports_what_does_not_convert(course):
    question = course.questions["config-toml-text"]
    export = export_bank(course, "config", "gift", "en")
    messages = [str(note) for note in export.notes]
    assert (
        f"config-toml-text: the regular expression {question.pattern!r} is not convertible "
        "(short answers there have no patterns); only the accepted answers are exported"
    ) in messages
    code_output = [q.id for q in course.quizzes["config"].questions if q.type == "code_output"]
    assert code_output
    assert (
        f"{code_output[0]}: code_output is exported as a short answer with the code in the question text; "
        "it imports back as short_answer"
    ) in messages
    exportable = [q for q in course.quizzes["config"].questions if q.type != "code_challenge"]
    assert len(export.exported) == len(exportable)


def test_gift_writes_markdown_with_escapes(course):
    text = export_bank(course, "routing", "gift", "en").text
    assert text.startswith("$CATEGORY: $course$/top/Inside Flask/routing\n")
    assert "// [id:routing-endpoint-default] [tag:endpoint]\n" in text
    assert (
        "::routing-endpoint-default::[markdown]Without `endpoint\\=`, what is a view's endpoint name?{\n"
        in text
    )
    assert "\n=The view function's `__name__`\n" in text
    # No blank line inside a question: Moodle would start a new question there.
    for block in text.split("\n\n")[1:]:
        assert block.count("{") - block.count("\\{") == 1, block


GIFT_BANK = """\
// a comment
::capital::What is the capital of France?{
=Paris#right
~London#no
~Berlin
####It is [b]Paris[/b].
}

::flags::[html]Which are <b>flags</b> of <code>ls</code>?{
~%50%-l
~%50%-a
~%-100%-z
}

Grant is buried in Grant's tomb.{FALSE}

::two names::Who's buried in Grant's tomb?{=no one =nobody =%50%Grant}

::steps::Order these {
=boil water -> 1
=add tea -> 2
=pour -> 3
}

::map::Match {=Canada -> Ottawa =Italy -> Rome}

::year::When was Grant born?{#1822:5}

::essay::Explain WSGI.{}
"""


def test_gift_reader_reads_moodle_gift():
    drafts, notes = parse_bank(GIFT_BANK, "auto", "bank.gift")
    kinds = [(d.name, d.type) for d in drafts]
    assert kinds == [
        ("capital", "single_choice"),
        ("flags", "multiple_choice"),
        ("", "true_false"),
        ("two names", "short_answer"),
        ("steps", "ordering"),
        ("essay", "flashcard"),
    ]
    capital, flags, grant, names, steps, essay = drafts
    assert capital.choices == ["Paris", "London", "Berlin"] and capital.answer == 0
    assert capital.explanation == "It is \\[b\\]Paris\\[/b\\]."
    assert flags.prompt == "Which are **flags** of `ls`?"
    assert flags.answer == (0, 1) and flags.choices == ["-l", "-a", "-z"]
    assert grant.answer is False and grant.line == 15
    assert names.accept == ["no one", "nobody"]
    assert steps.choices == ["boil water", "add tea", "pour"]
    assert essay.model_answer == "—"
    assert [str(note) for note in notes] == [
        "line 9, flags: answer weights differ from Inside Flask's scoring ((right - wrong picks) / right "
        "choices); the choices with a positive weight are the right ones",
        "line 17, two names: the partial-credit answer '%50%Grant' is left out",
        "line 25, map: matching questions are not convertible "
        "(only items matched to 1, 2, 3 … are an ordering)",
        "line 27, year: numerical questions are not convertible",
    ]


#: How Moodle's own GIFT export writes questions: one line each, newlines as \n, weights on every answer.
MOODLE_GIFT_EXPORT = r"""// question: 0  name: Switch category to $course$/top/Default
$CATEGORY: $course$/top/Default


// question: 12  name: Capital
::Capital::[html]<p>Capital of France?</p>\n<p>One word\: the city.</p>{
	=%100%Paris#
	=%100%paris#
	=%50%Lutetia#old name
}


// question: 13  name: Sum
::Sum::[html]<p>2 \= 1 + 1?</p>{TRUE}
"""


def test_gift_reader_reads_moodles_own_export():
    drafts, notes = parse_bank(MOODLE_GIFT_EXPORT, "gift", "moodle.txt")
    capital, total = drafts
    assert capital.prompt == "Capital of France?\n\nOne word: the city."
    assert capital.accept == ["Paris", "paris"]
    assert total.prompt == "2 = 1 + 1?" and total.answer is True
    assert [str(note) for note in notes] == [
        "line 6, Capital: the partial-credit answer '%50%Lutetia#old name' is left out"
    ]


MOODLE_BANK = """\
<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Default</text></category></question>
  <question type="multichoice">
    <name><text>Pick one</text></name>
    <questiontext format="html"><text><![CDATA[<p>Is 1 &lt; 2?</p>]]></text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>Yes</text></answer>
    <answer fraction="0" format="html"><text>No</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>Capital</text></name>
    <questiontext format="moodle_auto_format"><text>Capital of *France*?</text></questiontext>
    <answer fraction="100"><text>Paris</text></answer>
    <answer fraction="50"><text>Lyon</text></answer>
  </question>
  <question type="numerical">
    <name><text>Number</text></name>
    <questiontext format="html"><text>2+2?</text></questiontext>
  </question>
  <question type="essay">
    <name><text>Explain</text></name>
    <questiontext format="html"><text>Explain WSGI.</text></questiontext>
    <generalfeedback format="html"><text>See PEP 3333.</text></generalfeedback>
    <graderinfo format="html"><text><![CDATA[<p>A calling convention.</p>]]></text></graderinfo>
    <tags><tag><text>wsgi</text></tag></tags>
  </question>
</quiz>
"""


def test_moodle_reader_reads_moodle_xml():
    drafts, notes = parse_bank(MOODLE_BANK, "auto", "bank.xml")
    assert [(d.name, d.type) for d in drafts] == [
        ("Pick one", "single_choice"),
        ("Capital", "short_answer"),
        ("Explain", "flashcard"),
    ]
    pick, capital, essay = drafts
    assert pick.prompt == "Is 1 &lt; 2?" and pick.answer == 0
    assert capital.prompt == "Capital of \\*France\\*?" and capital.accept == ["Paris"]
    assert essay.model_answer == "A calling convention." and essay.explanation == "See PEP 3333."
    assert essay.tags == ["wsgi"]
    assert [str(note) for note in notes] == [
        "line 16, Capital: the 50 % answer 'Lyon' is left out",
        "line 18, Number: the numerical question type has no Inside Flask equivalent",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "::q::Fine?{TRUE}\n\n::broken::Which?{\n=a\n~b\n",
            "bad.gift:3: '{' without '}': answers go between { and }",
        ),
        ("Which?\n}\n", "bad.gift:2: '}' without '{': answers go between { and }"),
        ("::no end Which?{=a ~b}", "bad.gift:1: the question name is not closed with ::"),
        (
            "// c\n::one::Pick{\n~=only\n}",
            "bad.gift:2: a multiple-choice question needs at least two answers",
        ),
        ("::w::Pick{\n~%abc%x\n~=y\n}", "bad.gift:1: bad answer weight in '%abc%x': write ~%50%answer"),
        (
            "::w::Pick{~a ~b}",
            "bad.gift:1: no answer is right: mark one with = or give it a positive %weight%",
        ),
        ("::m::Match{=a -> 1 =b}", "bad.gift:1: matching pair 'b' has no ->"),
    ],
)
def test_malformed_gift(text, message):
    with pytest.raises(ExchangeError) as info:
        parse_bank(text, "gift", "bad.gift")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<quiz>\n<question type="truefalse">\n</quiz>', "bad.xml:3: not well-formed XML: mismatched tag"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz>&a;</quiz>',
            "bad.xml:2: DTDs and entity declarations are not allowed",
        ),
        ("<questions/>", "bad.xml:1: the root element must be <quiz>, not <questions>"),
        ("<quiz>\n  <item/>\n</quiz>", "bad.xml:2: unexpected <item> in <quiz> (only <question>)"),
        ("<quiz>\n<question>\n</question></quiz>", "bad.xml:2: <question> needs a type attribute"),
        (
            '<quiz><question type="essay"><name><text>E</text></name></question></quiz>',
            "bad.xml:1: question 'E' has no <questiontext>",
        ),
        (
            '<quiz>\n<question type="multichoice"><name><text>M</text></name>'
            "<questiontext><text>Q</text></questiontext>\n"
            '<answer fraction="0"><text>a</text></answer><answer fraction="0"><text>b</text></answer>'
            "</question></quiz>",
            "bad.xml:2: multichoice question 'M' has no answer with a positive fraction",
        ),
        (
            '<quiz><question type="shortanswer"><name><text>S</text></name>'
            "<questiontext><text>Q</text></questiontext>\n"
            '<answer fraction="all"><text>a</text></answer></question></quiz>',
            "bad.xml:2: answer fraction 'all' is not a number",
        ),
        ("", "bad.xml:1: not well-formed XML: no element found"),
    ],
)
def test_malformed_moodle_xml(text, message):
    with pytest.raises(ExchangeError) as info:
        parse_bank(text, "moodle-xml", "bad.xml")
    assert str(info.value) == message


def test_import_writes_course_yaml_that_validates(course, tmp_path):
    drafts, _ = parse_bank(GIFT_BANK, "gift", "bank.gift")
    result = import_into(drafts, course, "routing", None, 3, "Routing")
    assert result.added == [
        "routing-capital",
        "routing-flags",
        "routing-imported",
        "routing-two-names",
        "routing-steps",
        "routing-essay",
    ]
    path = tmp_path / "routing.yaml"
    path.write_text(result.text, encoding="utf-8")
    problems = []
    renderer = Renderer()

    def render(text, line, lang, inline):
        return (renderer.render_inline(text, lang) if inline else renderer.render(text, lang)).html

    quiz = read_quiz(path, "routing.yaml", ("routing",), render, problems)
    assert problems == []
    assert [q.type for q in quiz.questions] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "ordering",
        "flashcard",
    ]
    flags = quiz.questions[1]
    assert flags.source == "original" and flags.difficulty == 3
    assert flags.answer == ("a", "b")
    assert flags.prompt_html == {"en": "<p>Which are <strong>flags</strong> of <code>ls</code>?</p>"} | {
        "zh": "<p>Which are <strong>flags</strong> of <code>ls</code>?</p>"
    }
    assert [choice.id for choice in quiz.questions[4].choices] == ["boil-water", "add-tea", "pour"]
