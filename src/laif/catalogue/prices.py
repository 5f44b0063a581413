"""Compute prices as data: EUR per GPU-hour and per CPU-hour of each partition, with the month
from which each applies.

Pure Python (no Django): ``load_prices()`` reads ``prices.json``, checks it against the cluster's
partitions and returns a ``PriceCatalogue``. A price applies from ``effective_from`` (always the
first day of a month, so one month has one price) until the next entry of the same partition. A
change of tariff is a new entry, never an edit of a past one: issued statements keep the unit price
they were computed with. Figures the factory has not published carry ``assumption: true`` and are
shown as such, never as verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.cluster import load_cluster
from laif.catalogue.fields import date_field, json_list, json_object, text_field

MAX_UNIT_PRICE = Decimal("10000")


@dataclass(frozen=True)
class Price:
    partition: str
    effective_from: date
    gpu_hour_eur: Decimal
    cpu_hour_eur: Decimal
    assumption: bool
    source: str


@dataclass(frozen=True)
class PriceCatalogue:
    version: int
    currency: str
    source: str
    prices: tuple[Price, ...]

    @property
    def assumption(self) -> bool:
        return any(p.assumption for p in self.prices)


def parse_unit_price(value: Any, where: str) -> Decimal:
    """A price such as ``"2.50"``: a string (never a float), at most four decimals, >= 0."""
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: must be a decimal string such as \"2.50\"")
    try:
        price = Decimal(value.strip())
    except InvalidOperation as exc:
        raise CatalogueError(f"{where}: must be a decimal string such as \"2.50\"") from exc
    if not price.is_finite() or not Decimal(0) <= price <= MAX_UNIT_PRICE:
        raise CatalogueError(f"{where}: must be between 0 and {MAX_UNIT_PRICE}, got {value}")
    if price != price.quantize(Decimal("0.0001")):
        raise CatalogueError(f"{where}: at most four decimals, got {value}")
    return price


def _price(item: Any, where: str, partitions: frozenset[str]) -> Price:
    data = json_object(item, where)
    partition = text_field(data, "partition", where)
    if partition not in partitions:
        raise CatalogueError(f"{where}: unknown partition {partition!r} (not in cluster.json)")
    start = date_field(data, "effective_from", where)
    if start.day != 1:
        raise CatalogueError(f"{where}: 'effective_from' must be the first day of a month")
    assumption = data.get("assumption")
    if not isinstance(assumption, bool):
        raise CatalogueError(f"{where}: 'assumption' must be true or false (true when the "
                             "factory has not published the figure)")
    return Price(partition=partition, effective_from=start,
                 gpu_hour_eur=parse_unit_price(data.get("gpu_hour_eur"), f"{where}: gpu_hour_eur"),
                 cpu_hour_eur=parse_unit_price(data.get("cpu_hour_eur"), f"{where}: cpu_hour_eur"),
                 assumption=assumption, source=text_field(data, "source", where))


def parse_prices(data: Any, partitions: frozenset[str],
                 where: str = "prices.json") -> PriceCatalogue:
    root = json_object(data, where)
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    if root.get("currency") != "EUR":
        raise CatalogueError(f"{where}: 'currency' must be \"EUR\"")
    prices = tuple(_price(item, f"{where}: prices[{i}]", partitions)
                   for i, item in enumerate(json_list(root.get("prices"), f"{where}: prices")))
    keys = [(p.partition, p.effective_from) for p in prices]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: two prices of one partition from the same month")
    missing = partitions - {p.partition for p in prices}
    if missing:
        raise CatalogueError(f"{where}: no price for partition(s) {', '.join(sorted(missing))}")
    return PriceCatalogue(version=version, currency="EUR", source=text_field(root, "source", where),
                          prices=tuple(sorted(prices, key=lambda p: (p.partition,
                                                                     p.effective_from))))


@cache
def load_prices(path: Path | None = None, cluster_path: Path | None = None) -> PriceCatalogue:
    """Read and check a price file (``prices.json`` next to this module by default) against the
    partitions of the cluster file (read once per process)."""
    file = path or CATALOGUE_DIR / "prices.json"
    partitions = frozenset(p.name for p in load_cluster(cluster_path).partitions)
    data = read_json(file)
    return parse_prices(data, partitions, file.name)
