"""The deployment timeline as SVG geometry (pure: no Django): one row per environment, one bar
per stint of a version from its start to its end; a version still running reaches the right
edge, which is now; a rollback marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from laif.registry.chain import Stint

WIDTH = 720
LABEL_W = 120
ROW_H = 34
TOP = 8
AXIS_H = 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    version: int
    rollback: bool
    running: bool
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rows: list[tuple[str, float]]  # environment, the y of its label's baseline
    bars: list[Bar]
    start: datetime
    end: datetime
    axis_y: float


def chart(stints: Sequence[Stint], *, now: datetime) -> Chart | None:
    """None without any stint."""
    if not stints:
        return None
    envs = sorted({s.environment for s in stints})
    start = min(s.start for s in stints)
    end = max(now, *(s.end or now for s in stints))
    span = max((end - start).total_seconds(), 1.0)
    right = WIDTH - 8
    scale = (right - LABEL_W) / span
    rows = [(env, TOP + i * ROW_H + ROW_H * 0.6) for i, env in enumerate(envs)]
    index = {env: i for i, env in enumerate(envs)}
    bars = []
    for s in stints:
        x0 = LABEL_W + (s.start - start).total_seconds() * scale
        x1 = LABEL_W + (s.end - start).total_seconds() * scale if s.end else right
        bars.append(Bar(x=round(x0, 1), y=TOP + index[s.environment] * ROW_H + 6,
                        width=round(max(x1 - x0, 3.0), 1), height=ROW_H - 12,
                        version=s.version, rollback=s.rollback, running=s.end is None,
                        title=f"{s.environment}: v{s.version}"))
    axis_y = TOP + len(envs) * ROW_H + 4
    return Chart(width=WIDTH, height=int(axis_y + AXIS_H), rows=rows, bars=bars, start=start,
                 end=end, axis_y=axis_y)
