"""The burn-down of an allocation and the day it runs out (laif.usage.burndown), by hand."""

from __future__ import annotations

from datetime import date

import pytest

from laif.usage.burndown import burndown, chart

START, END = date(2026, 7, 1), date(2026, 12, 31)
H = 60  # GPU-minutes in a GPU-hour


def test_weekly_points_end_on_the_balance_and_the_grant_runs_out_at_the_pace() -> None:
    # 1,000 GPU-hours; 10 a day for the 28 days up to 28 July
    used = {date(2026, 7, d): 10 * H for d in range(1, 29)}
    b = burndown(start=START, end=END, today=date(2026, 7, 28), granted_minutes=1000 * H,
                 used_minutes=280 * H, used_minutes_by_day=used)
    assert [p.day for p in b.points] == [START, date(2026, 7, 7), date(2026, 7, 14),
                                         date(2026, 7, 21), date(2026, 7, 28)]
    assert [p.left_hours for p in b.points] == [1000, 930, 860, 790, 720]
    assert b.pace_hours_per_week == pytest.approx(70)
    assert b.runs_out_on == date(2026, 10, 8)  # 720 hours at 10 a day: 72 days after 28 July
    assert b.unused_at_end_hours is None


def test_a_slow_pace_leaves_hours_unused_at_the_end() -> None:
    used = {date(2026, 12, 1): 28 * H}  # 28 hours in the last 28 days: 1 a day
    b = burndown(start=START, end=END, today=date(2026, 12, 21), granted_minutes=1000 * H,
                 used_minutes=28 * H, used_minutes_by_day=used)
    assert b.runs_out_on is None
    assert b.unused_at_end_hours == pytest.approx(1000 - 28 - 10)


def test_runs_not_ingested_yet_count_today_so_the_last_point_is_the_balance() -> None:
    b = burndown(start=START, end=END, today=date(2026, 7, 10), granted_minutes=100 * H,
                 used_minutes=30 * H, used_minutes_by_day={date(2026, 7, 2): 10 * H})
    assert b.left_hours == 70
    assert b.points[1].left_hours == 90  # the week to 7 July held only the ingested 10


def test_used_up_runs_out_today_and_nothing_used_forecasts_nothing() -> None:
    over = burndown(start=START, end=END, today=date(2026, 8, 1), granted_minutes=10 * H,
                    used_minutes=12 * H, used_minutes_by_day={date(2026, 7, 20): 12 * H})
    assert (over.left_hours, over.runs_out_on) == (-2, date(2026, 8, 1))
    idle = burndown(start=START, end=END, today=date(2026, 8, 1), granted_minutes=10 * H,
                    used_minutes=0, used_minutes_by_day={})
    assert (idle.runs_out_on, idle.unused_at_end_hours, idle.pace_hours_per_week) == (
        None, 10, 0)


def test_before_the_start_and_after_the_end() -> None:
    early = burndown(start=START, end=END, today=date(2026, 6, 1), granted_minutes=10 * H,
                     used_minutes=0, used_minutes_by_day={})
    assert [p.day for p in early.points] == [START]
    late = burndown(start=START, end=END, today=date(2027, 2, 1), granted_minutes=10 * H,
                    used_minutes=4 * H, used_minutes_by_day={date(2026, 12, 30): 4 * H})
    assert late.points[-1] == late.points[-1].__class__(END, 6)
    assert (late.runs_out_on, late.unused_at_end_hours) == (None, None)
    with pytest.raises(ValueError, match="ends on or after"):
        burndown(start=END, end=START, today=END, granted_minutes=1, used_minutes=0,
                 used_minutes_by_day={})


def test_the_chart_puts_the_grant_at_the_top_and_zero_at_the_bottom() -> None:
    used = {date(2026, 7, d): 10 * H for d in range(1, 29)}
    b = burndown(start=START, end=END, today=date(2026, 7, 28), granted_minutes=1000 * H,
                 used_minutes=280 * H, used_minutes_by_day=used)
    c = chart(b, width=600, height=180, pad=8)
    assert c.plan_line == "8.0,8.0 592.0,172.0"
    assert c.left_line.startswith("8.0,8.0 ")
    assert c.forecast_line.endswith(",172.0")  # down to zero on the day it runs out
    assert [d.month for _, d in c.ticks] == [7, 8, 9, 10, 11, 12]
    assert c.ticks[0][0] == 8.0
