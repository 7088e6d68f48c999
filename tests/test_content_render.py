"""The Markdown renderer and the snippet scanner, tested without an app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.content.catalog import build_catalog
from app.content.model import Heading
from app.content.render import count_words
from app.content.render import render_markdown
from app.content.snippets import iter_code_blocks
from app.content.snippets import python_blocks
from app.content.snippets import strip_markers

FIXTURES = Path(__file__).parent / "fixtures" / "content"
DEMOS = {"routing.demo_match": "/topics/routing/demo/match"}


@pytest.fixture(scope="module")
def catalog():
    """Build the small valid course once for this module."""
    return build_catalog(FIXTURES / "valid" / "lessons", FIXTURES / "valid" / "quizzes", demos=DEMOS)


@pytest.fixture(scope="module")
def routing_en(catalog):
    """Return the English HTML of the fixture's routing lesson."""
    return catalog.lessons["routing"].texts["en"].html


def test_fixture_course_is_valid(catalog):
    assert catalog.problems == ()
    assert catalog.summary() == "4 lessons, 2 quizzes, 8 questions, 0 errors"


def test_python_is_highlighted_with_pygments_classes(routing_en):
    assert '<div class="language-python highlight"><pre><span></span><code>' in routing_en
    assert '<span class="kn">from</span>' in routing_en
    assert '<span class="nd">@app</span>' in routing_en
    assert '<div class="language-jinja highlight">' in routing_en
    assert '<span class="cp">{{</span>' in routing_en


def test_marker_comments_are_hidden(routing_en):
    assert "# group" not in routing_en
    assert "illustrative" not in routing_en
    assert "starts a server" not in routing_en
    assert 'app<span class="o">.</span>run' in routing_en


def test_spans_that_change_nothing_on_screen_are_dropped(routing_en):
    """Plain names, punctuation and whitespace lose their span; every styled token keeps its own."""
    assert not re.search(r'<span class="[npw]">', routing_en)
    assert '<span class="o">.</span>' in routing_en and '<span class="kn">from</span>' in routing_en
    # ...which is only invisible while those classes take the listing's own colour in every theme.
    css = (Path(__file__).resolve().parent.parent / "app/static/css/pygments.css").read_text()
    rules = dict(re.findall(r"^(.*?\.highlight(?: \.[a-z0-9]+)?) \{ ([^}]*) \}", css, re.M))
    for theme in (":root", ':root:not([data-theme="light"])', ':root[data-theme="dark"]'):
        base = re.search(r"(?:^|; )color: (#\w+)", rules[f"{theme} .highlight"])
        for token in ("n", "p"):
            own = rules.get(f"{theme} .highlight .{token}")
            assert own is None or (base and own == f"color: {base.group(1)}"), (theme, token, own)


def test_headings_get_anchors_and_a_toc(catalog, routing_en):
    assert (
        '<h2 id="registering-a-rule">Registering a rule<a class="headerlink" href="#registering-a-rule">'
        in (routing_en)
    )
    en = catalog.lessons["what-is-flask"].texts["en"]
    assert en.toc == (Heading(2, "the-idea", "The idea"), Heading(3, "inside-the-core", "Inside the core"))
    zh = catalog.lessons["what-is-flask"].texts["zh"]
    assert zh.toc == (Heading(2, "the-idea", "核心思想"), Heading(3, "inside-the-core", "核心内部"))


def test_chinese_headings_without_an_id_get_a_unicode_slug():
    rendered = render_markdown("## 请求上下文\n\n### 为什么 `g` 存在？\n")
    assert [heading.id for heading in rendered.toc] == ["请求上下文", "为什么-g-存在"]


def test_tables_inline_code_and_task_lists(routing_en):
    assert "<table>" in routing_en and "<th>option</th>" in routing_en
    assert "<td><code>methods</code></td>" in routing_en
    assert '<ul class="task-list">' in routing_en
    assert (
        '<li class="task-list-item"><input type="checkbox" disabled checked/> read the rule</li>'
        in routing_en
    )
    assert '<li class="task-list-item"><input type="checkbox" disabled/> build a URL</li>' in routing_en


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("note", "Note"),
        ("tip", "A tip"),
        ("warning", "Warning"),
        ("interview", "Interview answer"),
    ],
)
def test_admonitions(routing_en, kind, title):
    assert f'<div class="admonition {kind}">\n<p class="admonition-title">{title}</p>' in routing_en


