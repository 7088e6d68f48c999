"""The instructor's reports: overview, roster, one learner, item analysis, content health.

Every page answers JSON to a client that prefers it (``app.errors.wants_json``), with
the same figures the HTML shows. The figures come from ``app.progress.reports``.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import abort
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from markupsafe import Markup

from app.content import get_catalog
from app.content.model import Catalog
from app.content.model import Question
from app.errors import wants_json
from app.extensions import db
from app.instructor import bp
from app.instructor.chart import day_chart
from app.instructor.source import quiz_source_url
from app.main.routes import current_lang
from app.progress import reports
from app.progress import reviews
from app.progress import summary
from app.progress.models import Learner
from app.progress.models import ReviewCard
from app.progress.stats import quiz_for_topic
from app.topics import TOPICS

#: Learners per roster page, attempts per page of a learner's history, leeches listed per learner.
ROSTER_PAGE = 50
HISTORY_PAGE = 20
LEECH_LIST = 20
#: Longest accepted roster search text.
MAX_QUERY = 100


def respond(template: str, data: dict, **context):
    """Return ``data`` as JSON to a client that asks for it, else render ``template``."""
    if wants_json():
        return jsonify(data)
    return render_template(template, **context)


def int_arg(name: str, default: int) -> int:
    """Return the positive integer query argument ``name``; a bad value is a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        abort(400, _("%(name)s must be a positive whole number.", name=name))
    return int(raw)


def topic_title(topic: str, lang: str) -> str:
    """Return the title of ``topic`` in ``lang`` (its name if it is not a known topic)."""
    return next((item.title(lang) for item in TOPICS if item.name == topic), topic)


def course_topics(catalog: Catalog) -> list[str]:
    """Return the course's topics in course order."""
    known = [topic.name for topic in TOPICS if topic.name in catalog.topics]
    return known + sorted(set(catalog.topics) - set(known))


def require_topic(catalog: Catalog, topic: str) -> None:
    """Answer 404 for a topic the course does not have."""
    if topic not in catalog.topics:
        abort(404, _("The course has no topic %(topic)s.", topic=topic))


def plain(html: str, limit: int = 120) -> str:
    """Return rendered HTML as plain text, shortened to ``limit`` characters."""
    # The catalog rendered and sanitized this HTML; striptags only reads it as text.
    text = Markup(html).striptags()  # noqa: S704
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_text(question: Question | None, lang: str) -> str:
    """Return the question's prompt as plain text in ``lang`` (or the other language)."""
    if question is None:
        return ""
    html = question.prompt_html.get(lang) or next(iter(question.prompt_html.values()), "")
    return plain(html)


def answer_label(question: Question | None, answer: object, lang: str) -> str:
    """Return a stored answer as an instructor reads it: choice texts for choice ids."""
    if question is not None and question.choices:
        texts = {
            choice.id: choice.html.get(lang) or next(iter(choice.html.values()), "")
            for choice in question.choices
        }
        ids = answer if isinstance(answer, list) else [answer]
        if all(isinstance(item, str) and item in texts for item in ids):
            return " + ".join(f"{item}: {plain(texts[item], 60)}" for item in ids)
    if isinstance(answer, str):
        return answer
    return "" if answer is None else str(answer).lower() if isinstance(answer, bool) else str(answer)


def source_of(question: Question | None) -> str:
    """Return ``path:line`` of the question in the quiz YAML (the path alone without a line)."""
    if question is None:
        return ""
    return f"{question.path}:{question.line}" if question.line else question.path


def item_view(item: reports.ItemStats, catalog: Catalog, lang: str) -> dict:
    """Return an item's statistics with what the catalog knows of its question."""
    question = catalog.questions.get(item.question_id)
    quiz = catalog.quizzes.get(question.quiz_id if question else item.quiz_id)
    return {
        "question_id": item.question_id,
        "topic": quiz.topic if quiz else None,
        "type": question.type if question else None,
        "text": question_text(question, lang),
        "source": source_of(question),
        "source_url": quiz_source_url(question.path, question.line) if question and question.path else None,
        "attempts": item.attempts,
        "facility": round(item.facility, 4),
        "discrimination": None if item.discrimination is None else round(item.discrimination, 4),
        "mean_score": round(item.mean_score, 4),
        "seconds": None if item.seconds is None else round(item.seconds, 1),
        "wrong": [
            {"answer": answer_label(question, answer, lang), "count": count} for answer, count in item.wrong
        ],
        "flagged": item.flagged,
        "in_course": question is not None,
    }


def weakest_topics(items: list[dict], limit: int = 5) -> list[dict]:
    """Return the topics with the lowest share of correct answers, from item views or total views."""
    totals: dict[str, list[float]] = {}
    for item in items:
        if item["topic"]:
            entry = totals.setdefault(item["topic"], [0.0, 0.0])
            entry[0] += item["facility"] * item["attempts"]
            entry[1] += item["attempts"]
    rows = [
        {"topic": topic, "facility": round(right / count, 4), "attempts": int(count)}
        for topic, (right, count) in totals.items()
        if count
    ]
    return sorted(rows, key=lambda row: (row["facility"], row["topic"]))[:limit]


