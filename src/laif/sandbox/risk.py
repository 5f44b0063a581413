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

A table too large for memory is assessed batch by batch: :class:`GroupCounter` merges each
batch's group sizes and (group, sensitive value) pairs, and gives the same report as
:func:`assess` on the whole table; both end in :func:`summarise`, the one implementation of the
final computation (suppression, k, l, ``passes``, the groups listed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def check_request(
    columns: Sequence[str],
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str],
    required_k: int,
    required_l: int | None,
) -> None:
    """Refuse (``ValueError``) an assessment that cannot be made on a table of ``columns`` (see
    the module docstring)."""
    if not quasi_identifiers:
        raise ValueError("at least one quasi-identifier column is needed")
    named = [*quasi_identifiers, *sensitive]
    if len(set(named)) != len(named):
        raise ValueError("a column is named twice among the quasi-identifiers and sensitive ones")
    unknown = [c for c in named if c not in columns]
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


@dataclass(frozen=True)
class StatNames:
    """The names of the computed columns of a table of group statistics: ``size``, the rows of
    the group, and per sensitive column the number of its distinct values in the group (null
    counting as one), none of them a column of the table."""

    size: str
    diversity: tuple[str, ...]


def stat_names(columns: Sequence[str], sensitive_count: int) -> StatNames:
    """Names for the statistics of a table of ``columns`` that clash with none of them."""
    return StatNames(
        size=_fresh("__size", columns),
        diversity=tuple(_fresh(f"__l{i}", columns) for i in range(sensitive_count)),
    )


def group_stats(
    frame: pl.DataFrame,
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str],
    names: StatNames,
) -> pl.DataFrame:
    """One row per group of ``frame``: its quasi-identifier values, its size, and the number of
    distinct values of each sensitive column in it (``names``)."""
    return frame.group_by(list(quasi_identifiers)).agg(
        pl.len().alias(names.size),
        *(pl.col(s).n_unique().alias(d) for s, d in zip(sensitive, names.diversity, strict=True)),
    )


def _listed(groups: pl.DataFrame, qis: list[str], size: str) -> tuple[GroupSize, ...]:
    """The ``SMALLEST_SHOWN`` smallest of ``groups``, by size then values (as strings, nulls
    first)."""
    shown = (
        groups.select(pl.col(size), *(pl.col(c).cast(pl.String) for c in qis))
        .sort([size, *qis], nulls_last=False, maintain_order=True)
        .head(SMALLEST_SHOWN)
    )
    return tuple(GroupSize(values=tuple(row[1:]), size=int(row[0])) for row in shown.iter_rows())


def summarise(
    stats: pl.DataFrame,
    *,
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str],
    names: StatNames,
    required_k: int,
    required_l: int | None = None,
    suppress_below_k: bool = False,
) -> tuple[RiskReport, pl.DataFrame]:
    """The report on a table from its group statistics (:func:`group_stats`, or the same table
    gathered batch by batch by :class:`GroupCounter`), and the quasi-identifier values of the
    groups suppressed (no row when none is). The one implementation of the final computation:
    suppression, k, l, ``passes`` and the groups listed."""
    qis = list(quasi_identifiers)
    suppressed_rows = 0
    suppressed: tuple[GroupSize, ...] = ()
    small = stats.clear()
    if suppress_below_k:
        small = stats.filter(pl.col(names.size) < required_k)
        if small.height:
            suppressed_rows = int(small.get_column(names.size).sum())
            suppressed = _listed(small, qis, names.size)
            stats = stats.filter(pl.col(names.size) >= required_k)
    rows = int(stats.get_column(names.size).sum()) if stats.height else 0
    k = int(stats.select(pl.col(names.size).min()).item()) if stats.height else 0
    level: int | None = None
    if sensitive:
        level = (
            int(stats.select(pl.min_horizontal(*(pl.col(d).min() for d in names.diversity))).item())
            if stats.height
            else 0
        )
    passes = (
        rows > 0
        and k >= required_k
        and (required_l is None or (level is not None and level >= required_l))
    )
    report = RiskReport(
        rows=rows,
        quasi_identifiers=tuple(qis),
        sensitive=tuple(sensitive),
        k=k,
        l=level,
        groups=stats.height,
        smallest_groups=_listed(stats, qis, names.size),
        suppressed_rows=suppressed_rows,
        suppressed_groups=small.height,
        passes=passes,
        required_k=required_k,
        required_l=required_l,
        suppressed=suppressed,
    )
    return report, small.select(qis)


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
    check_request(frame.columns, quasi_identifiers, sensitive, required_k, required_l)
    qis = list(quasi_identifiers)
    names = stat_names(frame.columns, len(sensitive))
    report, small = summarise(
        group_stats(frame, qis, sensitive, names),
        quasi_identifiers=qis,
        sensitive=sensitive,
        names=names,
        required_k=required_k,
        required_l=required_l,
        suppress_below_k=suppress_below_k,
    )
    kept = frame
    if small.height:
        # whole groups go: the window size of a row is its group's size (nulls group together)
        kept = frame.filter(pl.len().over(qis) >= required_k)
    return report, kept


