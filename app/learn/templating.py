"""Template globals of the learner's pages: titles, prompts and answers in the reader's language."""

from __future__ import annotations

from markupsafe import Markup
from markupsafe import escape

from app.content.model import Lesson
from app.content.model import Question
from app.content.model import pick
from app.learn import answers
from app.learn import bp
from app.learn.lookup import catalog
from app.learn.lookup import lesson_title
from app.main.prerender import macro
from app.main.prerender import once
from app.main.routes import current_lang
from app.topics import TOPICS_BY_NAME
from app.topics import Topic


@bp.app_template_global()
def title_of_lesson(slug: str) -> str:
    """Return a lesson's title in the reader's language."""
    return lesson_title(catalog(), slug, current_lang())


@bp.app_template_global()
def title_of_quiz(quiz_id: str) -> str:
    """Return a quiz's title in the reader's language."""
    quiz = catalog().quizzes.get(quiz_id)
    return pick(quiz.title, current_lang())[0] if quiz else quiz_id


@bp.app_template_global()
def topic_of(name: str) -> Topic | None:
    """Return the topic called ``name``, if there is one."""
    return TOPICS_BY_NAME.get(name)


@bp.app_template_global()
def prompt_of(question: Question) -> tuple[Markup, bool]:
    """Return a question's prompt and whether it fell back to the other language."""
    return answers.prompt_text(question, current_lang())


@bp.app_template_global()
def html_of(texts) -> Markup:
    """Return catalog HTML (explanation, model answer, choice) in the reader's language."""
    return answers.localized(texts, current_lang())


@bp.app_template_global()
def items_of(question: Question) -> list:
    """Return the choices to show: ordering items shuffled, others as written."""
    if question.type == "ordering":
        return answers.shuffled_items(question)
    return list(question.choices)


@bp.app_template_global()
def pair_of(question: Question, answer: object) -> answers.AnswerPair:
    """Return the learner's answer and the right one, ready to show side by side."""
    return answers.answer_pair(question, answer, current_lang())


@bp.app_template_global()
def verdict_of(kind: str, score: float) -> str:
    """Return the one-line verdict on an answer."""
    return answers.feedback_heading(kind, score)


@bp.app_template_global()
def key_points_of(question: Question) -> list[Markup]:
    """Return a flashcard's key points in the reader's language."""
    points, _ = pick(question.key_points, current_lang()) if question.key_points else ((), False)
    return [answers.catalog_html(point) for point in points]


@bp.app_template_global()
def ratings() -> dict[str, str]:
    """Return the flashcard self-ratings, in key order 1–4."""
    return answers.rating_labels()


@bp.app_template_global()
def course_lesson(slug: str) -> Lesson | None:
    """Return lesson ``slug`` of the catalog, if there is one."""
    return catalog().lessons.get(slug)


@bp.app_template_filter()
def inline_code(text: str) -> Markup:
    """Escape ``text`` and show its `backticked` spans as code (front-matter summaries use them)."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text alone
        return escape(text)
    code = Markup("<code>{}</code>")
    return Markup("").join(code.format(part) if i % 2 else escape(part) for i, part in enumerate(parts))


@bp.app_template_global()
def question_fields(question: Question, write_first: bool) -> Markup:
    """Return the fixed part of ``question``'s form in the reader's language (rendered once)."""
    lang = current_lang()
    return once(
        ("question", question.id, question.type, lang, bool(write_first)),
        lambda: macro("learn/_question_fields.html", "fields", question, bool(write_first)),
        catalog(),
    )
