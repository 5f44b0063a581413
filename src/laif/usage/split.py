"""Usage records split by calendar month of the site's time zone. Pure (no Django), vectorised.

A usage ledger is kept per month; a job that runs across a month boundary (or several) is split
into one part per month it ran in, in proportion to the time it ran in each:

- a month starts at local midnight of its 1st day in the site's time zone (default
  ``Europe/Luxembourg``), i.e. at the first instant whose local date is the 1st: 22:00 or 23:00 UTC
  the day before in Luxembourg depending on summer time; where a zone skips midnight (clocks
  jump from 00:00 to 01:00) the month starts at the jump; where midnight happens twice it starts
  at the first. Boundaries come from the system's tz database (``zoneinfo``);
- the run's wall interval ``[start_time, end_time)`` is cut at those boundaries; ``elapsed_s``
  (Slurm's elapsed time, which leaves out suspended time) is shared out in proportion to the wall
  seconds of each part, in integers, by **cumulative flooring**: with ``T`` the wall seconds of the
  run and ``c_k`` the wall seconds from its start to the end of part ``k``, part ``k`` gets
  ``floor(E * c_k / T) - floor(E * c_(k-1) / T)``. The parts sum exactly to ``E`` (the sum
  telescopes to ``floor(E * T / T)``), each is within one second of its exact share, and the rule
  depends on nothing but the record itself. When ``E == T`` (the usual case, nothing suspended)
  each part is exactly the seconds the job ran in that month;
- ``energy_j`` is shared out the same way (null stays null);
- ``cpu_seconds = cpus x part`` and ``gpu_seconds = gpus x part`` of every part, so they too sum
  exactly to the record's;
- a run that never started (null ``start_time``: cancelled while pending) has no usage: it gets one
  part of zero seconds in the month of its ``end_time``, so every record appears in the result;
- a zero-length run gets one part of its elapsed time in the month it started in.

``split_by_month`` keeps every input column, replaces the split quantities (``elapsed_s``,
``cpu_seconds``, ``gpu_seconds``, ``energy_j``) by the part's, and adds ``month`` (the local first
day, a date), ``part_start`` and ``part_end`` (UTC instants). ``monthly_totals`` sums the parts.
Only finished runs (``end_time`` set) can be split: see ``sacct.finished_only``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

SITE_TIME_ZONE = "Europe/Luxembourg"

SPLIT_COLUMNS = ("elapsed_s", "cpu_seconds", "gpu_seconds", "energy_j")
"""The quantities shared out between a record's parts."""

_UTC = pl.Datetime("us", "UTC")
_MAX_WALL_S = 2**31  # 68 years: keeps every product below 2**63


