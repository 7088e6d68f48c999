"""Downloads for instructors: streamed CSV of the answers and of the roster, question banks."""

from __future__ import annotations

import json

from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import stream_with_context
from flask_babel import gettext as _

from app.content import get_catalog
from app.content.exchange import FORMATS
from app.content.exchange import SUFFIXES
from app.content.exchange import export_bank
from app.content.model import LANGUAGES
from app.content.model import Catalog
from app.errors import wants_json
from app.instructor import bp
from app.instructor.csvout import csv_lines
from app.instructor.csvout import pseudonym
from app.instructor.pages import course_topics
from app.instructor.pages import require_topic
from app.instructor.pages import topic_title
from app.progress import reports

RESPONSE_COLUMNS = (
    "learner",
    "quiz_id",
    "attempt",
    "question_id",
    "topic",
    "answer",
    "correct",
    "score",
    "answered_at",
)
ROSTER_COLUMNS = (
    "learner",
    "name",
    "email",
    "joined",
    "lessons_done",
    "completion",
    "average",
    "last_active",
    "cards_due",
    "leeches",
)
MIMETYPES = {"gift": "text/plain", "moodle-xml": "application/xml"}


def csv_response(name: str, lines) -> Response:
    """Return a streamed CSV download named ``name``."""
    rv = Response(stream_with_context(lines), mimetype="text/csv")
    rv.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    rv.headers["Cache-Control"] = "no-store"
    return rv


def answer_text(answer: object) -> str:
    """Return a stored answer as one cell: text as is, anything else as compact JSON."""
    if isinstance(answer, str):
        return answer
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


def topic_of(catalog: Catalog, question_id: str, quiz_id: str) -> str:
    """Return the topic of a question (from its quiz if the question left the course)."""
    question = catalog.questions.get(question_id)
    quiz = catalog.quizzes.get(question.quiz_id if question else quiz_id)
    return quiz.topic if quiz else ""


@bp.get("/exports")
def exports():
    """List the downloads: the two CSV files and the question banks per topic and language."""
    catalog = get_catalog()
    topics = course_topics(catalog)
    data = {
        "csv": ["responses.csv", "roster.csv"],
        "formats": list(FORMATS),
        "languages": list(LANGUAGES),
        "topics": topics,
    }
    if wants_json():
        return jsonify(data)
    return render_template(
        "instructor/exports.html",
        topics=topics,
        formats=FORMATS,
        languages=LANGUAGES,
        topic_title=topic_title,
    )


@bp.get("/exports/responses.csv")
def responses_csv():
    """Stream every stored answer, one row each, learners named by pseudonym."""
    catalog = get_catalog()
    secret = current_app.secret_key or ""

    def rows():
        names: dict[int, str] = {}
        for chunk in reports.response_chunks():
            yield [
                (
                    names.setdefault(row.learner_id, pseudonym(secret, row.learner_id)),
                    row.quiz_id,
                    row.attempt,
                    row.question_id,
                    topic_of(catalog, row.question_id, row.quiz_id),
                    answer_text(row.answer),
                    1 if row.correct else 0,
                    f"{row.score:.4g}",
                    row.answered_at.isoformat(timespec="seconds"),
                )
                for row in chunk
            ]
            if len(names) > reports.CHUNK:
                names.clear()

    return csv_response("responses.csv", csv_lines(RESPONSE_COLUMNS, rows()))


@bp.get("/exports/roster.csv")
def roster_csv():
    """Stream the roster of named learners, with the pseudonym their answers carry."""
    catalog = get_catalog()
    secret = current_app.secret_key or ""

    def rows():
        for chunk in reports.roster_chunks(catalog):
            yield [
                (
                    pseudonym(secret, row.id),
                    row.name,
                    row.email,
                    row.joined.isoformat(timespec="seconds"),
                    row.lessons_done,
                    f"{row.completion:.4f}",
                    "" if row.average is None else f"{row.average:.4f}",
                    row.last_active.isoformat(timespec="seconds") if row.last_active else "",
                    row.cards_due,
                    row.leeches,
                )
                for row in chunk
            ]

    return csv_response("roster.csv", csv_lines(ROSTER_COLUMNS, rows()))


def bank_response(fmt: str, lang: str, topic: str | None) -> Response:
    """Return the question bank of ``topic`` (the whole course for ``None``) as a download."""
    if fmt not in FORMATS:
        abort(404, _("Unknown format %(format)s (use %(formats)s).", format=fmt, formats=", ".join(FORMATS)))
    if lang not in LANGUAGES:
        abort(404, _("Unknown language %(lang)s.", lang=lang))
    catalog = get_catalog()
    if topic is not None:
        require_topic(catalog, topic)
    text = export_bank(catalog, topic, fmt, lang).text
    name = f"inside-flask-{topic or 'course'}-{lang}{SUFFIXES[fmt]}"
    rv = Response(text, mimetype=MIMETYPES.get(fmt, "text/plain"))
    rv.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return rv


@bp.get("/banks/<fmt>/<lang>")
def course_bank(fmt: str, lang: str):
    """Download the whole course's questions in ``fmt`` (gift or moodle-xml) and ``lang``."""
    return bank_response(fmt, lang, None)


@bp.get("/banks/<fmt>/<lang>/<topic>")
def topic_bank(fmt: str, lang: str, topic: str):
    """Download one topic's questions in ``fmt`` and ``lang``."""
    return bank_response(fmt, lang, topic)