def total_view(total: reports.ItemTotals, catalog: Catalog) -> dict:
    """Return a question's answer count and facility with its topic, as ``item_view`` words them."""
    question = catalog.questions.get(total.question_id)
    quiz = catalog.quizzes.get(question.quiz_id if question else total.quiz_id)
    return {
        "question_id": total.question_id,
        "topic": quiz.topic if quiz else None,
        "attempts": total.attempts,
        "facility": round(total.facility, 4),
    }


def hardest_questions(catalog: Catalog, totals: list[reports.ItemTotals], limit: int = 5) -> list[dict]:
    """Return the full statistics of the ``limit`` hardest questions with enough answers to judge.

    ``totals`` (hardest first) picks them; only their answers are then read for the rest.
    """
    ids = [total.question_id for total in totals if total.attempts >= reports.MIN_ATTEMPTS_TO_FLAG][:limit]
    return [item_view(item, catalog, lang()) for item in reports.item_stats(question_ids=ids)]


def lang() -> str:
    """Return the language the page is shown in."""
    return current_lang()


@bp.get("/")
def overview():
    """Show the class at a glance: activity, answers per day, hardest questions, weakest topics."""
    catalog = get_catalog()
    stats = reports.overview()
    totals = reports.item_totals()
    hardest = hardest_questions(catalog, totals)
    weakest = weakest_topics([total_view(total, catalog) for total in totals])
    data = {
        "learners": stats.learners,
        "anonymous": stats.anonymous,
        "active_7_days": stats.active_7,
        "active_30_days": stats.active_30,
        "lessons_completed": stats.lessons_completed,
        "answers": stats.answers,
        "answers_per_day": [{"day": day, "answers": count} for day, count in stats.per_day],
        "hardest_questions": hardest,
        "weakest_topics": weakest,
        "min_attempts": reports.MIN_ATTEMPTS_TO_FLAG,
    }
    return respond(
        "instructor/overview.html",
        data,
        stats=stats,
        chart=day_chart(stats.per_day),
        hardest=hardest,
        weakest=weakest,
        topic_title=topic_title,
        min_attempts=reports.MIN_ATTEMPTS_TO_FLAG,
    )


def roster_args() -> dict:
    """Return the roster's filters and order from the query string; a bad value is a 400."""
    sort = request.args.get("sort") or "name"
    if sort not in reports.SORT_KEYS:
        abort(400, _("Sort by one of: %(keys)s.", keys=", ".join(reports.SORT_KEYS)))
    direction = request.args.get("dir") or "asc"
    if direction not in ("asc", "desc"):
        abort(400, _("The direction is asc or desc."))
    query = (request.args.get("q") or "").strip()
    if len(query) > MAX_QUERY:
        abort(400, _("The search text is too long (at most %(count)d characters).", count=MAX_QUERY))
    since_text = (request.args.get("since") or "").strip()
    since = None
    if since_text:
        try:
            since = datetime.strptime(since_text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            abort(400, _("Give the date as YYYY-MM-DD."))
    return {"sort": sort, "dir": direction, "q": query, "since": since_text, "since_at": since}


def roster_json(row: reports.RosterRow) -> dict:
    """Return a roster row as JSON."""
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "lessons_done": row.lessons_done,
        "completion": round(row.completion, 4),
        "average": None if row.average is None else round(row.average, 4),
        "last_active": row.last_active.isoformat() if row.last_active else None,
        "joined": row.joined.isoformat(),
        "cards_due": row.cards_due,
        "leeches": row.leeches,
    }


@bp.get("/learners")
def learners():
    """List the named learners, sorted, filtered and a page at a time; count the anonymous ones."""
    catalog = get_catalog()
    args = roster_args()
    number = int_arg("page", 1)
    page = reports.roster_page(
        catalog,
        page=number,
        per_page=ROSTER_PAGE,
        query=args["q"],
        since=args["since_at"],
        sort=args["sort"],
        descending=args["dir"] == "desc",
    )
    if number > page.pages:
        abort(404, _("There is no page %(page)d.", page=number))
    anonymous = reports.anonymous_learners()
    data = {
        "learners": [roster_json(row) for row in page.rows],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
        "anonymous": anonymous,
        "sort": args["sort"],
        "dir": args["dir"],
    }
    filters = {key: args[key] for key in ("q", "since") if args[key]}
    return respond(
        "instructor/learners.html",
        data,
        page=page,
        args=args,
        filters=filters,
        anonymous=anonymous,
        sort_keys=reports.SORT_KEYS,
    )


