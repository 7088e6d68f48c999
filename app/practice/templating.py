"""Template globals of the practice pages and the question partial they share with the quiz."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from app.content.model import Question
from app.learn import answers
from app.main.routes import current_lang
from app.practice import bp
from app.topics import TOPICS_BY_NAME


@bp.app_template_global()
def ordering_items(question: Question, seed: object = "") -> list:
    """Return the items to show: ordering items shuffled per attempt, others as written."""
    if question.type == "ordering":
        return answers.shuffled_items(question, seed)
    return list(question.choices)


@bp.app_template_global()
def wait_text(moment: datetime | None, now: datetime) -> str:
    """Return "in 3 hours"-style text for how long until ``moment``."""
    if moment is None:
        return _("nothing scheduled")
    return span_text(moment - now)


def span_text(span: timedelta) -> str:
    """Return a duration in the largest whole unit that fits, in the reader's language."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return _("in under a minute")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("in %(num)d minute", "in %(num)d minutes", minutes)
    hours = minutes // 60
    if hours < 48:
        return ngettext("in %(num)d hour", "in %(num)d hours", hours)
    return ngettext("in %(num)d day", "in %(num)d days", hours // 24)


@bp.app_template_filter()
def topic_title(name: str) -> str:
    """Return a topic's title in the reader's language (its name if unknown)."""
    topic = TOPICS_BY_NAME.get(name)
    return topic.title(current_lang()) if topic else name
