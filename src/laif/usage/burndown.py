"""An allocation's burn-down and the day it runs out at the current pace (pure, no Django).

- The weeks run from the allocation's start to its end (the last one may be shorter); each
  elapsed week's point is what was left of the grant at its end: the grant less the GPU-hours
  used up to then (by the day the scheduler's runs ended).
- The last point is today's, and equals the balance (``usage.balance``): the caller passes the
  balance's ``used``, and what the days do not hold yet (runs the ledger has not ingested) is
  counted today.
- The pace is the use of the last ``PACE_DAYS`` days (fewer at the start) per day. At that pace
  the grant runs out on a day before the end, or some of it is left unused at the end.

Figures are GPU-minutes in, GPU-hours (floats, for drawing and words) out; the figures shown as
numbers come from the balance, never from here.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

PACE_DAYS = 28


@dataclass(frozen=True)
class Point:
    day: date
    left_hours: float


@dataclass(frozen=True)
class Burndown:
    start: date
    end: date
    today: date
    granted_hours: float
    points: tuple[Point, ...]  # the start, each elapsed week's end, today
    pace_hours_per_week: float
    runs_out_on: date | None  # at the current pace, before the end (today if already used up)
    unused_at_end_hours: float | None  # at the current pace, what the end leaves unused

    @property
    def left_hours(self) -> float:
        return self.points[-1].left_hours


def burndown(*, start: date, end: date, today: date, granted_minutes: int, used_minutes: int,
             used_minutes_by_day: Mapping[date, int]) -> Burndown:
    if end < start:
        raise ValueError("an allocation ends on or after its start")
    granted = granted_minutes / 60
    last = min(max(today, start), end)
    known = {day: minutes for day, minutes in used_minutes_by_day.items() if day <= last}
    # what the days do not hold yet (not ingested) counts today, so that the last point is the
    # balance's
    missing = used_minutes - sum(known.values())
    if missing:
        known[last] = known.get(last, 0) + missing

    days_sorted = sorted(known)
    running = list(itertools.accumulate(known[d] for d in days_sorted))

    def used_until(day: date) -> float:
        i = bisect.bisect_right(days_sorted, day)
        return running[i - 1] / 60 if i else 0.0

    points = [Point(start, granted)]
    week_end = start + timedelta(days=6)
    while week_end < last:
        points.append(Point(week_end, granted - used_until(week_end)))
        week_end += timedelta(days=7)
    if last > start:
        points.append(Point(last, granted - used_until(last)))
    else:
        points[0] = Point(start, granted - used_until(start))

    window_start = max(start, last - timedelta(days=PACE_DAYS - 1))
    days = (last - window_start).days + 1
    pace_per_day = sum(m for d, m in known.items() if d >= window_start) / 60 / days
    left = points[-1].left_hours
    runs_out_on: date | None = None
    unused: float | None = None
    if left <= 0:
        runs_out_on = last
    elif today <= end:
        remaining_days = (end - last).days
        if pace_per_day > 0 and left / pace_per_day <= remaining_days:
            runs_out_on = last + timedelta(days=math.ceil(left / pace_per_day))
        else:
            unused = max(0.0, left - pace_per_day * remaining_days)
    return Burndown(start=start, end=end, today=last, granted_hours=granted,
                    points=tuple(points), pace_hours_per_week=pace_per_day * 7,
                    runs_out_on=runs_out_on, unused_at_end_hours=unused)


@dataclass(frozen=True)
class Chart:
    """The burn-down drawn in a ``width`` x ``height`` box (SVG user units, y down)."""

    width: int
    height: int
    left_line: str  # "x,y x,y ...": what was left, week by week
    plan_line: str  # the grant used evenly from start to end
    forecast_line: str  # from today at the current pace ("" when nothing to forecast)
    today_x: float
    ticks: tuple[tuple[float, date], ...]  # x of the first day of each month


def chart(b: Burndown, *, width: int = 600, height: int = 180, pad: int = 8) -> Chart:
    span = max((b.end - b.start).days, 1)
    top = max(b.granted_hours, max(p.left_hours for p in b.points), 1e-9)
    bottom = min(0.0, min(p.left_hours for p in b.points))

    def x(day: date) -> float:
        return round(pad + (width - 2 * pad) * (day - b.start).days / span, 1)

    def y(hours: float) -> float:
        return round(pad + (height - 2 * pad) * (top - hours) / (top - bottom), 1)

    def line(points: list[tuple[date, float]]) -> str:
        return " ".join(f"{x(d)},{y(h)}" for d, h in points)

    forecast = ""
    if b.runs_out_on is not None and b.runs_out_on > b.today:
        forecast = line([(b.today, b.left_hours), (b.runs_out_on, 0.0)])
    elif b.unused_at_end_hours is not None and b.today < b.end:
        forecast = line([(b.today, b.left_hours), (b.end, b.unused_at_end_hours)])
    ticks = []
    month = date(b.start.year, b.start.month, 1)
    while month <= b.end:
        if month >= b.start:
            ticks.append((x(month), month))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return Chart(width=width, height=height,
                 left_line=line([(p.day, p.left_hours) for p in b.points]),
                 plan_line=line([(b.start, b.granted_hours), (b.end, 0.0)]),
                 forecast_line=forecast, today_x=x(b.today), ticks=tuple(ticks))
