"""The dashboard's practice panel: review heatmap (server-side SVG), retention, leeches, drills."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from flask_babel import format_date
from flask_babel import get_locale
from markupsafe import Markup
from markupsafe import escape

from app.content.model import Catalog
from app.content.model import Question
from app.learn.lookup import catalog
from app.practice import bp
from app.practice.links import LessonLink
from app.practice.links import teaching_link
from app.progress import clock
from app.progress import reviews
from app.progress.identity import current_learner_id
from app.progress.models import Drill

WEEKS = 26
CELL = 12
GAP = 2
TOP = 16
LEFT = 4
#: Reviews per day from which a cell takes each shade (1 review is already shade 1).
LEVELS = (1, 3, 6, 10)
#: Each shade's fill (the ``heat-N`` classes give the dark theme its own).
FILLS = ("#e5e7eb", "#bbf7d0", "#4ade80", "#16a34a", "#14532d")


@dataclass(frozen=True)
class Cell:
    """One day of the heatmap."""

    x: int
    y: int
    day: date
    count: int
    level: int


@dataclass(frozen=True)
class Heatmap:
    """The review heatmap: one column per week, oldest on the left, today at the bottom right."""

    width: int
    height: int
    cells: tuple[Cell, ...]
    #: (x, label date) of the first week of each month shown.
    months: tuple[tuple[int, date], ...]
    total: int


def level_of(count: int) -> int:
    """Return the shade (0–4) of a day with ``count`` reviews."""
    return sum(1 for bound in LEVELS if count >= bound)


def heatmap(counts: dict[date, int], today: date, weeks: int = WEEKS) -> Heatmap:
    """Lay out the daily review counts of the last ``weeks`` weeks, Monday at the top."""
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    cells = []
    months = []
    for offset in range((today - first).days + 1):
        day = first + timedelta(days=offset)
        week, weekday = divmod(offset, 7)
        x = LEFT + week * (CELL + GAP)
        if weekday == 0 and (day.day <= 7 or offset == 0):
            months.append((x, day))
        count = counts.get(day, 0)
        cells.append(Cell(x, TOP + weekday * (CELL + GAP), day, count, level_of(count)))
    width = LEFT + weeks * (CELL + GAP)
    return Heatmap(width, TOP + 7 * (CELL + GAP), tuple(cells), tuple(months), sum(counts.values()))


@dataclass(frozen=True)
class HeatmapLabels:
    """A heatmap's words: the month names along the top, each day's date for its tooltip."""

    months: tuple[str, ...]
    days: tuple[str, ...]


@bp.app_template_global()
def heatmap_labels(heatmap: Heatmap) -> HeatmapLabels:
    """Return ``heatmap``'s month and day names in the reader's locale.

    They are the same for every reader of a language on a given day, and formatting 182
    dates was a fifth of the dashboard's time: they are formatted once per day and locale.
    """
    return _labels(
        tuple(day for _, day in heatmap.months), heatmap.cells[0].day, len(heatmap.cells), str(get_locale())
    )


@functools.lru_cache(maxsize=8)
def _labels(months: tuple[date, ...], first: date, days: int, locale: str) -> HeatmapLabels:
    """Format the labels (``locale`` is the key: ``format_date`` reads the request's own)."""
    return HeatmapLabels(
        tuple(format_date(day, "MMM") for day in months),
        tuple(format_date(first + timedelta(days=offset), "medium") for offset in range(days)),
    )


@bp.app_template_global()
def heatmap_cells(heatmap: Heatmap) -> Markup:
    """Return the heatmap's ``<rect>`` elements, one per day, with the date and count as tooltip.

    Written out here rather than by a loop in the template: each of the 182 cells cost a
    dozen template operations, about half of the whole dashboard's time. Only numbers, the
    fixed fills and the escaped date labels go into the markup.
    """
    labels = heatmap_labels(heatmap)
    rects = "\n".join(
        f'<rect x="{cell.x}" y="{cell.y}" width="{CELL}" height="{CELL}" rx="2" '
        f'class="heat heat-{cell.level}" fill="{FILLS[cell.level]}">'
        f"<title>{escape(label)}: {cell.count}</title></rect>"
        for cell, label in zip(heatmap.cells, labels.days, strict=True)
    )
    return Markup(rects)  # noqa: S704 -- numbers, constants and escaped labels only


@dataclass(frozen=True)
class Leech:
    """A suspended card, with the lesson section to re-read."""

    question: Question
    lapses: int
    link: LessonLink | None


@dataclass(frozen=True)
class Panel:
    """What the dashboard's practice panel shows."""

    heatmap: Heatmap
    retention: reviews.Retention
    leeches: tuple[Leech, ...]
    drills: tuple[Drill, ...]


def leeches(course: Catalog, learner_id: int | None) -> list[Leech]:
    """Return the learner's leeches with the lesson section that teaches each (one statement)."""
    rv = []
    for card in reviews.suspended_cards(learner_id):
        question = course.questions.get(card.question_id)
        if question is not None:
            rv.append(Leech(question, card.lapses, teaching_link(course, question)))
    return rv


@bp.app_template_global()
def practice_panel() -> Panel:
    """Return the current learner's practice panel (four statements, none growing with history)."""
    learner_id = current_learner_id()
    now = clock.now()
    today = now.date()
    since = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=7 * WEEKS)
    return Panel(
        heatmap=heatmap(reviews.daily_reviews(learner_id, since), today),
        retention=reviews.retention(learner_id, now - timedelta(days=30)),
        leeches=tuple(leeches(catalog(), learner_id)),
        drills=tuple(reviews.recent_drills(learner_id)),
    )