class GroupCounter:
    """The group statistics of a table given batch by batch (:meth:`add`), without the table:
    the size of each group, and per sensitive column the distinct (group, value) pairs, merged
    across batches. :meth:`report` equals :func:`assess` on the whole table. Memory: one row per
    group and per distinct (group, sensitive value) pair, at most about twice that between two
    merges (partial results are merged when they outgrow what was merged before)."""

    def __init__(self, quasi_identifiers: Sequence[str], sensitive: Sequence[str] = ()) -> None:
        if not quasi_identifiers:
            raise ValueError("at least one quasi-identifier column is needed")
        self.quasi_identifiers = tuple(quasi_identifiers)
        self.sensitive = tuple(sensitive)
        self.names = stat_names([*quasi_identifiers, *sensitive], len(sensitive))
        self.rows = 0
        self._sizes = _Merged(list(quasi_identifiers), self._merge_sizes)
        self._pairs = [
            _Merged([*quasi_identifiers, s], lambda frame: frame.unique()) for s in sensitive
        ]

    def _merge_sizes(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by(list(self.quasi_identifiers)).agg(pl.col(self.names.size).sum())

    def add(self, frame: pl.DataFrame) -> None:
        """Count the rows of ``frame`` (which has the quasi-identifier and sensitive columns)."""
        qis = list(self.quasi_identifiers)
        self.rows += frame.height
        self._sizes.add(frame.group_by(qis).agg(pl.len().cast(pl.Int64).alias(self.names.size)))
        for merged, column in zip(self._pairs, self.sensitive, strict=True):
            merged.add(frame.select(*qis, column).unique())

    def stats(self) -> pl.DataFrame:
        """The statistics of every row added so far, as :func:`group_stats` gives them."""
        qis = list(self.quasi_identifiers)
        stats = self._sizes.result()
        if stats is None:  # nothing added: no group
            return pl.DataFrame(
                schema={
                    **dict.fromkeys(qis, pl.String),
                    self.names.size: pl.Int64,
                    **dict.fromkeys(self.names.diversity, pl.Int64),
                }
            )
        for merged, name in zip(self._pairs, self.names.diversity, strict=True):
            pairs = merged.result()
            assert pairs is not None  # added with the sizes
            stats = stats.join(
                pairs.group_by(qis).agg(pl.len().cast(pl.Int64).alias(name)),
                on=qis,
                how="left",
                nulls_equal=True,
            )
        return stats

    def report(
        self, *, required_k: int, required_l: int | None = None, suppress_below_k: bool = False
    ) -> tuple[RiskReport, pl.DataFrame]:
        """:func:`summarise` of :meth:`stats`: the report and the suppressed groups' values."""
        check_request(
            [*self.quasi_identifiers, *self.sensitive],
            self.quasi_identifiers,
            self.sensitive,
            required_k,
            required_l,
        )
        return summarise(
            self.stats(),
            quasi_identifiers=self.quasi_identifiers,
            sensitive=self.sensitive,
            names=self.names,
            required_k=required_k,
            required_l=required_l,
            suppress_below_k=suppress_below_k,
        )


_MERGE_MIN_ROWS = 65_536


class _Merged:
    """Partial results merged by ``merge`` (which must be associative): parts are kept until
    they hold more rows than the merged result (and at least ``_MERGE_MIN_ROWS``), so merging
    costs O(n log n) in all, not a merge of everything per batch."""

    def __init__(self, columns: list[str], merge: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
        self._columns = columns
        self._merge = merge
        self._merged: pl.DataFrame | None = None
        self._parts: list[pl.DataFrame] = []
        self._pending = 0

    def add(self, part: pl.DataFrame) -> None:
        self._parts.append(part)
        self._pending += part.height
        done = self._merged.height if self._merged is not None else 0
        if self._pending > max(done, _MERGE_MIN_ROWS):
            self._flush()

    def _flush(self) -> None:
        parts = [self._merged, *self._parts] if self._merged is not None else self._parts
        if parts:
            self._merged = self._merge(pl.concat(parts, how="vertical_relaxed"))
        self._parts = []
        self._pending = 0

    def result(self) -> pl.DataFrame | None:
        self._flush()
        return self._merged
