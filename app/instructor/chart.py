"""Geometry of the overview's answers-per-day chart: bars drawn as server-side SVG."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
HEIGHT = 200
LEFT = 48
RIGHT = 12
TOP = 12
BOTTOM = 30


@dataclass(frozen=True)
class Bar:
    """One day's bar."""

    x: float
    y: float
    width: float
    height: float
    day: str
    count: int


@dataclass(frozen=True)
class DayChart:
    """Everything the template needs to draw the bars, their grid and the first and last day."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    #: (y position, label) of the horizontal grid lines.
    grid: tuple[tuple[float, str], ...]
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        """Return the number of answers over the whole chart."""
        return sum(bar.count for bar in self.bars)


def nice_top(peak: int) -> int:
    """Return the smallest of 1, 2, 5, 10, 20, 50 … that is at least ``peak``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if scale * step >= peak:
                return scale * step
        scale *= 10


def day_chart(days: tuple[tuple[str, int], ...]) -> DayChart:
    """Lay out ``(day, count)`` pairs, oldest first, as bars of equal width."""
    span = WIDTH - LEFT - RIGHT
    plot = HEIGHT - TOP - BOTTOM
    top = nice_top(max((count for _, count in days), default=0))
    slot = span / max(1, len(days))
    bars = []
    for index, (day, count) in enumerate(days):
        height = plot * count / top
        x = LEFT + index * slot + slot * 0.15
        bars.append(
            Bar(
                round(x, 1), round(TOP + plot - height, 1), round(slot * 0.7, 1), round(height, 1), day, count
            )
        )
    grid = tuple(
        (round(TOP + plot * (1 - value / top), 1), str(value)) for value in sorted({0, top // 2, top})
    )
    return DayChart(WIDTH, HEIGHT, tuple(bars), grid)