def leech_view(card: ReviewCard, catalog: Catalog, lang: str) -> dict:
    """Return a leech (a suspended review card) with what the catalog knows of its question."""
    question = catalog.questions.get(card.question_id)
    quiz = catalog.quizzes.get(question.quiz_id if question else card.quiz_id)
    return {
        "question_id": card.question_id,
        "topic": quiz.topic if quiz else None,
        "text": question_text(question, lang),
        "lapses": card.lapses,
        "source": source_of(question),
        "source_url": quiz_source_url(question.path, question.line) if question and question.path else None,
    }


@bp.get("/learners/<int:learner_id>")
def learner(learner_id: int):
    """Show one learner's progress per topic, review cards due and leeches, and a page of attempts."""
    catalog = get_catalog()
    row = db.session.get(Learner, learner_id)
    if row is None:
        abort(404, _("There is no learner %(id)d.", id=learner_id))
    number = int_arg("page", 1)
    standing = summary.load_standing(learner_id)
    progress = summary.course_progress(catalog, course_topics(catalog), standing)
    history, total = reports.attempt_history(learner_id, number, HISTORY_PAGE)
    pages = max(1, -(-total // HISTORY_PAGE))
    if number > pages:
        abort(404, _("There is no page %(page)d.", page=number))
    name = row.user.display_name if row.user is not None else None
    cards_due, leeches_total = reports.learner_cards(learner_id)
    leeches = [leech_view(card, catalog, lang()) for card in reviews.suspended_cards(learner_id, LEECH_LIST)]
    data = {
        "id": learner_id,
        "name": name,
        "anonymous": row.user is None,
        "cards_due": cards_due,
        "leeches_total": leeches_total,
        "leeches": leeches,
        "topics": [
            {
                "topic": item.topic,
                "lessons_done": item.lessons_done,
                "lessons_total": item.lessons_total,
                "questions_mastered": item.questions_mastered,
                "questions_total": item.questions_total,
                "best_score": item.best_score,
            }
            for item in progress
        ],
        "attempts": [
            {
                "id": attempt.id,
                "quiz_id": attempt.quiz_id,
                "number": attempt.number,
                "mode": attempt.mode,
                "started_at": attempt.started_at.isoformat(),
                "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
                "score": attempt.score,
                "answered": attempt.answered,
                "asked": attempt.asked,
            }
            for attempt in history
        ],
        "attempts_total": total,
        "page": number,
        "pages": pages,
    }
    return respond(
        "instructor/learner.html",
        data,
        learner=row,
        name=name,
        progress=progress,
        history=history,
        total=total,
        page=number,
        pages=pages,
        topic_title=topic_title,
        cards_due=cards_due,
        leeches=leeches,
        leeches_total=leeches_total,
    )


def items_page(topic: str | None):
    """Render the item analysis of the whole course or of one topic."""
    catalog = get_catalog()
    ids = None
    if topic is not None:
        require_topic(catalog, topic)
        quiz = quiz_for_topic(catalog, topic)
        ids = [quiz.id] if quiz else []
    items = [item_view(item, catalog, lang()) for item in reports.item_stats(ids)]
    data = {
        "topic": topic,
        "items": items,
        "min_attempts_to_flag": reports.MIN_ATTEMPTS_TO_FLAG,
        "low_facility": reports.LOW_FACILITY,
    }
    return respond(
        "instructor/items.html",
        data,
        items=items,
        topic=topic,
        topics=course_topics(catalog),
        topic_title=topic_title,
        min_attempts=reports.MIN_ATTEMPTS_TO_FLAG,
        low_facility=int(reports.LOW_FACILITY * 100),
    )


@bp.get("/items")
def items():
    """Show per-question statistics for the whole course, hardest first."""
    return items_page(None)


@bp.get("/items/<topic>")
def topic_items(topic: str):
    """Show per-question statistics for one topic, hardest first."""
    return items_page(topic)


@bp.get("/health")
def health():
    """Show the content check's result, the lessons finished fastest, the questions never answered."""
    catalog = get_catalog()
    answered = reports.answered_question_ids()
    never = [catalog.questions[qid] for qid in sorted(catalog.questions) if qid not in answered]
    times = [
        row for row in reports.lesson_times() if row.mean_seconds is not None and row.slug in catalog.lessons
    ][:10]
    data = {
        "summary": catalog.summary(),
        "problems": [str(problem) for problem in catalog.problems],
        "fastest_lessons": [
            {
                "slug": row.slug,
                "opened": row.opened,
                "completed": row.completed,
                "mean_seconds": round(row.mean_seconds or 0, 1),
                "minutes_planned": catalog.lessons[row.slug].minutes,
            }
            for row in times
        ],
        "never_answered": [{"question_id": question.id, "source": source_of(question)} for question in never],
    }
    return respond(
        "instructor/health.html",
        data,
        catalog=catalog,
        times=times,
        never=never,
        source_of=source_of,
        question_text=question_text,
        lang=lang(),
    )