def test_untitled_admonitions_get_titles_in_the_texts_language():
    text = "!!! note\n    x\n\n!!! interview\n    y\n\n!!! correction\n    z\n"
    zh = render_markdown(text, lang="zh").html
    assert '<p class="admonition-title">注意</p>' in zh
    assert '<p class="admonition-title">面试回答</p>' in zh
    assert '<p class="admonition-title">更正</p>' in zh
    en = render_markdown(text).html
    assert '<p class="admonition-title">Interview answer</p>' in en
    assert '<p class="admonition-title">Correction</p>' in en


def test_changed_box_carries_its_version_as_data(catalog, routing_en):
    box = (
        '<div class="admonition changed" data-changes="flask@2.0" data-component="flask" '
        'data-version="2.0">\n<p class="admonition-title">{}</p>'
    )
    assert box.format("Changed in Flask 2.0") in routing_en
    assert box.format("Flask 2.0 起的变化") in catalog.lessons["routing"].texts["zh"].html
    (note,) = catalog.lessons["routing"].texts["en"].changes
    assert (note.component, note.versions, note.title) == ("flask", ("2.0",), "")


@pytest.mark.parametrize(
    ("written", "lang", "attributes", "title"),
    [
        (
            "Werkzeug 2.2: converters gained `part_isolating`",
            "en",
            'data-changes="werkzeug@2.2" data-component="werkzeug" data-version="2.2"',
            "Changed in Werkzeug 2.2: converters gained <code>part_isolating</code>",
        ),
        (
            "Flask 1.0, 2.2, 3.1: defaults",
            "zh",
            'data-changes="flask@1.0 flask@2.2 flask@3.1" data-component="flask" data-version="1.0 2.2 3.1"',
            "Flask 1.0、2.2、3.1 起的变化：defaults",
        ),
        (
            "Werkzeug 2.0, Flask 2.2",
            "en",
            'data-changes="werkzeug@2.0 flask@2.2" data-component="werkzeug" data-version="2.0"',
            "Changed in Werkzeug 2.0 and Flask 2.2",
        ),
        (
            "2.3",
            "en",
            'data-changes="flask@2.3" data-component="flask" data-version="2.3"',
            "Changed in Flask 2.3",
        ),
    ],
)
def test_changed_box_versions_and_titles(written, lang, attributes, title):
    html = render_markdown(f'!!! changed "{written}"\n    body\n', lang=lang).html
    assert f'<div class="admonition changed" {attributes}>\n<p class="admonition-title">{title}</p>' in html


def test_tabs_use_the_alternate_style(routing_en):
    assert '<div class="tabbed-set tabbed-alternate" data-tabs="1:2">' in routing_en
    assert '<label for="__tabbed_1_1">Flask</label><label for="__tabbed_1_2">Django</label>' in routing_en
    assert routing_en.count('<div class="tabbed-block">') == 2


def test_details_closed_and_open(routing_en):
    assert '<details class="note">\n<summary>Closed details</summary>' in routing_en
    assert '<details class="tip" open>\n<summary>Open details</summary>' in routing_en


def test_lesson_links_are_language_neutral_urls(catalog, routing_en):
    assert '<a href="/topics/intro/what-is-flask#the-idea">the idea</a>' in routing_en
    assert '<a href="/topics/intro/what-is-flask">what Flask is</a>' in routing_en
    zh = catalog.lessons["routing"].texts["zh"].html
    assert '<a href="/topics/intro/what-is-flask#the-idea">' in zh


def test_demo_links_resolve_through_the_url_map(routing_en):
    assert '<a href="/topics/routing/demo/match">try the URL tester</a>' in routing_en


