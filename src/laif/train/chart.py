"""The year's delivered training sessions against the factory's target, as SVG geometry (pure
Python, no Django): one bar per month with the sessions delivered that month, a line of the
running total, and the target's band (140 to 200 a year) drawn as the pace it asks for, so a
trainer sees whether the year is on course. The template writes every figure as text too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 560
HEIGHT = 220
LEFT = 44  # room for the axis' figures
BOTTOM = 24  # room for the months' names
TOP = 8


@dataclass(frozen=True)
class MonthBar:
    label: str
    delivered: int
    running: int
    x: float
    width: float
    y: float  # top of the bar
    height: float
    running_y: float


@dataclass(frozen=True)
class PaceChart:
    months: tuple[MonthBar, ...]
    scale_max: int
    band_low_y: float  # where the target's low end is at December
    band_high_y: float
    plot_bottom: float
    ticks: tuple[tuple[int, float], ...]
    running_points: str  # the polyline's points
    band_points: str  # the wedge from January's start to December's band: the pace asked
    right: float

    @property
    def total(self) -> int:
        return self.months[-1].running if self.months else 0


def pace(monthly: Sequence[tuple[str, int]], target_low: int, target_high: int) -> PaceChart:
    """``monthly``: twelve (label, sessions delivered) in order."""
    if len(monthly) != 12:
        raise ValueError("a year has twelve months")
    if any(n < 0 for _l, n in monthly) or not 0 < target_low <= target_high:
        raise ValueError("counts and targets cannot be negative")
    total = sum(n for _l, n in monthly)
    scale = max(target_high, total, 1)
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - 8
    slot = plot_w / 12

    def y_of(value: int) -> float:
        return TOP + plot_h * (1 - value / scale)

    months: list[MonthBar] = []
    running = 0
    points: list[str] = []
    for i, (label, n) in enumerate(monthly):
        running += n
        x = LEFT + i * slot
        height = plot_h * n / scale
        months.append(MonthBar(label=label, delivered=n, running=running, x=x + slot * 0.2,
                               width=slot * 0.6, y=TOP + plot_h - height, height=height,
                               running_y=y_of(running)))
        points.append(f"{x + slot / 2:.1f},{y_of(running):.1f}")
    step = max(1, round(scale / 4 / 10) * 10)
    ticks = tuple((v, y_of(v)) for v in range(0, scale + 1, step))
    return PaceChart(months=tuple(months), scale_max=scale, band_low_y=y_of(target_low),
                     band_high_y=y_of(target_high), plot_bottom=TOP + plot_h, ticks=ticks,
                     running_points=" ".join(points),
                     band_points=(f"{LEFT:.1f},{TOP + plot_h:.1f} {LEFT + plot_w:.1f},"
                                  f"{y_of(target_high):.1f} {LEFT + plot_w:.1f},"
                                  f"{y_of(target_low):.1f}"),
                     right=LEFT + plot_w)
