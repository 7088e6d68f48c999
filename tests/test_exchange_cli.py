"""``manage.py quiz export`` and ``quiz import`` on the real course and on a copy of its quizzes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import Config

GIFT_BANK = """\
// [id:routing-endpoint-default] [tag:endpoint]
::routing-endpoint-default::[markdown]Which object holds the URL rules?{
=`app.url_map`
~`app.view_functions`
####A `Map` of `Rule`s.
}

::Year::When was Flask first released?{#2010}

::Werkzeug class::Which Werkzeug class matches URLs?{=MapAdapter =werkzeug.routing.MapAdapter}
"""


@pytest.fixture
def quizzes(tmp_path: Path, app_settings: dict) -> Path:
    """Point the app at a copy of the course's quizzes."""
    path = tmp_path / "quizzes"
    shutil.copytree(Config.QUIZZES_DIR, path)
    app_settings["QUIZZES_DIR"] = str(path)
    return path


def test_export_gift_to_standard_output(runner):
    result = runner.invoke(args=["quiz", "export", "--format", "gift", "--topic", "routing"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("$CATEGORY: $course$/top/Inside Flask/routing\n")
    assert "::routing-endpoint-default::[markdown]" in result.stdout
    assert "Exported " in result.stderr and " questions (gift, en)." in result.stderr
    assert "code_output is exported as a short answer" in result.stderr


def test_export_moodle_xml_in_chinese_to_a_file(runner, tmp_path):
    target = tmp_path / "bank.xml"
    result = runner.invoke(
        args=["quiz", "export", "--format", "moodle-xml", "--lang", "zh", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    assert "不写 <code>endpoint=</code> 时，视图的端点名是什么？" in text
    # The 18 code challenges are left out: neither format runs tests.
    assert "Exported 265 of 283 questions (moodle-xml, zh)." in result.stderr
    assert "config-challenge-factory: code challenges (tests run in the browser) are not exported" in (
        result.stderr
    )


def test_export_refuses_an_unknown_topic(runner):
    result = runner.invoke(args=["quiz", "export", "--format", "gift", "--topic", "nope"])
    assert result.exit_code == 2
    assert "unknown topic 'nope'" in result.output


def test_import_appends_without_touching_the_file(quizzes, runner, tmp_path):
    bank = tmp_path / "bank.gift"
    bank.write_text(GIFT_BANK, encoding="utf-8")
    routing = quizzes / "routing.yaml"
    before = routing.read_text(encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(bank), "--topic", "routing"])
    assert result.exit_code == 0, result.output
    after = routing.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n") + "\n\n  - id: routing-endpoint-default-2\n")
    assert "Not converted: line 8, Year: numerical questions are not convertible" in result.output
    assert (
        f"Imported 2 questions into {routing}: routing-endpoint-default-2, routing-werkzeug-class."
        in result.output
    )
    assert "    source: original\n" in after[len(before) :]
    assert '    accept: ["MapAdapter", "werkzeug.routing.MapAdapter"]\n' in after
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output
    assert "285 questions, 0 errors" in check.output

    again = runner.invoke(args=["quiz", "import", str(bank), "--topic", "routing"])
    assert again.exit_code == 0, again.output
    assert "routing-endpoint-default-3, routing-werkzeug-class-2." in again.output
    assert routing.read_text(encoding="utf-8").startswith(after)


def test_import_round_trips_a_moodle_export(quizzes, runner, tmp_path):
    bank = tmp_path / "flash.xml"
    exported = runner.invoke(
        args=["quiz", "export", "--format", "moodle-xml", "--topic", "flash", "--lang", "zh", "-o", str(bank)]
    )
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(args=["quiz", "import", str(bank), "--topic", "flash", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "The en texts are copies of the zh texts, and difficulty is 2: review them." in result.output
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "bad.gift",
            "::a::Q{=x ~y}\n\n::b::Q{\n=x\n",
            "bad.gift:3: '{' without '}': answers go between { and }",
        ),
        ("bad.xml", "<quiz>\n<question>\n</quiz>", "bad.xml:3: not well-formed XML: mismatched tag"),
        ("bad.txt", "<quiz/>\n", "bad.txt:2: not well-formed XML: junk after document element"),
    ],
)
def test_import_of_a_malformed_file_is_one_line_and_exit_1(quizzes, runner, tmp_path, name, text, message):
    bank = tmp_path / name
    bank.write_text(text + ("<x/>" if name == "bad.txt" else ""), encoding="utf-8")
    before = (quizzes / "routing.yaml").read_text(encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(bank), "--topic", "routing"])
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / message}\n"
    assert "Traceback" not in result.output
    assert (quizzes / "routing.yaml").read_text(encoding="utf-8") == before


def test_import_refuses_a_file_that_is_not_utf8(quizzes, runner, tmp_path):
    bank = tmp_path / "latin1.gift"
    bank.write_bytes("::q::Café?{TRUE}".encode("latin-1"))
    result = runner.invoke(args=["quiz", "import", str(bank), "--topic", "routing"])
    assert result.exit_code == 1
    assert result.stderr == f"{bank}: not UTF-8 text (invalid continuation byte at byte 8)\n"


def test_import_that_would_break_the_course_writes_nothing(quizzes, runner, tmp_path):
    bank = tmp_path / "pictures.xml"
    bank.write_text(
        '<quiz><question type="multichoice"><name><text>pic</text></name>'
        "<questiontext><text>Which logo?</text></questiontext>"
        '<answer fraction="100"><text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text></answer>'
        '<answer fraction="0"><text>None</text></answer></question></quiz>',
        encoding="utf-8",
    )
    routing = quizzes / "routing.yaml"
    before = routing.read_text(encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(bank), "--topic", "routing"])
    assert result.exit_code == 1
    assert "Not converted: line 1, pic: HTML <img> kept as plain text" in result.stdout
    line = before.rstrip("\n").count("\n") + 1 + 10
    assert result.stderr == (
        f"{routing}:{line}: question routing-pic: choices entry 'a' is missing its en text\n"
        f"{routing}:{line}: question routing-pic: choices entry 'a' is missing its zh text\n"
        f"Nothing was written to {routing}.\n"
    )
    assert routing.read_text(encoding="utf-8") == before
