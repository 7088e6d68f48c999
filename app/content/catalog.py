"""Building the catalog: read every file, render it, check the course as a whole."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from werkzeug.routing import BuildError
from werkzeug.routing import Map

from app.content.diagrams import Diagram
from app.content.diagrams import load_diagram
from app.content.graph import course_order
from app.content.graph import find_cycles
from app.content.lessons import SHARED_KEYS
from app.content.lessons import LessonFile
from app.content.lessons import read_lesson
from app.content.model import LANGUAGES
from app.content.model import Catalog
from app.content.model import Lesson
from app.content.model import LessonText
from app.content.model import PlaygroundEntry
from app.content.model import Problem
from app.content.model import Question
from app.content.model import Quiz
from app.content.model import frozen_map
from app.content.quizzes import read_quiz
from app.content.render import Link
from app.content.render import Rendered
from app.content.render import Renderer
from app.content.render import count_words
from app.content.snippets import iter_code_blocks
from app.content.versions import course_versions
from app.content.versions import newer_than_verified
from app.topics import TOPIC_NAMES

#: The repository root: problem paths are printed relative to it.
REPO_ROOT = Path(__file__).resolve().parents[2]

H1 = re.compile(r"^#(?!#)\s*\S")
CHANGED_LINE = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s*changed\b")
DIAGRAM_LINE = re.compile(r"^\s*!!!\s*diagram\b")

#: A demo endpoint that exists but cannot be built without URL arguments.
NEEDS_ARGUMENTS = ""


def lesson_url(topic: str, slug: str, anchor: str = "") -> str:
    """Return the language-neutral URL of a lesson (the page shows the reader's language)."""
    return f"/topics/{topic}/{slug}" + (f"#{anchor}" if anchor else "")


def demo_urls(url_map: Map) -> dict[str, str]:
    """Return endpoint → URL for every rule of ``url_map`` (``""`` when it needs arguments)."""
    adapter = url_map.bind("localhost")
    rv: dict[str, str] = {}
    for rule in url_map.iter_rules():
        if rv.get(rule.endpoint):
            continue
        try:
            rv[rule.endpoint] = adapter.build(rule.endpoint)
        except BuildError:
            rv.setdefault(rule.endpoint, NEEDS_ARGUMENTS)
    return rv


def display_path(path: Path) -> str:
    """Return ``path`` relative to the repository when it is inside it."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class LinkUse:
    """A course link found in a text, with where the text is."""

    path: str
    line: int
    lang: str
    link: Link


class CatalogBuilder:
    """Read, render and check the content under two directories, once."""

    def __init__(
        self,
        lessons_dir: Path,
        quizzes_dir: Path,
        demos: Mapping[str, str] | None = None,
        topics: tuple[str, ...] = TOPIC_NAMES,
        cache: Mapping[tuple, Rendered] | None = None,
    ) -> None:
        self.lessons_dir = Path(lessons_dir)
        self.quizzes_dir = Path(quizzes_dir)
        self.demos = demos
        self.topics = topics
        self.problems: list[Problem] = []
        self.slug_topic: dict[str, str] = {}
        self.link_uses: list[LinkUse] = []
        # (slug, language) → the element ids of that rendered text, for anchor checks.
        self.ids: dict[tuple[str, str], frozenset[str]] = {}
        self.diagrams: dict[tuple[str, str], Diagram] = {}
        self.diagram_paths: dict[tuple[str, str], str] = {}
        # (topic, name) → the languages whose texts show the diagram.
        self.diagram_shown: dict[tuple[str, str], set[str]] = {}
        self.verified: dict[str, str] = {}
        self.playgrounds: dict[str, PlaygroundEntry] = {}
        self.renderer = Renderer(self.resolve, self.find_diagram)
        # Rendered texts of the previous build, reused when text and link targets are unchanged.
        self.previous = cache or {}
        self.cache: dict[tuple, Rendered] = {}
        self.links_key = 0

    def problem(self, path: str, line: int | None, message: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(path, line, message))

    # -- links ---------------------------------------------------------------------------

    def resolve(self, scheme: str, target: str) -> str | None:
        """Return the URL of a ``lesson:``/``demo:`` link target, or None."""
        if scheme == "lesson":
            slug, _, anchor = target.partition("#")
            topic = self.slug_topic.get(slug)
            return lesson_url(topic, slug, anchor) if topic else None
        if self.demos is None:
            return f"#demo-{target}"
        return self.demos.get(target) or None

    def find_diagram(self, topic: str, name: str) -> Diagram | None:
        """Return the checked diagram ``lessons/<topic>/diagrams/<name>.svg``, or None."""
        return self.diagrams.get((topic, name))

    def render(
        self,
        text: str,
        path: str,
        line: int,
        lang: str,
        inline: bool = False,
        search: bool = False,
        topic: str = "",
        lesson: str | None = None,
        question: str | None = None,
    ):
        """Render ``text`` and remember its links; ``search`` finds each link's own line.

        A lesson's text (``lesson``) names its playgrounds after itself and gives its runnable
        snippets a playground; a question's text (``question``) names them by their content,
        so an exported and re-imported text keeps them.
        """
        owner = f"{lesson}.{lang}." if lesson else ""
        key = (text, inline, lang, topic, owner, self.links_key)
        rendered = self.previous.get(key) or self.cache.get(key) or RENDERED.get(key)
        if rendered is None:
            if inline:
                rendered = self.renderer.render_inline(text, lang)
            else:
                rendered = self.renderer.render(text, lang, topic, owner, snippets=lesson is not None)
            remember(key, rendered)
        self.cache[key] = rendered
        for use in rendered.playgrounds:
            self.playgrounds[use.id] = PlaygroundEntry(
                use.id, lang, use.title, use.code, use.requests, use.html, use.snippet, lesson, question
            )
        lines = text.split("\n")
        for link in rendered.links:
            where = line
            if search:
                needle = f"{link.scheme}:{link.target}"
                where = next((line + i for i, row in enumerate(lines) if needle in row), line)
            self.link_uses.append(LinkUse(path, where, lang, link))
        self.check_blocks(rendered, lines if search else [], path, line, lang, topic)
        return rendered

    def check_blocks(
        self, rendered: Rendered, lines: list[str], path: str, first: int, lang: str, topic: str
    ) -> None:
        """Report changed boxes and diagram blocks that cannot be shown as written."""

        def lines_of(pattern: re.Pattern[str]) -> list[int | None]:
            return [first + i for i, row in enumerate(lines) if pattern.match(row)]

        where = lines_of(CHANGED_LINE)
        for index, use in enumerate(rendered.changes):
            at = where[index] if index < len(where) else first
            if use.note is None:
                self.problem(path, at, use.error or "")
                continue
            newer = newer_than_verified(use.note, self.verified)
            if newer is not None:
                self.problem(
                    path,
                    at,
                    f"{newer.name} {newer.version} is newer than the {newer.name} the course is verified "
                    f"with ({self.verified[newer.component]})",
                )
        where = lines_of(DIAGRAM_LINE)
        seen: set[str] = set()
        for index, use in enumerate(rendered.diagrams):
            at = where[index] if index < len(where) else first
            if not use.name:
                self.problem(
                    path, at, 'a diagram block needs the diagram\'s name: !!! diagram "request-lifecycle"'
                )
                continue
            owner, _, name = use.name.rpartition("/")
            owner = owner or topic
            if (owner, name) in self.diagram_paths:
                self.diagram_shown.setdefault((owner, name), set()).add(lang)
            if not use.resolved:
                expected = display_path(self.lessons_dir / owner / "diagrams" / f"{name}.svg")
                if (owner, name) in self.diagram_paths:
                    self.problem(
                        path, at, f"diagram {use.name!r} cannot be shown: see the problems of {expected}"
                    )
                else:
                    self.problem(path, at, f"unknown diagram {use.name!r}: there is no {expected}")
                continue
            if not use.has_caption:
                self.problem(
                    path,
                    at,
                    f"diagram {use.name!r} needs a caption: indent its text alternative under the "
                    "!!! diagram line",
                )
            if use.name in seen:
                self.problem(path, at, f"diagram {use.name!r} is shown twice in this text")
            seen.add(use.name)

    def read_diagrams(self) -> None:
        """Read and check every ``lessons/<topic>/diagrams/*.svg``."""
        for topic in self.topics:
            folder = self.lessons_dir / topic / "diagrams"
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                rel = display_path(path)
                if path.suffix != ".svg":
                    self.problem(rel, None, "only .svg files belong in a diagrams folder")
                    continue
                self.diagram_paths[(topic, path.stem)] = rel
                diagram = load_diagram(
                    path, rel, topic, lambda line, message, rel=rel: self.problem(rel, line, message)
                )
                if diagram is not None:
                    self.diagrams[(topic, path.stem)] = diagram

    def check_diagrams_shown(self, lessons: Mapping[str, Lesson]) -> None:
        """Report diagrams no lesson shows, and those shown in one language only."""
        for (topic, name), rel in self.diagram_paths.items():
            shown = self.diagram_shown.get((topic, name), set())
            if not shown:
                self.problem(rel, None, f"diagram {name!r} is not shown by any lesson")
                continue
            for lesson in lessons.values():
                langs = {
                    lang
                    for lang, text in lesson.texts.items()
                    if any(
                        d.rpartition("/")[2] == name and (d.rpartition("/")[0] or lesson.topic) == topic
                        for d in text.diagrams
                    )
                }
                for lang in set(lesson.texts) - langs if langs else ():
                    other = sorted(langs)[0]
                    self.problem(
                        lesson.texts[lang].path,
                        None,
                        f"diagram {name!r} is shown in the {other} version but not in this one",
                    )

    # -- the build -----------------------------------------------------------------------

    def build(self) -> Catalog:
        """Return the catalog, with every problem found on the way."""
        files = self.read_lessons()
        lessons = self.pair_lessons(files)
        self.read_diagrams()
        self.verified = course_versions(
            self.shared(versions)["verified_with"] for versions in lessons.values()
        )
        self.slug_topic = {slug: self.shared(versions)["topic"] for slug, versions in lessons.items()}
        self.links_key = hash(
            (
                frozenset(self.slug_topic.items()),
                frozenset((self.demos or {}).items()),
                frozenset((key, d.markup["en"], d.markup["zh"]) for key, d in self.diagrams.items()),
                frozenset(self.diagram_paths),
                frozenset(self.verified.items()),
            )
        )
        self.check_course(lessons)
        built = {slug: self.render_lesson(slug, versions) for slug, versions in lessons.items()}
        self.check_diagrams_shown(built)
        quizzes = self.read_quizzes()
        questions = self.index_questions(quizzes)
        for versions in lessons.values():
            quiz = self.shared(versions)["quiz"]
            if quiz is not None and quiz not in quizzes:
                primary = self.primary(versions)
                self.problem(primary.path, primary.line_of("quiz"), f"unknown quiz {quiz!r}")
        self.check_links(built)
        topics = {
            topic: tuple(
                sorted(
                    (s for s, lesson in built.items() if lesson.topic == topic), key=lambda s: built[s].order
                )
            )
            for topic in self.topics
        }
        problems = tuple(sorted(self.problems, key=lambda p: (p.path, p.line or 0)))
        return Catalog(
            lessons=frozen_map(built),
            quizzes=frozen_map(quizzes),
            questions=frozen_map(questions),
            topics=frozen_map(topics),
            lesson_order=course_order(built, self.topics),
            problems=problems,
            verified_with=frozen_map(self.verified),
            playgrounds=frozen_map(self.playgrounds),
        )

    def read_lessons(self) -> list[LessonFile]:
        """Read every ``lessons/<topic>/*.md`` file."""
        rv = []
        if not self.lessons_dir.is_dir():
            self.problem(display_path(self.lessons_dir), None, "the lessons directory does not exist")
            return rv
        for path in sorted(self.lessons_dir.rglob("*.md")):
            rel = display_path(path)
            if path.parent.parent != self.lessons_dir:
                self.problem(rel, None, "lessons must be in lessons/<topic>/")
                continue
            lesson = read_lesson(path, rel, self.topics, self.problems)
            if lesson is not None:
                rv.append(lesson)
        return rv

    def pair_lessons(self, files: list[LessonFile]) -> dict[str, dict[str, LessonFile]]:
        """Group files by slug into language versions; report duplicates and missing twins."""
        lessons: dict[str, dict[str, LessonFile]] = {}
        for lesson in files:
            versions = lessons.setdefault(lesson.meta["slug"], {})
            if lesson.lang in versions:
                other = versions[lesson.lang].path
                self.problem(
                    lesson.path,
                    lesson.line_of("slug"),
                    f"duplicate slug {lesson.meta['slug']!r} (also {other})",
                )
                continue
            versions[lesson.lang] = lesson
        for slug, versions in lessons.items():
            primary = self.primary(versions)
            for lang in LANGUAGES:
                if lang not in versions:
                    twin = primary.path.rsplit(".", 2)[0] + f".{lang}.md"
                    self.problem(
                        primary.path, None, f"lesson {slug!r} has no {lang} version (expected {twin})"
                    )
            for lesson in versions.values():
                if lesson is primary:
                    continue
                for key in SHARED_KEYS:
                    mine, theirs = lesson.meta.get(key), primary.meta.get(key)
                    if mine != theirs:
                        self.problem(
                            lesson.path,
                            lesson.line_of(key),
                            f"{key} is {plain(mine)} here but {plain(theirs)} in {primary.path}",
                        )
        return lessons

    @staticmethod
    def primary(versions: Mapping[str, LessonFile]) -> LessonFile:
        """Return the version whose shared keys count (English when there is one)."""
        for lang in LANGUAGES:
            if lang in versions:
                return versions[lang]
        return next(iter(versions.values()))

    def shared(self, versions: Mapping[str, LessonFile]) -> dict:
        """Return the shared front matter of a lesson."""
        return self.primary(versions).meta

    def check_course(self, lessons: Mapping[str, Mapping[str, LessonFile]]) -> None:
        """Check orders, prerequisites (known, no cycles) and demo endpoints."""
        seen_order: dict[tuple[str, int], str] = {}
        for slug, versions in lessons.items():
            meta, primary = self.shared(versions), self.primary(versions)
            key = (meta["topic"], meta["order"])
            if key in seen_order:
                self.problem(
                    primary.path,
                    primary.line_of("order"),
                    f"order {meta['order']} is also used by lesson {seen_order[key]!r} "
                    f"in topic {meta['topic']!r}",
                )
            seen_order.setdefault(key, slug)
            for prerequisite in meta["prerequisites"]:
                if prerequisite not in lessons:
                    self.problem(
                        primary.path,
                        primary.line_of("prerequisites"),
                        f"unknown prerequisite {prerequisite!r}",
                    )
            for endpoint in meta["demos"] if self.demos is not None else ():
                if endpoint not in self.demos:
                    self.problem(
                        primary.path, primary.line_of("demos"), f"unknown demo endpoint {endpoint!r}"
                    )
                elif self.demos[endpoint] == NEEDS_ARGUMENTS:
                    self.problem(
                        primary.path,
                        primary.line_of("demos"),
                        f"demo endpoint {endpoint!r} needs URL arguments",
                    )
        for cycle in find_cycles({slug: self.shared(v)["prerequisites"] for slug, v in lessons.items()}):
            primary = self.primary(lessons[cycle[0]])
            self.problem(
                primary.path, primary.line_of("prerequisites"), f"prerequisite cycle: {' → '.join(cycle)}"
            )

    def render_lesson(self, slug: str, versions: Mapping[str, LessonFile]) -> Lesson:
        """Render each language version of a lesson."""
        texts = {}
        for lang, source in versions.items():
            rendered = self.render(
                source.body,
                source.path,
                source.body_line,
                lang,
                search=True,
                topic=source.meta["topic"],
                lesson=slug,
            )
            if rendered.h1_count:
                self.problem(
                    source.path,
                    h1_line(source.body, source.body_line),
                    "write no # heading: the front matter's title is the page's <h1>",
                )
            texts[lang] = LessonText(
                lang=lang,
                title=source.meta["title"],
                summary=source.meta["summary"],
                html=rendered.html,
                toc=rendered.toc,
                path=source.path,
                word_count=count_words(rendered.html),
                summary_html=self.render(
                    source.meta["summary"], source.path, source.line_of("summary"), lang, inline=True
                ).html,
                changes=tuple(use.note for use in rendered.changes if use.note is not None),
                diagrams=tuple(use.name for use in rendered.diagrams if use.resolved),
            )
            self.ids[(slug, lang)] = rendered.ids
        meta = self.shared(versions)
        ordered = {lang: texts[lang] for lang in LANGUAGES if lang in texts}
        return Lesson(
            slug=slug,
            topic=meta["topic"],
            order=meta["order"],
            minutes=meta["minutes"],
            prerequisites=meta["prerequisites"],
            demos=meta["demos"],
            quiz=meta["quiz"],
            verified_with=frozen_map(meta["verified_with"]),
            texts=frozen_map(ordered),
        )

    def read_quizzes(self) -> dict[str, Quiz]:
        """Read every ``quizzes/*.yaml`` file."""
        rv: dict[str, Quiz] = {}
        if not self.quizzes_dir.is_dir():
            self.problem(display_path(self.quizzes_dir), None, "the quizzes directory does not exist")
            return rv
        paths = sorted([*self.quizzes_dir.glob("*.yaml"), *self.quizzes_dir.glob("*.yml")])
        for path in paths:
            rel = display_path(path)
            quiz = read_quiz(path, rel, self.topics, QuizText(self, rel), self.problems)
            if quiz is None:
                continue
            if quiz.id in rv:
                self.problem(rel, None, f"duplicate quiz id {quiz.id!r} (also {rv[quiz.id].path})")
                continue
            rv[quiz.id] = quiz
        return rv

    def index_questions(self, quizzes: dict[str, Quiz]) -> dict[str, Question]:
        """Return question id → question; a reused id is reported and the later one dropped."""
        rv: dict[str, Question] = {}
        for quiz_id, quiz in list(quizzes.items()):
            kept = []
            for question in quiz.questions:
                if question.id in rv:
                    first = rv[question.id]
                    self.problem(
                        question.path,
                        question.line,
                        f"duplicate question id {question.id!r} (also {first.path}:{first.line})",
                    )
                    continue
                rv[question.id] = question
                kept.append(question)
            if len(kept) != len(quiz.questions):
                quizzes[quiz_id] = Quiz(quiz.id, quiz.topic, quiz.title, tuple(kept), quiz.path)
        return rv

    def check_links(self, lessons: Mapping[str, Lesson]) -> None:
        """Report links to lessons, anchors and demos that do not exist."""
        for use in self.link_uses:
            link = use.link
            if link.scheme == "demo":
                if not link.resolved:
                    self.problem(use.path, use.line, f"link to unknown demo endpoint {link.target!r}")
                continue
            slug, _, anchor = link.target.partition("#")
            if slug not in lessons:
                self.problem(use.path, use.line, f"link to unknown lesson {slug!r}")
                continue
            if not anchor:
                continue
            langs = [use.lang] if (slug, use.lang) in self.ids else list(lessons[slug].texts)
            for lang in langs:
                if anchor not in self.ids.get((slug, lang), frozenset()):
                    self.problem(
                        use.path,
                        use.line,
                        f"link to {slug}#{anchor}: the {lang} version of {slug!r} has no heading "
                        f"with id {anchor!r} (give one with ## Title {{#{anchor}}})",
                    )


#: Texts rendered by any build in this process, by everything their HTML depends on (the text,
#: the language, the topic, the owner and the link targets' key): a second build of the same
#: course (a copy of it, a reload after one file changed) renders only what is new.
RENDERED: dict[tuple, Rendered] = {}
#: More entries than a few courses' worth means stale ones are piling up: start again.
RENDERED_LIMIT = 50_000


def remember(key: tuple, rendered: Rendered) -> None:
    """Keep ``rendered`` for the next build in this process."""
    if len(RENDERED) >= RENDERED_LIMIT:
        RENDERED.clear()
    RENDERED[key] = rendered


class QuizText:
    """Render the texts of one quiz file; ``owned`` renders a question's own (for its playgrounds)."""

    def __init__(self, builder: CatalogBuilder, rel: str, question: str | None = None) -> None:
        self.builder = builder
        self.rel = rel
        self.question = question

    def __call__(self, text: str, line: int, lang: str, inline: bool) -> str:
        """Return ``text`` rendered to HTML, its links and playgrounds recorded."""
        return self.builder.render(text, self.rel, line, lang, inline, question=self.question).html

    def owned(self, question: object, field: str) -> QuizText:
        """Return the renderer of the text under ``field`` of question ``question``."""
        return QuizText(self.builder, self.rel, question if isinstance(question, str) else None)


def h1_line(body: str, first_line: int) -> int | None:
    """Return the line of the first ``# heading`` outside code blocks, if there is one."""
    in_code = set()
    for block in iter_code_blocks(body, first_line):
        in_code.update(range(block.fence_line, block.line + block.code.count("\n") + 2))
    for number, row in enumerate(body.split("\n"), start=first_line):
        if number not in in_code and H1.match(row):
            return number
    return None


def plain(value: object) -> str:
    """Return a front-matter value as it would be written in YAML."""
    if isinstance(value, tuple):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return repr(value)


def build_catalog(
    lessons_dir: str | os.PathLike[str],
    quizzes_dir: str | os.PathLike[str],
    demos: Mapping[str, str] | None = None,
    topics: tuple[str, ...] = TOPIC_NAMES,
) -> Catalog:
    """Read, render and check everything under the two directories.

    ``demos`` maps endpoint → URL (see ``demo_urls``); None skips the demo checks.
    """
    return CatalogBuilder(Path(lessons_dir), Path(quizzes_dir), demos, topics).build()
