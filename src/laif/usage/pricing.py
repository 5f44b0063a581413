"""Prices and amounts of compute usage: exact, pure (no Django).

- The price in force on a month is the partition's catalogue entry with the latest
  ``effective_from`` on or before the month's first day (prices change on the first of a month, so
  one month has one price; ``laif.catalogue.prices``).
- Quantities are integer seconds; an amount is ``seconds x price per hour / 3600`` computed with
  ``Decimal`` (exact: no float anywhere) and **rounded once per statement line**, half up, to whole
  euro cents. Records and entries are summed first (in the database), then priced: the sum of the
  lines is the statement's total, and no per-record rounding error can accumulate.
- Hours shown next to a line are the seconds divided by 3600, rounded half up to 4 decimals, for
  reading only: the amount is computed from the seconds, never from the rounded hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from laif.catalogue.prices import Price, PriceCatalogue

SECONDS_PER_HOUR = 3600
CENT = Decimal("0.01")
HOURS_SHOWN = Decimal("0.0001")


class Resource(StrEnum):
    GPU = "gpu"
    CPU = "cpu"


class NoPrice(LookupError):
    """No price in the catalogue for a partition in a month (usage cannot be billed)."""

    def __init__(self, partition: str, month: date) -> None:
        super().__init__(f"no price for partition {partition!r} in {month:%Y-%m}")
        self.partition = partition
        self.month = month


def month_start(day: date) -> date:
    return day.replace(day=1)


def price_on(catalogue: PriceCatalogue, partition: str, month: date) -> Price:
    """The price of ``partition`` in force on the month of ``month``."""
    first = month_start(month)
    found: Price | None = None
    for price in catalogue.prices:
        if price.partition == partition and price.effective_from <= first and (
            found is None or price.effective_from > found.effective_from
        ):
            found = price
    if found is None:
        raise NoPrice(partition, first)
    return found


def unit_price(price: Price, resource: Resource) -> Decimal:
    return price.gpu_hour_eur if resource is Resource.GPU else price.cpu_hour_eur


def amount_cents(seconds: int, price_per_hour_eur: Decimal) -> int:
    """Integer euro cents for ``seconds`` at ``price_per_hour_eur``: exact, rounded half up once."""
    if seconds < 0:
        raise ValueError("seconds cannot be negative")
    cents = Decimal(seconds) * price_per_hour_eur * 100 / SECONDS_PER_HOUR
    return int(cents.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours(seconds: int) -> Decimal:
    """Seconds as hours for display (4 decimals, half up); never used to compute an amount."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HOURS_SHOWN, rounding=ROUND_HALF_UP)


_EUROS = re.compile(r"(?:EUR\s*)?(\d{1,9}(?:,\d{3})*|\d{1,12})(?:\.(\d{1,2}))?(?:\s*(?:EUR|€))?")
# French: digits grouped by a space (plain, no-break or narrow no-break), a decimal comma
_EUROS_COMMA = re.compile(
    r"(?:EUR\s*)?(\d{1,9}(?:[ \u00a0\u202f]\d{3})*|\d{1,12})(?:,(\d{1,2}))?(?:\s*(?:EUR|€))?"
)


def euros_to_cents(text: str, *, decimal_comma: bool = False) -> int | None:
    """``"1,234.5"``, ``"12"``, ``"EUR 3.07"`` -> cents (``123450``, ``1200``, ``307``); with
    ``decimal_comma`` (French) ``"1 234,5"``, ``"3,07 EUR"``; ``None`` for anything else
    (negative amounts, more than two decimals, letters, the other language's separators)."""
    match = (_EUROS_COMMA if decimal_comma else _EUROS).fullmatch(text.strip())
    if match is None:
        return None
    whole = re.sub(r"[, \u00a0\u202f]", "", match.group(1))
    part = (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(part)


@dataclass(frozen=True)
class Usage:
    """Summed seconds of one (month, partition, resource) under an opaque key (project, member)."""

    key: tuple[int | None, ...]
    month: date
    partition: str
    resource: Resource
    seconds: int


@dataclass(frozen=True)
class PricedLine:
    key: tuple[int | None, ...]
    month: date
    partition: str
    resource: Resource
    seconds: int
    unit_price_eur: Decimal
    amount_cents: int
    price_assumption: bool


def price_lines(usage: Iterable[Usage], catalogue: PriceCatalogue) -> list[PricedLine]:
    """Each summed usage priced with the price in force on its own month (a late entry of a past
    month keeps that month's price). Zero seconds give no line."""
    lines = []
    for u in usage:
        if u.seconds == 0:
            continue
        price = price_on(catalogue, u.partition, u.month)
        per_hour = unit_price(price, u.resource)
        lines.append(PricedLine(key=u.key, month=u.month, partition=u.partition,
                                resource=u.resource, seconds=u.seconds, unit_price_eur=per_hour,
                                amount_cents=amount_cents(u.seconds, per_hour),
                                price_assumption=price.assumption))
    return lines
