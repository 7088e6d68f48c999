"""Geometry of the dashboard's score chart, drawn as server-side SVG (no script, no CDN)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from babel.dates import format_date
from markupsafe import Markup
from markupsafe import escape

WIDTH = 640
HEIGHT = 220
LEFT = 62
RIGHT = 16
TOP = 14
BOTTOM = 34


@dataclass(frozen=True)
class Point:
    """One finished attempt on the chart."""

    x: float
    y: float
    score: float
    label: str
    at: datetime
    #: The day, short and in the reader's language: ``6 Dec``, ``12月6日``.
    day: str


@dataclass(frozen=True)
class ScoreChart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    points: tuple[Point, ...]
    #: (y position, label) of the horizontal grid lines.
    grid: tuple[tuple[float, str], ...]
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM

    @property
    def single(self) -> Point | None:
        """Return the only attempt when there is just one (drawn with its score beside it)."""
        return self.points[0] if len(self.points) == 1 else None

    @property
    def polyline(self) -> str:
        """Return the ``points`` attribute of the line joining the attempts."""
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def dots(self) -> Markup:
        """Return one ``<circle>`` per attempt, its quiz, score and day as the tooltip.

        Written out here rather than by a loop in the template: up to 100 attempts of a
        dozen template operations each were a fifth of a full dashboard. Only numbers,
        fixed classes and escaped labels go into the markup.
        """
        return Markup(  # noqa: S704 -- numbers, constants and escaped text only
            "\n".join(
                f'<circle cx="{point.x}" cy="{point.y}" r="5" '
                f'class="chart-dot{" chart-dot-full" if point.score >= 1 else ""}">'
                f"<title>{escape(point.label)} · {percent_of(point.score)}% · {escape(point.day)}"
                "</title></circle>"
                for point in self.points
            )
        )

    @property
    def readout(self) -> Markup:
        """Return the ``<li>`` items of the visually hidden list a screen reader reads instead."""
        return Markup(  # noqa: S704 -- numbers and escaped text only
            "".join(
                f"<li>{escape(point.label)}: {percent_of(point.score)}% ({escape(point.day)})</li>"
                for point in self.points
            )
        )


def percent_of(score: float) -> int:
    """Return a score between 0 and 1 as a whole percentage, rounded as Jinja's ``round`` does."""
    return round(score * 100)


def y_of(score: float) -> float:
    """Return the vertical position of a score between 0 and 1."""
    score = min(1.0, max(0.0, score))
    return TOP + (1 - score) * (HEIGHT - TOP - BOTTOM)


#: Babel patterns of the short day under the chart, per language.
DAY_PATTERNS = {"en": "d MMM", "zh": "M月d日"}


def short_day(moment: datetime, lang: str) -> str:
    """Return ``moment``'s day as ``6 Dec`` (English) or ``12月6日`` (Chinese)."""
    return _short_day(moment.date(), lang)


@functools.lru_cache(maxsize=2048)
def _short_day(day: date, lang: str) -> str:
    """Format ``day`` once per language: a chart's 100 attempts fall on a few days."""
    return format_date(day, DAY_PATTERNS.get(lang, "d MMM"), locale=lang)


def score_chart(attempts: list[tuple[datetime, float, str]], lang: str = "en") -> ScoreChart:
    """Lay out ``(finished_at, score, label)`` attempts, oldest first, evenly spaced."""
    span = WIDTH - LEFT - RIGHT
    count = len(attempts)
    points = []
    for index, (at, score, label) in enumerate(attempts):
        x = LEFT + (span / 2 if count == 1 else span * index / (count - 1))
        points.append(Point(round(x, 1), round(y_of(score), 1), score, label, at, short_day(at, lang)))
    grid = tuple((round(y_of(value / 100), 1), f"{value}%") for value in (0, 50, 100))
    return ScoreChart(WIDTH, HEIGHT, tuple(points), grid)
