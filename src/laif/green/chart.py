"""The energy chart of a year as SVG geometry (pure Python, no Django): one horizontal bar per
month, the facility energy measured by Slurm in one colour and the estimated part after it in
another, the longest month filling the room. The template draws the shapes and writes each
figure as text too, so the chart is never the only place a figure is shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 520  # the SVG's user units; the picture scales to its box
LABEL = 60  # room for a month's short name on the left
ROW = 26
BAR = 16
VALUE_ROOM = 90  # room for a figure after the longest bar


@dataclass(frozen=True)
class MonthBar:
    label: str
    measured: Decimal  # kWh
    estimated: Decimal  # kWh
    y: float
    measured_width: float
    estimated_width: float

    @property
    def total(self) -> Decimal:
        return self.measured + self.estimated

    @property
    def estimated_x(self) -> float:
        return LABEL + self.measured_width

    @property
    def value_x(self) -> float:
        return LABEL + self.measured_width + self.estimated_width + 6


@dataclass(frozen=True)
class EnergyChart:
    bars: tuple[MonthBar, ...]
    height: int
    x0: int = LABEL
    bar_height: int = BAR
    width: int = WIDTH


def _width(value: Decimal, top: Decimal, room: int) -> float:
    if value <= 0 or top <= 0:
        return 0.0
    return max(2.0, float(room * value / top))


def energy_chart(months: Sequence[tuple[str, Decimal, Decimal]]) -> EnergyChart:
    """One bar per (label, measured kWh, estimated kWh)."""
    if any(m < 0 or e < 0 for _label, m, e in months):
        raise ValueError("energy cannot be negative")
    top = max((m + e for _label, m, e in months), default=Decimal(0))
    room = WIDTH - LABEL - VALUE_ROOM
    bars = []
    for i, (label, measured, estimated) in enumerate(months):
        total_width = _width(measured + estimated, top, room)
        measured_width = (0.0 if measured + estimated <= 0
                          else total_width * float(measured / (measured + estimated)))
        bars.append(MonthBar(label=label, measured=measured, estimated=estimated, y=i * ROW,
                             measured_width=measured_width,
                             estimated_width=total_width - measured_width))
    return EnergyChart(bars=tuple(bars), height=max(len(months), 1) * ROW)
