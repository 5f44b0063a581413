"""Capacity arithmetic of the allocation pools. Pure Python (no Django).

- An allocation period runs from its first day to its last day (inclusive), ``period_months`` long,
  counted from the policy's ``first_period_start``.
- A period's capacity is GPUs x hours of the period; it is split into pools by percentage
  (national / EuroHPC), rounding down, the remainder going to the first pool.
- A pool may be granted up to ``capacity x overbooking`` (rounded down): not every granted hour is
  used, so grants may exceed the capacity a little. ``check_grant`` refuses a grant past that
  ceiling with an error that carries every figure.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

HOURS_PER_DAY = 24


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def allocation_end(start: date, months: int) -> date:
    """The last day of an allocation of ``months`` months from ``start`` (15 September, 3 months:
    14 December)."""
    return add_months(start, months) - timedelta(days=1)


def months_within(start: date, last_day: date) -> int:
    """How many months an allocation starting on ``start`` can be asked for and end by
    ``last_day``, the last one possibly cut short (6 December to 31 December: 1; 15 September
    to 31 December: 4, the fourth ending on 31 December); 0 when ``start`` is past it."""
    months = 0
    while start <= last_day and allocation_end(start, months) < last_day:
        months += 1
    return months


def period_containing(day: date, *, anchor: date, months: int) -> tuple[date, date]:
    """First and last day of the allocation period that contains ``day``."""
    if months < 1:
        raise ValueError("a period lasts at least one month")
    if anchor.day != 1:
        raise ValueError("periods start on the first day of a month")
    elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    start = add_months(anchor, (elapsed // months) * months)
    end = add_months(start, months) - timedelta(days=1)
    return start, end


def period_hours(start: date, end: date) -> int:
    """Hours from the start of ``start`` to the end of ``end`` (both days included)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    return ((end - start).days + 1) * HOURS_PER_DAY


def gpu_hours(gpus: int, start: date, end: date) -> int:
    """GPU-hours of ``gpus`` GPUs over a period."""
    if gpus < 0:
        raise ValueError("a negative number of GPUs")
    return gpus * period_hours(start, end)


def pool_capacities(total_gpu_hours: int, shares_percent: Mapping[str, int]) -> dict[str, int]:
    """Split ``total_gpu_hours`` by percentage. Each pool gets its share rounded down; the hours
    lost to rounding go to the first pool, so the pools always add up to the total."""
    if total_gpu_hours < 0:
        raise ValueError("a negative capacity")
    if sum(shares_percent.values()) != 100 or any(s < 0 for s in shares_percent.values()):
        raise ValueError("the shares must be non-negative and add up to 100")
    pools = {kind: total_gpu_hours * share // 100 for kind, share in shares_percent.items()}
    first = next(iter(pools))
    pools[first] += total_gpu_hours - sum(pools.values())
    return pools


def ceiling(capacity: int, overbooking: Decimal) -> int:
    """The most GPU-hours that may be granted from a pool: capacity x overbooking, rounded down."""
    return int((Decimal(capacity) * overbooking).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class PoolFigures:
    """A pool's figures; ``consumed`` stays 0 until usage records are collected."""

    capacity: int
    overbooking: Decimal
    granted: int
    consumed: int = 0

    @property
    def ceiling(self) -> int:
        return ceiling(self.capacity, self.overbooking)

    @property
    def left(self) -> int:
        """GPU-hours that can still be granted (never negative)."""
        return max(0, self.ceiling - self.granted)

    @property
    def granted_percent(self) -> int:
        """Granted hours as a percentage of the capacity (may exceed 100 with overbooking)."""
        return self.granted * 100 // self.capacity if self.capacity else 0


class CapacityExceeded(ValueError):
    """A grant would take a pool past capacity x overbooking. The attributes give every figure;
    ``str()`` is an English sentence with them (services show a translated one)."""

    def __init__(self, figures: PoolFigures, requested: int) -> None:
        self.figures = figures
        self.requested = requested
        super().__init__(
            f"Not enough GPU-hours left in the pool: capacity {figures.capacity:,} x overbooking "
            f"{figures.overbooking} = {figures.ceiling:,} GPU-hours; already granted "
            f"{figures.granted:,}, requested {requested:,}, left {figures.left:,}."
        )


def check_grant(*, capacity: int, overbooking: Decimal, granted: int, requested: int) -> int:
    """Accept a grant of ``requested`` GPU-hours when granted + requested <= capacity x
    overbooking; returns what is left after it. Raises ``CapacityExceeded`` otherwise."""
    if requested <= 0:
        raise ValueError("a grant is a positive number of GPU-hours")
    figures = PoolFigures(capacity=capacity, overbooking=overbooking, granted=granted)
    if granted + requested > figures.ceiling:
        raise CapacityExceeded(figures, requested)
    return figures.ceiling - granted - requested