def month_starts(first: date, last: date, tz: str = SITE_TIME_ZONE) -> list[int]:
    """Epoch seconds of the first instant of every month from ``first``'s month to the month after
    ``last``'s (so the last month has its end too). One zoneinfo conversion per month."""
    zone = ZoneInfo(tz)
    index = first.year * 12 + first.month - 1
    stop = last.year * 12 + last.month  # the month after last's
    # fold=0: in a gap this maps to the jump, in a repeated hour to the first occurrence
    return [
        int(datetime(i // 12, i % 12 + 1, 1, tzinfo=zone).timestamp())
        for i in range(index, stop + 1)
    ]


def split_by_month(df: pl.DataFrame, *, tz: str = SITE_TIME_ZONE) -> pl.DataFrame:
    """One row per (record, local calendar month it ran in); see the module's docstring."""
    required = {"start_time", "end_time", "elapsed_s"}
    missing = required - set(df.columns)
    if missing:
        raise ValueError(f"usage records lack the columns {sorted(missing)}")
    zone = ZoneInfo(tz)
    work = df.with_columns(
        _s=pl.coalesce("start_time", "end_time").dt.epoch("s"),
        _e=pl.col("end_time").dt.epoch("s"),
        _E=pl.col("elapsed_s").cast(pl.Int64),
    )
    _check(work)
    if work.height == 0:
        return _empty(df)

    low, high = work.select(pl.col("_s").min(), pl.col("_e").max()).row(0)
    first = datetime.fromtimestamp(low, zone).date()
    last = datetime.fromtimestamp(high, zone).date()
    starts = pl.Series("starts", month_starts(first, last, tz), dtype=pl.Int64)
    months = pl.Series(
        "months",
        [date(i // 12, i % 12 + 1, 1)
         for i in range(first.year * 12 + first.month - 1, last.year * 12 + last.month)],
        dtype=pl.Date,
    )
    # month index (into ``starts``) of a run's first and last second
    lo = starts.search_sorted(work["_s"], side="right").cast(pl.Int64) - 1
    last_second = work.select(pl.max_horizontal(pl.col("_e") - 1, "_s")).to_series()
    hi = starts.search_sorted(last_second, side="right").cast(pl.Int64) - 1
    parts = (
        work.with_columns(_m=pl.int_ranges(lo, hi + 1, dtype=pl.Int64))
        .explode("_m", empty_as_null=True, keep_nulls=True)  # never empty: hi >= lo
        .with_columns(
            _b0=pl.lit(starts).gather(pl.col("_m")),
            _b1=pl.lit(starts).gather(pl.col("_m") + 1),
        )
        .with_columns(
            _p0=pl.max_horizontal("_s", "_b0"),
            _p1=pl.min_horizontal("_e", "_b1"),
            _T=pl.col("_e") - pl.col("_s"),
        )
    )
    before = pl.col("_p0") - pl.col("_s")  # wall seconds of the run before this part
    through = pl.col("_p1") - pl.col("_s")  # ... up to the end of this part

    def share(total: pl.Expr) -> pl.Expr:
        return pl.when(pl.col("_T") == 0).then(total).otherwise(
            _floor_ratio(total, through, pl.col("_T")) - _floor_ratio(total, before, pl.col("_T"))
        )

    elapsed = share(pl.col("_E"))
    replaced: dict[str, pl.Expr] = {"elapsed_s": elapsed.cast(df.schema["elapsed_s"])}
    if "cpu_seconds" in df.columns:
        replaced["cpu_seconds"] = _times("cpus", elapsed, df)
    if "gpu_seconds" in df.columns:
        replaced["gpu_seconds"] = _times("gpus", elapsed, df)
    if "energy_j" in df.columns:
        replaced["energy_j"] = share(pl.col("energy_j").cast(pl.Int64))
    return parts.select(
        *[replaced.get(name, pl.col(name)).alias(name) for name in df.columns],
        month=pl.lit(months).gather(pl.col("_m")),
        part_start=pl.from_epoch("_p0", time_unit="s").dt.replace_time_zone("UTC"),
        part_end=pl.from_epoch("_p1", time_unit="s").dt.replace_time_zone("UTC"),
    )


def monthly_totals(parts: pl.DataFrame, by: Sequence[str] = ("account",)) -> pl.DataFrame:
    """Sums of the split quantities per ``by`` and month (from ``split_by_month``), sorted, with
    the number of parts (``records``). ``energy_j`` is null where a part did not report energy."""
    keys = [*by, "month"]
    sums = [pl.col(c).sum() for c in SPLIT_COLUMNS if c in parts.columns and c != "energy_j"]
    if "energy_j" in parts.columns:  # a total of energy only where every part reported it
        energy = pl.col("energy_j")
        sums.append(pl.when(energy.is_null().any()).then(None).otherwise(energy.sum()))
    return parts.group_by(keys).agg(*sums, records=pl.len()).sort(keys)


def _floor_ratio(total: pl.Expr, part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """floor(total * part / whole) for 0 <= part <= whole, without overflowing int64:
    (total // whole) * part + ((total % whole) * part) // whole."""
    return (total // whole) * part + ((total % whole) * part) // whole


def _times(count: str, elapsed: pl.Expr, df: pl.DataFrame) -> pl.Expr:
    if count not in df.columns:
        raise ValueError(f"usage records with {count.removesuffix('s')}_seconds need {count}")
    return (pl.col(count).cast(pl.Int64) * elapsed).cast(pl.Int64)


def _check(work: pl.DataFrame) -> None:
    checks = (
        ("has no end_time (split finished runs only)", pl.col("_e").is_null()),
        ("ends before it starts", pl.col("_e") < pl.col("_s")),
        ("has no elapsed_s", pl.col("_E").is_null()),
        ("has a negative elapsed_s", pl.col("_E") < 0),
        ("never started but has an elapsed_s", pl.col("start_time").is_null() & (pl.col("_E") > 0)),
        ("ran for more than 68 years", (pl.col("_e") - pl.col("_s")) >= _MAX_WALL_S),
        ("has a negative energy_j",
         (pl.col("energy_j") < 0) if "energy_j" in work.columns else pl.lit(False)),
    )
    found = work.select(
        [expr.arg_true().first().alias(str(i)) for i, (_, expr) in enumerate(checks)]
    ).row(0)
    for (problem, _), index in zip(checks, found, strict=True):
        if index is not None:
            raise ValueError(f"usage record {index} {problem}")


def _empty(df: pl.DataFrame) -> pl.DataFrame:
    return df.clear().with_columns(
        month=pl.lit(None, dtype=pl.Date),
        part_start=pl.lit(None, dtype=_UTC),
        part_end=pl.lit(None, dtype=_UTC),
    )

