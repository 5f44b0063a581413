"""Energy and carbon of job runs (pure Python, no Django): the one place these figures are
computed, from the usage ledger's sums and the factors of ``catalogue/green.json``.

- **Energy (IT)**: what Slurm measured (``ConsumedEnergy``) where it reported energy; elsewhere an
  estimate from the run's GPU- and CPU-seconds: GPU-seconds x board power x utilisation factor +
  CPU-seconds x power per core (the partition's profile). The two parts are kept apart, so a
  figure always says how much of it is measured and how much estimated.
- **Energy (facility)**: the IT energy x the site's PUE (``LAIF_PUE``): cooling and power losses.
- **Carbon**, with both ESRS E1 Scope 2 methods, never mixed: location-based (the facility energy
  x the grid's consumption intensity of the year, imports included) and market-based (x the
  supply contract's factor).

Joules and grams are exact (``Decimal``); kWh and kg are rounded only for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from laif.catalogue.green import EnergyProfile

J_PER_KWH = Decimal(3_600_000)
_KWH = Decimal("0.001")


def kwh(joules: Decimal | int) -> Decimal:
    """Joules as kWh with three decimals (half up), for display."""
    return (Decimal(joules) / J_PER_KWH).quantize(_KWH, rounding=ROUND_HALF_UP)


def kg(grams: Decimal) -> Decimal:
    """Grams as kilograms with three decimals (half up), for display."""
    return (grams / 1000).quantize(_KWH, rounding=ROUND_HALF_UP)


def estimated_joules(profile: EnergyProfile, *, gpu_seconds: int, cpu_seconds: int) -> Decimal:
    """The estimate for runs without a measurement on a partition with this profile."""
    if gpu_seconds < 0 or cpu_seconds < 0:
        raise ValueError("seconds cannot be negative")
    return (gpu_seconds * profile.gpu_board_power_w * profile.gpu_utilisation
            + cpu_seconds * profile.cpu_core_power_w)


@dataclass(frozen=True)
class Energy:
    """IT energy of a set of runs: the measured and the estimated parts."""

    measured_j: Decimal = Decimal(0)
    estimated_j: Decimal = Decimal(0)
    measured_runs: int = 0  # entries (a run's part in one month) with a measurement
    estimated_runs: int = 0  # entries estimated

    def __add__(self, other: Energy) -> Energy:
        return Energy(self.measured_j + other.measured_j, self.estimated_j + other.estimated_j,
                      self.measured_runs + other.measured_runs,
                      self.estimated_runs + other.estimated_runs)

    @property
    def it_j(self) -> Decimal:
        return self.measured_j + self.estimated_j

    @property
    def runs(self) -> int:
        return self.measured_runs + self.estimated_runs

    @property
    def label(self) -> str:
        """``measured``, ``estimated``, ``mixed`` or ``none`` (no run)."""
        if self.runs == 0:
            return "none"
        if self.estimated_runs == 0:
            return "measured"
        return "estimated" if self.measured_runs == 0 else "mixed"

    @property
    def measured_kwh(self) -> Decimal:
        return kwh(self.measured_j)

    @property
    def estimated_kwh(self) -> Decimal:
        return kwh(self.estimated_j)

    @property
    def it_kwh(self) -> Decimal:
        return kwh(self.it_j)


def energy_of(profile: EnergyProfile, *, measured_j: int, measured_runs: int,
              unreported_gpu_seconds: int, unreported_cpu_seconds: int,
              unreported_runs: int) -> Energy:
    """The energy of one partition's runs: measured where reported, estimated elsewhere."""
    return Energy(measured_j=Decimal(measured_j),
                  estimated_j=estimated_joules(profile, gpu_seconds=unreported_gpu_seconds,
                                               cpu_seconds=unreported_cpu_seconds),
                  measured_runs=measured_runs, estimated_runs=unreported_runs)


def total(energies: Iterable[Energy]) -> Energy:
    return sum(energies, Energy())


@dataclass(frozen=True)
class Footprint:
    """Energy and both carbon figures of a set of runs."""

    energy: Energy
    pue: Decimal
    location_g_per_kwh: Decimal | None  # None: no grid intensity known
    market_g_per_kwh: Decimal

    @property
    def facility_j(self) -> Decimal:
        return self.energy.it_j * self.pue

    @property
    def facility_kwh(self) -> Decimal:
        return kwh(self.facility_j)

    @property
    def location_g(self) -> Decimal | None:
        if self.location_g_per_kwh is None:
            return None
        return self.facility_j / J_PER_KWH * self.location_g_per_kwh

    @property
    def market_g(self) -> Decimal:
        return self.facility_j / J_PER_KWH * self.market_g_per_kwh

    @property
    def location_kg(self) -> Decimal | None:
        grams = self.location_g
        return None if grams is None else kg(grams)

    @property
    def market_kg(self) -> Decimal:
        return kg(self.market_g)


def footprint(energy: Energy, *, pue: Decimal, location_g_per_kwh: Decimal | None,
              market_g_per_kwh: Decimal) -> Footprint:
    if not Decimal(1) <= pue <= Decimal(3):
        raise ValueError("a PUE is between 1 and 3")
    return Footprint(energy=energy, pue=pue, location_g_per_kwh=location_g_per_kwh,
                     market_g_per_kwh=market_g_per_kwh)