def test_links_in_quiz_texts_resolve(catalog):
    question = catalog.questions["routing-endpoint"]
    assert '<a href="/topics/routing/routing#registering-a-rule">' in question.explanation_html["en"]
    assert (
        '<a href="/topics/intro/what-is-flask">' in catalog.questions["intro-single"].explanation_html["zh"]
    )


def test_unknown_links_become_marked_spans_not_broken_links():
    rendered = render_markdown(
        "[gone](lesson:gone) and [nope](demo:x.y)", resolve=lambda scheme, target: None
    )
    assert 'href="lesson:' not in rendered.html and 'href="demo:' not in rendered.html
    assert '<span class="broken-link" title="lesson:gone does not exist">gone</span>' in rendered.html
    assert [(link.scheme, link.target, link.resolved) for link in rendered.links] == [
        ("lesson", "gone", False),
        ("demo", "x.y", False),
    ]


def test_ordinary_links_are_untouched():
    html = render_markdown("[docs](https://flask.palletsprojects.com/) [mail](mailto:a@b.c)").html
    assert '<a href="https://flask.palletsprojects.com/">docs</a>' in html


def test_soft_breaks_between_chinese_characters_disappear(catalog):
    html = catalog.lessons["what-is-flask"].texts["zh"].html
    assert "<p>Flask 是一个小巧的核心，周围是各种扩展。</p>" in html
    assert "line one\nline two" in render_markdown("line one\nline two").html


def test_code_keeps_its_line_breaks_between_chinese_characters():
    html = render_markdown("```text\n中\n文\n```\n").html
    assert "中\n文" in html


def test_quiz_texts_are_rendered(catalog):
    single = catalog.questions["intro-single"]
    assert single.prompt_html["zh"] == "<p>Flask 用哪个库处理 WSGI？</p>"
    assert single.choices[1].html["en"] == "<code>Werkzeug</code>"
    code = catalog.questions["intro-code"]
    assert code.code.startswith("from flask import Flask\n")
    assert '<span class="nb">print</span>' in code.code_html
    card = catalog.questions["intro-card"]
    assert card.model_answer_html["zh"] == "<p>服务器与应用之间的调用约定。</p>"
    assert card.key_points["en"] == ("<code>environ</code>", "<code>start_response</code>")


def test_word_count_counts_cjk_characters_and_words():
    assert count_words("<p>Flask is small</p>") == 3
    assert count_words("<p>请求上下文 and g</p>") == 7


def test_h1_headings_are_counted():
    assert render_markdown("# Title\n\n## Section\n").h1_count == 1
    assert render_markdown("```python\n# comment\n```\n").h1_count == 0


# -- the snippet scanner ---------------------------------------------------------------------

DOC = """Intro

```python
# group: app
x = 1
```

!!! tip
    ```python
    # illustrative: needs a server
    run()
    ```

````markdown
```python
not a block of its own
```
````

~~~py
print(2)
~~~
"""


def test_iter_code_blocks_finds_fences_with_lines_and_markers():
    blocks = list(iter_code_blocks(DOC, first_line=10))
    assert [(b.lang, b.line, b.marker, b.marker_value) for b in blocks] == [
        ("python", 13, "group", "app"),
        ("python", 19, "illustrative", "needs a server"),
        ("markdown", 24, None, ""),
        ("py", 30, None, ""),
    ]
    assert blocks[0].body == "x = 1" and blocks[0].body_line == 14
    assert blocks[1].body == "run()"  # dedented out of the admonition
    assert blocks[2].code == "```python\nnot a block of its own\n```"


def test_python_blocks_and_strip_markers():
    assert [block.code for block in python_blocks(DOC)] == [
        "# group: app\nx = 1",
        "# illustrative: needs a server\nrun()",
        "print(2)",
    ]
    stripped = strip_markers(DOC)
    assert "# group" not in stripped and "# illustrative" not in stripped
    assert re.search(r"```python\nx = 1\n```", stripped)


def test_table_alignment_uses_attributes_not_inline_styles():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert "style=" not in html  # the CSP forbids inline styles
