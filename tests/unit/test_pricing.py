"""Prices catalogue and exact amounts (pure: no database)."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.prices import load_prices, parse_prices
from laif.usage.pricing import (
    NoPrice,
    Resource,
    Usage,
    amount_cents,
    hours,
    price_lines,
    price_on,
)

PARTITIONS = frozenset({"gpu", "gpu-dev"})


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUE_DIR / "prices.json").read_text("utf-8"))
    return data


def test_the_shipped_prices_load_and_are_marked_assumptions() -> None:
    prices = load_prices()
    assert {p.partition for p in prices.prices} == PARTITIONS
    assert prices.assumption
    assert all(p.source for p in prices.prices)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["prices"][0].update(partition="nope"), "unknown partition"),
    (lambda d: d["prices"][0].update(effective_from="2026-01-15"), "first day of a month"),
    (lambda d: d["prices"][0].update(gpu_hour_eur=2.5), "decimal string"),
    (lambda d: d["prices"][0].update(gpu_hour_eur="-1"), "between 0"),
    (lambda d: d["prices"][0].update(gpu_hour_eur="1.00001"), "four decimals"),
    (lambda d: d["prices"][0].update(gpu_hour_eur="NaN"), "between 0"),
    (lambda d: d["prices"][0].pop("assumption"), "assumption"),
    (lambda d: d["prices"].append(copy.deepcopy(d["prices"][0])), "same month"),
    (lambda d: d.update(prices=[p for p in d["prices"] if p["partition"] == "gpu"]), "no price"),
    (lambda d: d.update(currency="USD"), "currency"),
])
def test_broken_price_files_are_refused(change: Any, message: str) -> None:
    data = _raw()
    change(data)
    with pytest.raises(CatalogueError, match=message):
        parse_prices(data, PARTITIONS)


def test_the_price_in_force_on_a_month() -> None:
    prices = load_prices()
    assert price_on(prices, "gpu", date(2026, 6, 30)).gpu_hour_eur == Decimal("2.50")
    assert price_on(prices, "gpu", date(2026, 7, 1)).gpu_hour_eur == Decimal("2.20")
    assert price_on(prices, "gpu", date(2027, 3, 1)).gpu_hour_eur == Decimal("2.20")
    assert price_on(prices, "gpu-dev", date(2026, 9, 1)).gpu_hour_eur == Decimal("1.50")
    with pytest.raises(NoPrice):
        price_on(prices, "gpu", date(2025, 12, 1))
    with pytest.raises(NoPrice):
        price_on(prices, "debug", date(2026, 7, 1))


def test_amounts_are_exact_and_rounded_half_up_once() -> None:
    assert amount_cents(3600, Decimal("2.50")) == 250
    assert amount_cents(1, Decimal("2.50")) == 0  # 0.0694 cent
    assert amount_cents(72, Decimal("2.50")) == 5  # exactly 5 cents
    assert amount_cents(36, Decimal("2.50")) == 3  # 2.5 cents -> 3 (half up)
    assert amount_cents(10**12, Decimal("2.2")) == 61_111_111_111  # no float error
    # rounding once per line, not per record: 100 records of 1 s are 100 s, not 0 cents
    assert amount_cents(100 * 1, Decimal("2.50")) == 7
    with pytest.raises(ValueError, match="negative"):
        amount_cents(-1, Decimal(1))
    assert hours(5400) == Decimal("1.5000")
    assert hours(1) == Decimal("0.0003")


def test_a_price_change_in_the_middle_of_the_data() -> None:
    """Usage of June and July 2026 (the gpu price drops on 1 July): each month at its price."""
    prices = load_prices()
    usage = [
        Usage((1, 7), date(2026, 6, 1), "gpu", Resource.GPU, 36_000),
        Usage((1, 7), date(2026, 7, 1), "gpu", Resource.GPU, 36_000),
        Usage((1, 7), date(2026, 7, 1), "gpu", Resource.CPU, 7_200),
        Usage((1, 7), date(2026, 7, 1), "gpu-dev", Resource.GPU, 0),
    ]
    lines = price_lines(usage, prices)
    assert [(ln.month.month, ln.resource, ln.unit_price_eur, ln.amount_cents) for ln in lines] == [
        (6, Resource.GPU, Decimal("2.50"), 2_500),
        (7, Resource.GPU, Decimal("2.20"), 2_200),
        (7, Resource.CPU, Decimal("0.02"), 4),
    ]
    assert all(ln.price_assumption for ln in lines)
