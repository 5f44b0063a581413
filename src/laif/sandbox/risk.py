"""Re-identification risk of a sandbox table: k-anonymity and l-diversity. Pure (no Django),
vectorised with polars (one ``group_by``, never a loop over rows).

Assessed on the OUTPUT table (after generalisation and pseudonymisation), over the
quasi-identifier columns the user marks, with these pinned semantics:

- rows fall in the same *group* when they have equal values in every quasi-identifier; a missing
  value (null) is a value of its own, equal to other nulls and to nothing else, never a wildcard:
  rows ``(A, null)`` and ``(A, x)`` are two groups of one;
- the reached **k** is the size of the smallest group;
- **l-diversity**: within each group, the number of distinct values of each sensitive column, a
  null counting as one value (so ``x`` and null are two values); the reached **l** is the smallest
  such count over all groups and sensitive columns; ``None`` when no sensitive column is given;
- with ``suppress_below_k``, the rows of every group smaller than ``required_k`` are removed
  from the table (whole groups, never part of one), and reported: ``suppressed_rows`` and
  ``suppressed_groups`` count them, ``suppressed`` lists the 10 smallest of those groups. The
  returned frame is the table without them (rows in their original order), and k, l,
  ``groups`` and ``smallest_groups`` describe what remains. Without it nothing is removed and
  the frame is returned as given;
- ``passes``: the (remaining) table has rows, ``k >= required_k``, and ``l >= required_l``
  when ``required_l`` is given;
- an empty table (or one whose rows were all suppressed) has no group: ``k = 0``, ``l = 0``
  when sensitive columns are given (``None`` otherwise), and it never passes: there is nothing to
  release, and an empty release must not read as a safe one;
- ``smallest_groups``: the 10 smallest groups, ordered by size, then by their quasi-identifier
  values in order, each compared as its string form (code point order), nulls first. The values
  shown are output values (generalised or pseudonymised), which the report may show.

Refused with ``ValueError``: no quasi-identifier, an unknown, repeated or overlapping column (a
sensitive column cannot be a quasi-identifier), ``required_k < 1``, ``required_l < 1``, or a
``required_l`` without a sensitive column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

SMALLEST_SHOWN = 10
"""How many of the smallest groups (and of the suppressed groups) a report lists."""


@dataclass(frozen=True)
class GroupSize:
    """A group: its quasi-identifier values (as strings, null as ``None``) and its row count."""

    values: tuple[str | None, ...]
    size: int


@dataclass(frozen=True)
class RiskReport:
    rows: int
    """Rows assessed (after suppression)."""
    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[str, ...]
    k: int
    l: int | None  # noqa: E741 - the established name of l-diversity
    groups: int
    smallest_groups: tuple[GroupSize, ...]
    suppressed_rows: int
    suppressed_groups: int
    passes: bool
    required_k: int
    required_l: int | None
    suppressed: tuple[GroupSize, ...] = ()
    """The 10 smallest suppressed groups, in the order of ``smallest_groups``."""


def _check(
    frame: pl.DataFrame,
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str],
    required_k: int,
    required_l: int | None,
) -> None:
    if not quasi_identifiers:
        raise ValueError("at least one quasi-identifier column is needed")
    named = [*quasi_identifiers, *sensitive]
    if len(set(named)) != len(named):
        raise ValueError("a column is named twice among the quasi-identifiers and sensitive ones")
    unknown = [c for c in named if c not in frame.columns]
    if unknown:
        raise ValueError("unknown columns: " + ", ".join(repr(c) for c in unknown))
    if required_k < 1:
        raise ValueError("required_k must be at least 1")
    if required_l is not None:
        if required_l < 1:
            raise ValueError("required_l must be at least 1")
        if not sensitive:
            raise ValueError("required_l needs at least one sensitive column")


def _fresh(name: str, taken: Sequence[str]) -> str:
    while name in taken:
        name = "_" + name
    return name


def _listed(groups: pl.DataFrame, qis: list[str], size: str) -> tuple[GroupSize, ...]:
    """The ``SMALLEST_SHOWN`` smallest of ``groups``, by size then values (as strings, nulls
    first)."""
    shown = (
        groups.select(pl.col(size), *(pl.col(c).cast(pl.String) for c in qis))
        .sort([size, *qis], nulls_last=False, maintain_order=True)
        .head(SMALLEST_SHOWN)
    )
    return tuple(GroupSize(values=tuple(row[1:]), size=int(row[0])) for row in shown.iter_rows())


def assess(
    frame: pl.DataFrame,
    *,
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str] = (),
    required_k: int,
    required_l: int | None = None,
    suppress_below_k: bool = False,
) -> tuple[RiskReport, pl.DataFrame]:
    """k-anonymity and l-diversity of ``frame`` (see the module docstring), and the frame,
    without the rows of groups smaller than ``required_k`` when ``suppress_below_k``."""
    _check(frame, quasi_identifiers, sensitive, required_k, required_l)
    qis = list(quasi_identifiers)
    taken = [*frame.columns]
    size = _fresh("__size", taken)
    diversity = [_fresh(f"__l{i}", taken) for i in range(len(sensitive))]
    stats = frame.group_by(qis).agg(
        pl.len().alias(size),
        *(pl.col(s).n_unique().alias(d) for s, d in zip(sensitive, diversity, strict=True)),
    )
    suppressed_rows = 0
    suppressed_groups = 0
    suppressed: tuple[GroupSize, ...] = ()
    kept = frame
    if suppress_below_k:
        small = stats.filter(pl.col(size) < required_k)
        if small.height:
            suppressed_groups = small.height
            suppressed_rows = int(small.get_column(size).sum())
            suppressed = _listed(small, qis, size)
            stats = stats.filter(pl.col(size) >= required_k)
            # whole groups go: the window size of a row is its group's size (nulls group together)
            kept = frame.filter(pl.len().over(qis) >= required_k)
    k = int(stats.select(pl.col(size).min()).item()) if stats.height else 0
    level: int | None = None
    if sensitive:
        level = (
            int(stats.select(pl.min_horizontal(*(pl.col(d).min() for d in diversity))).item())
            if stats.height
            else 0
        )
    passes = (
        kept.height > 0
        and k >= required_k
        and (required_l is None or (level is not None and level >= required_l))
    )
    report = RiskReport(
        rows=kept.height,
        quasi_identifiers=tuple(qis),
        sensitive=tuple(sensitive),
        k=k,
        l=level,
        groups=stats.height,
        smallest_groups=_listed(stats, qis, size),
        suppressed_rows=suppressed_rows,
        suppressed_groups=suppressed_groups,
        passes=passes,
        required_k=required_k,
        required_l=required_l,
        suppressed=suppressed,
    )
    return report, kept
