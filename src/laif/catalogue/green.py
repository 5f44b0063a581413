"""The factors behind the energy and carbon figures, as data (``green.json``).

Pure Python (no Django): ``load_green()`` reads and checks the file and returns a
``GreenCatalogue``:

- ``estimate``: how a job run's energy is estimated when Slurm did not report it (GPU board
  power x a utilisation factor, and power per CPU core), a profile per partition or the default;
- ``location_based``: grid intensities (gCO2e/kWh) of the electricity consumed, imports included,
  by area and year (ESRS E1 Scope 2, location-based method);
- ``market_based``: the site's supply contract, as the instruments that cover it (share and
  factor, with their evidence): the market-based method.

Every figure names its source; one known only from an announcement or an assumption is marked so
(``assumed``, ``verified: false``, ``announced``) and shown as such, never as verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    text_field,
)

MAX_FACTOR = Decimal("5000")  # gCO2e/kWh: more than any grid's
INSTRUMENT_KINDS = ("guarantees_of_origin", "power_purchase_agreement", "supplier_mix",
                    "residual_mix")


def decimal_field(item: dict[str, Any], name: str, where: str, minimum: Decimal,
                  maximum: Decimal) -> Decimal:
    """A decimal written as a JSON string (``"0.7"``: no binary float on the way)."""
    value = item.get(name)
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: {name!r} must be a decimal written as a string")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise CatalogueError(f"{where}: {name!r} is not a decimal number: {value!r}") from exc
    if not number.is_finite() or not minimum <= number <= maximum:
        raise CatalogueError(f"{where}: {name!r} must be between {minimum} and {maximum}")
    return number


def _flag(item: dict[str, Any], name: str, where: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}: {name!r} must be true or false")
    return value


@dataclass(frozen=True)
class EnergyProfile(SourceInLanguage):
    """How the energy of a run without a measurement is estimated on one partition."""

    gpu_board_power_w: int
    gpu_utilisation: Decimal
    cpu_core_power_w: Decimal
    source: str
    source_fr: str
    assumed: bool


@dataclass(frozen=True)
class GridIntensity(SourceInLanguage):
    """The location-based factor of one area and year."""

    area: str
    year: int
    g_co2e_per_kwh: Decimal
    basis: str  # "consumption": imports included
    source: str
    source_fr: str
    verified: bool


@dataclass(frozen=True)
class Instrument:
    """One contractual instrument of the supply contract (market-based method)."""

    kind: str
    label: str
    label_fr: str
    share_percent: int
    g_co2e_per_kwh: Decimal
    evidence: str
    evidence_fr: str
    announced: bool

    def label_in(self, language: str) -> str:
        return self.label_fr if language.startswith("fr") and self.label_fr else self.label

    def evidence_in(self, language: str) -> str:
        return self.evidence_fr if language.startswith("fr") and self.evidence_fr else self.evidence


@dataclass(frozen=True)
class SupplyContract:
    contract: str
    instruments: tuple[Instrument, ...]

    @property
    def g_co2e_per_kwh(self) -> Decimal:
        """The contract's factor: its instruments' factors weighted by their shares."""
        return sum((i.g_co2e_per_kwh * i.share_percent for i in self.instruments),
                   Decimal(0)) / 100

    @property
    def announced(self) -> bool:
        """True while any instrument is known only from an announcement."""
        return any(i.announced for i in self.instruments)


@dataclass(frozen=True)
class GreenCatalogue(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    source_fr: str
    default_profile: EnergyProfile
    profiles: dict[str, EnergyProfile]
    location_based: tuple[GridIntensity, ...]
    market_based: SupplyContract

    def profile(self, partition: str) -> EnergyProfile:
        """The estimate profile of a partition (the default one when it has none)."""
        return self.profiles.get(partition, self.default_profile)

    def intensity(self, year: int, area: str = "LU") -> GridIntensity | None:
        """The location-based factor for ``year``: that year's, else the latest one before it,
        else the earliest one after it (a figure is published a year or two late)."""
        known = sorted((g for g in self.location_based if g.area == area), key=lambda g: g.year)
        before = [g for g in known if g.year <= year]
        if before:
            return before[-1]
        return known[0] if known else None


def _profile(value: Any, where: str) -> EnergyProfile:
    item = json_object(value, where)
    return EnergyProfile(
        gpu_board_power_w=int_field(item, "gpu_board_power_w", where, 1, 5000),
        gpu_utilisation=decimal_field(item, "gpu_utilisation", where, Decimal(0), Decimal(1)),
        cpu_core_power_w=decimal_field(item, "cpu_core_power_w", where, Decimal(0),
                                       Decimal(100)),
        source=text_field(item, "source", where),
        source_fr=text_field(item, "source_fr", where, required=False),
        assumed=_flag(item, "assumed", where))


def _intensity(value: Any, where: str) -> GridIntensity:
    item = json_object(value, where)
    area = text_field(item, "area", where)
    if not (len(area) == 2 and area.isascii() and area.isupper()):
        raise CatalogueError(f"{where}: 'area' must be a two-letter country code")
    basis = text_field(item, "basis", where)
    if basis != "consumption":
        raise CatalogueError(f"{where}: 'basis' must be 'consumption' (imports included)")
    return GridIntensity(
        area=area, year=int_field(item, "year", where, 2000, 2100),
        g_co2e_per_kwh=decimal_field(item, "g_co2e_per_kwh", where, Decimal(0), MAX_FACTOR),
        basis=basis, source=text_field(item, "source", where),
        source_fr=text_field(item, "source_fr", where, required=False),
        verified=_flag(item, "verified", where))


def _instrument(value: Any, where: str) -> Instrument:
    item = json_object(value, where)
    kind = text_field(item, "kind", where)
    if kind not in INSTRUMENT_KINDS:
        raise CatalogueError(f"{where}: 'kind' must be one of {', '.join(INSTRUMENT_KINDS)}")
    return Instrument(
        kind=kind, label=text_field(item, "label", where),
        label_fr=text_field(item, "label_fr", where, required=False),
        share_percent=int_field(item, "share_percent", where, 1, 100),
        g_co2e_per_kwh=decimal_field(item, "g_co2e_per_kwh", where, Decimal(0), MAX_FACTOR),
        evidence=text_field(item, "evidence", where),
        evidence_fr=text_field(item, "evidence_fr", where, required=False),
        announced=_flag(item, "announced", where))


def parse_green(data: Any, where: str = "green.json") -> GreenCatalogue:
    root = json_object(data, where)
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    estimate = json_object(root.get("estimate"), f"{where}: estimate")
    partitions = json_object(estimate.get("partitions", {}), f"{where}: estimate.partitions")
    intensities = tuple(_intensity(v, f"{where}: location_based[{i}]")
                        for i, v in enumerate(json_list(root.get("location_based"),
                                                        f"{where}: location_based")))
    if len({(g.area, g.year) for g in intensities}) != len(intensities):
        raise CatalogueError(f"{where}: location_based names an area and year twice")
    market = json_object(root.get("market_based"), f"{where}: market_based")
    instruments = tuple(_instrument(v, f"{where}: market_based.instruments[{i}]")
                        for i, v in enumerate(json_list(market.get("instruments"),
                                                        f"{where}: market_based.instruments")))
    if sum(i.share_percent for i in instruments) != 100:
        raise CatalogueError(f"{where}: the market-based instruments' shares must add up to 100")
    return GreenCatalogue(
        version=version, effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        default_profile=_profile(estimate.get("default"), f"{where}: estimate.default"),
        profiles={str(name): _profile(v, f"{where}: estimate.partitions.{name}")
                  for name, v in partitions.items()},
        location_based=intensities,
        market_based=SupplyContract(contract=text_field(market, "contract", where),
                                    instruments=instruments))


@cache
def load_green(path: Path | None = None) -> GreenCatalogue:
    file = path or CATALOGUE_DIR / "green.json"
    return parse_green(read_json(file), file.name)
