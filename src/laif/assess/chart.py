"""The progress chart of the maturity checks as SVG coordinates (pure Python, no Django): one
line per series (the overall score and each dimension), the checks evenly spaced from left to
right, 0 at the bottom and 100 at the top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 220, 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Series:
    key: str
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def x_of(index: int, count: int) -> float:
    if count == 1:
        return WIDTH / 2
    return PAD + index * (WIDTH - 2 * PAD) / (count - 1)


def y_of(value: int) -> float:
    return HEIGHT - PAD - value * (HEIGHT - 2 * PAD) / 100


def series(key: str, values: Sequence[int]) -> Series:
    return Series(key, tuple(Point(x_of(i, len(values)), y_of(v), v)
                             for i, v in enumerate(values)))


def grid() -> list[tuple[int, float]]:
    """The horizontal lines: (score, y) at 0, 20, ..., 100 (where the levels start)."""
    return [(v, y_of(v)) for v in range(0, 101, 20)]
