"""The staff dashboard's charts as SVG geometry (pure Python, no Django): horizontal bars for
counts (allocations by state, organisations by SME class and by sector) and, per month, the
split of the GPU-hours used between the national and the EuroHPC pools against the split the
pools were given (50/50 on MeluXina-AI). The template draws the shapes and writes every figure
as text too, so a chart is never the only place a figure is shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 520  # the SVG's user units; the picture scales to its box
LABEL = 220  # room for the labels on the left (a sector's name in French)
ROW = 28  # one bar's row height
BAR = 18  # one bar's height


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float  # top of the row
    width: float  # the bar's length (0 for 0; at least 2 units for a value above 0)

    @property
    def value_x(self) -> float:
        """Where the figure is written, just after the bar."""
        return LABEL + self.width + 6


@dataclass(frozen=True)
class Bars:
    bars: tuple[Bar, ...]
    height: int
    x0: int = LABEL
    bar_height: int = BAR

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def bars(items: Sequence[tuple[str, int]]) -> Bars:
    """One bar per (label, count), the longest filling the room right of the labels (a count
    needs room for its figure after the bar: 60 units)."""
    if any(value < 0 for _label, value in items):
        raise ValueError("a count cannot be negative")
    top = max((value for _label, value in items), default=0)
    room = WIDTH - LABEL - 60
    return Bars(bars=tuple(
        Bar(label=label, value=value, y=i * ROW,
            width=0.0 if value == 0 or top == 0 else max(2.0, room * value / top))
        for i, (label, value) in enumerate(items)), height=max(len(items), 1) * ROW)


@dataclass(frozen=True)
class SplitRow:
    label: str  # the month
    national: int  # GPU-seconds used from the national pool
    eurohpc: int  # from the EuroHPC pool
    y: float
    national_width: float  # of the bar's room (0 when nothing was used)
    eurohpc_width: float

    @property
    def eurohpc_x(self) -> float:
        return LABEL + self.national_width

    @property
    def national_percent(self) -> int | None:
        total = self.national + self.eurohpc
        return None if total == 0 else round(100 * self.national / total)


@dataclass(frozen=True)
class Split:
    rows: tuple[SplitRow, ...]
    target_x: float  # where the pools' split falls on every bar
    target_percent: int  # the national pool's share
    height: int
    x0: int = LABEL
    room: int = WIDTH - LABEL - 20
    bar_height: int = BAR


def split(months: Sequence[tuple[str, int, int]], national_share_percent: int) -> Split:
    """Per month (label, national GPU-seconds, EuroHPC GPU-seconds): one bar of the bar's full
    length split in the two pools' parts, and the line of the pools' own split."""
    if not 0 <= national_share_percent <= 100:
        raise ValueError("a share is from 0 to 100 percent")
    room = WIDTH - LABEL - 20
    rows = []
    for i, (label, national, eurohpc) in enumerate(months):
        if national < 0 or eurohpc < 0:
            raise ValueError("usage cannot be negative")
        total = national + eurohpc
        rows.append(SplitRow(
            label=label, national=national, eurohpc=eurohpc, y=i * ROW,
            national_width=0.0 if total == 0 else room * national / total,
            eurohpc_width=0.0 if total == 0 else room * eurohpc / total))
    return Split(rows=tuple(rows), target_x=LABEL + room * national_share_percent / 100,
                 target_percent=national_share_percent, height=max(len(rows), 1) * ROW)
