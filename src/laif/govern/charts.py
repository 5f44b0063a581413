"""Drift charts as SVG geometry (pure Python, no Django): a column's reference and current
distributions side by side (shares of each sample per bin or value), and the share of drifted
columns over a monitor's batches against the dataset threshold. The templates draw the shapes
and show every figure as text too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 320
HEIGHT = 90
TREND_WIDTH = 520
TREND_HEIGHT = 140
PAD = 24


@dataclass(frozen=True)
class BinPair:
    label: str  # a categorical value; "" for a numerical bin (low to high)
    low: float | None
    high: float | None
    x: float
    width: float  # of each of the two bars
    reference_height: float
    current_height: float
    reference_share: float
    current_share: float

    @property
    def current_x(self) -> float:
        return self.x + self.width

    @property
    def reference_y(self) -> float:
        return HEIGHT - self.reference_height

    @property
    def current_y(self) -> float:
        return HEIGHT - self.current_height


def histogram(h: Mapping[str, Any]) -> list[BinPair]:
    """Reference and current counts (``Histogram.as_dict``) as pairs of bars, each sample's
    shares, the tallest share filling the height."""
    reference: Sequence[int] = h["reference"]
    current: Sequence[int] = h["current"]
    if not reference:
        return []
    ref_total, cur_total = sum(reference) or 1, sum(current) or 1
    ref_shares = [c / ref_total for c in reference]
    cur_shares = [c / cur_total for c in current]
    top = max(max(ref_shares), max(cur_shares)) or 1.0
    slot = WIDTH / len(reference)
    edges: Sequence[float] | None = h.get("edges")
    labels = [str(v) for v in h.get("labels") or []]
    return [BinPair(label=labels[i] if i < len(labels) else "",
                    low=edges[i] if edges else None, high=edges[i + 1] if edges else None,
                    x=i * slot + slot * 0.1,
                    width=slot * 0.4, reference_height=ref_shares[i] / top * (HEIGHT - 4),
                    current_height=cur_shares[i] / top * (HEIGHT - 4),
                    reference_share=ref_shares[i], current_share=cur_shares[i])
            for i in range(len(reference))]


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    share: float
    drifted: bool


@dataclass(frozen=True)
class Trend:
    points: list[TrendPoint]
    threshold_y: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _y(share: float) -> float:
    return PAD + (1 - share) * (TREND_HEIGHT - 2 * PAD)


def trend(shares: Sequence[tuple[float, bool]], threshold: float = 0.5) -> Trend:
    """The share of drifted columns of each batch, oldest first, on a 0 to 1 scale."""
    n = len(shares)
    step = (TREND_WIDTH - 2 * PAD) / max(n - 1, 1)
    points = [TrendPoint(x=PAD + i * step if n > 1 else TREND_WIDTH / 2, y=_y(share),
                         share=share, drifted=drifted)
              for i, (share, drifted) in enumerate(shares)]
    return Trend(points=points, threshold_y=_y(threshold))
