"""Capacity arithmetic of the allocation pools (laif.allocations.capacity). Pure: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from laif.allocations.capacity import (
    CapacityExceeded,
    PoolFigures,
    add_months,
    allocation_end,
    ceiling,
    check_grant,
    gpu_hours,
    months_within,
    period_containing,
    period_hours,
    pool_capacities,
)


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 9, 15), 3, date(2026, 12, 14)),
    (date(2026, 7, 1), 6, date(2026, 12, 31)),
    (date(2026, 1, 31), 1, date(2026, 2, 27)),
])
def test_allocation_end(start: date, months: int, end: date) -> None:
    assert allocation_end(start, months) == end


@pytest.mark.parametrize(("start", "last_day", "months"), [
    (date(2026, 7, 1), date(2026, 12, 31), 6),   # a whole period
    (date(2026, 9, 15), date(2026, 12, 31), 4),  # the 4th month (from 15/12) cut on 31/12
    (date(2026, 10, 1), date(2026, 12, 31), 3),
    (date(2026, 12, 6), date(2026, 12, 31), 1),  # a month started, cut short
    (date(2026, 12, 31), date(2026, 12, 31), 1),
    (date(2027, 1, 1), date(2026, 12, 31), 0),
])
def test_months_within(start: date, last_day: date, months: int) -> None:
    assert months_within(start, last_day) == months


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 1, 1), 6, date(2026, 7, 1)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 1), -3, date(2025, 12, 1)),
    (date(2026, 1, 1), 0, date(2026, 1, 1)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


ANCHOR = date(2026, 1, 1)


@pytest.mark.parametrize(("day", "months", "start", "end"), [
    (date(2026, 1, 1), 6, date(2026, 1, 1), date(2026, 6, 30)),
    (date(2026, 6, 30), 6, date(2026, 1, 1), date(2026, 6, 30)),
    (date(2026, 7, 1), 6, date(2026, 7, 1), date(2026, 12, 31)),
    (date(2026, 11, 23), 6, date(2026, 7, 1), date(2026, 12, 31)),
    (date(2027, 2, 14), 6, date(2027, 1, 1), date(2027, 6, 30)),
    (date(2025, 12, 31), 6, date(2025, 7, 1), date(2025, 12, 31)),  # before the anchor
    (date(2024, 3, 5), 6, date(2024, 1, 1), date(2024, 6, 30)),
    (date(2026, 5, 10), 3, date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 2, 28), 1, date(2026, 2, 1), date(2026, 2, 28)),
    (date(2027, 12, 31), 12, date(2027, 1, 1), date(2027, 12, 31)),
    (date(2026, 9, 9), 5, date(2026, 6, 1), date(2026, 10, 31)),  # 5 months from January
])
def test_period_containing(day: date, months: int, start: date, end: date) -> None:
    assert period_containing(day, anchor=ANCHOR, months=months) == (start, end)


@pytest.mark.parametrize(("anchor", "months"), [(date(2026, 1, 2), 6), (ANCHOR, 0)])
def test_period_containing_refuses_bad_policies(anchor: date, months: int) -> None:
    with pytest.raises(ValueError, match="period"):
        period_containing(date(2026, 3, 3), anchor=anchor, months=months)


@pytest.mark.parametrize(("start", "end", "hours"), [
    (date(2026, 1, 1), date(2026, 1, 1), 24),
    (date(2026, 1, 1), date(2026, 6, 30), 181 * 24),
    (date(2026, 7, 1), date(2026, 12, 31), 184 * 24),
    (date(2028, 1, 1), date(2028, 12, 31), 366 * 24),
])
def test_period_hours(start: date, end: date, hours: int) -> None:
    assert period_hours(start, end) == hours


def test_period_hours_refuses_an_inverted_period() -> None:
    with pytest.raises(ValueError, match="ends before"):
        period_hours(date(2026, 2, 1), date(2026, 1, 31))


@pytest.mark.parametrize(("gpus", "start", "end", "expected"), [
    (2100, date(2026, 1, 1), date(2026, 6, 30), 2100 * 181 * 24),  # 9,122,400
    (2100, date(2026, 7, 1), date(2026, 12, 31), 2100 * 184 * 24),
    (8, date(2026, 1, 1), date(2026, 1, 31), 8 * 31 * 24),
    (0, date(2026, 1, 1), date(2026, 1, 31), 0),
])
def test_gpu_hours(gpus: int, start: date, end: date, expected: int) -> None:
    assert gpu_hours(gpus, start, end) == expected


def test_gpu_hours_refuses_negative_gpus() -> None:
    with pytest.raises(ValueError, match="negative"):
        gpu_hours(-1, date(2026, 1, 1), date(2026, 1, 2))


@pytest.mark.parametrize(("total", "shares", "expected"), [
    (9_122_400, {"national": 50, "eurohpc": 50}, {"national": 4_561_200, "eurohpc": 4_561_200}),
    (1001, {"national": 50, "eurohpc": 50}, {"national": 501, "eurohpc": 500}),
    (1000, {"national": 33, "eurohpc": 67}, {"national": 330, "eurohpc": 670}),
    (999, {"national": 33, "eurohpc": 67}, {"national": 330, "eurohpc": 669}),
    (1000, {"national": 100, "eurohpc": 0}, {"national": 1000, "eurohpc": 0}),
    (0, {"national": 50, "eurohpc": 50}, {"national": 0, "eurohpc": 0}),
])
def test_pool_capacities_add_up_to_the_total(total: int, shares: dict[str, int],
                                             expected: dict[str, int]) -> None:
    pools = pool_capacities(total, shares)
    assert pools == expected
    assert sum(pools.values()) == total


@pytest.mark.parametrize("shares", [{"national": 60, "eurohpc": 50}, {"national": 110,
                                                                       "eurohpc": -10}])
def test_pool_capacities_refuse_bad_shares(shares: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="add up to 100"):
        pool_capacities(1000, shares)


@pytest.mark.parametrize(("capacity", "factor", "expected"), [
    (1000, "1.2", 1200),
    (1001, "1.2", 1201),  # 1201.2 rounded down
    (4_561_200, "1.2", 5_473_440),
    (999, "1.0", 999),
    (7, "1.15", 8),  # 8.05
    (0, "1.5", 0),
])
def test_ceiling(capacity: int, factor: str, expected: int) -> None:
    assert ceiling(capacity, Decimal(factor)) == expected


# capacity, overbooking, already granted, requested -> left after the grant (None: refused)
GRANTS: list[tuple[int, str, int, int, int | None]] = [
    (1000, "1.2", 0, 1200, 0),          # exactly the ceiling
    (1000, "1.2", 0, 1201, None),       # one hour too many
    (1000, "1.2", 1000, 200, 0),        # overbooked up to the ceiling
    (1000, "1.2", 1000, 201, None),
    (1000, "1.2", 500, 600, 100),
    (1000, "1.0", 999, 1, 0),
    (1000, "1.0", 1000, 1, None),       # no overbooking: the capacity is the limit
    (1000, "1.2", 1300, 1, None),       # already past the ceiling (e.g. a lowered capacity)
    (4_561_200, "1.2", 5_400_000, 73_440, 0),
    (4_561_200, "1.2", 5_400_000, 100_000, None),
]


@pytest.mark.parametrize(("capacity", "factor", "granted", "requested", "left"), GRANTS)
def test_check_grant(capacity: int, factor: str, granted: int, requested: int,
                     left: int | None) -> None:
    overbooking = Decimal(factor)
    if left is not None:
        assert check_grant(capacity=capacity, overbooking=overbooking, granted=granted,
                           requested=requested) == left
        return
    with pytest.raises(CapacityExceeded) as caught:
        check_grant(capacity=capacity, overbooking=overbooking, granted=granted,
                    requested=requested)
    exc = caught.value
    assert exc.figures == PoolFigures(capacity=capacity, overbooking=overbooking,
                                      granted=granted)
    assert exc.requested == requested
    assert exc.figures.left == max(0, ceiling(capacity, overbooking) - granted)


def test_refusal_message_gives_every_figure() -> None:
    with pytest.raises(CapacityExceeded) as caught:
        check_grant(capacity=4_561_200, overbooking=Decimal("1.2"), granted=5_400_000,
                    requested=100_000)
    message = str(caught.value)
    for figure in ("4,561,200", "1.2", "5,473,440", "5,400,000", "100,000", "73,440"):
        assert figure in message, figure


@pytest.mark.parametrize("requested", [0, -5])
def test_check_grant_refuses_non_positive_grants(requested: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        check_grant(capacity=10, overbooking=Decimal("1.2"), granted=0, requested=requested)


@pytest.mark.parametrize(("capacity", "granted", "left", "percent"), [
    (1000, 0, 1200, 0),
    (1000, 1100, 100, 110),
    (1000, 1500, 0, 150),  # never negative
    (0, 0, 0, 0),
])
def test_pool_figures(capacity: int, granted: int, left: int, percent: int) -> None:
    figures = PoolFigures(capacity=capacity, overbooking=Decimal("1.2"), granted=granted)
    assert figures.left == left
    assert figures.granted_percent == percent
    assert figures.consumed == 0
