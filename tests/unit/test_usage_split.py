"""Usage records split by local calendar month (laif.usage.split): exact to the second,
parts summing to the whole, month boundaries at local midnight across DST. Pure: no database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from laif.usage.sacct import finished_only, parse_sacct_json
from laif.usage.split import (
    SITE_TIME_ZONE,
    month_starts,
    monthly_totals,
    split_by_month,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
_UTC = pl.Datetime("us", "UTC")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def records(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={
        "job_id": pl.Int64, "account": pl.String, "start_time": _UTC, "end_time": _UTC,
        "elapsed_s": pl.Int64, "cpus": pl.Int64, "gpus": pl.Int64, "energy_j": pl.Int64,
        "cpu_seconds": pl.Int64, "gpu_seconds": pl.Int64,
    })


def record(start: datetime | None, end: datetime, elapsed: int | None = None, *, cpus: int = 2,
           gpus: int = 4, energy: int | None = None, job_id: int = 1) -> dict[str, object]:
    if elapsed is None:
        elapsed = int((end - start).total_seconds()) if start else 0
    return {"job_id": job_id, "account": "a", "start_time": start, "end_time": end,
            "elapsed_s": elapsed, "cpus": cpus, "gpus": gpus, "energy_j": energy,
            "cpu_seconds": cpus * elapsed, "gpu_seconds": gpus * elapsed}


@dataclass(frozen=True)
class Case:
    start: datetime | None
    end: datetime
    parts: list[tuple[date, int]]  # (local month, elapsed seconds)
    elapsed: int | None = None
    tz: str = SITE_TIME_ZONE


CASES: dict[str, Case] = {
    "within one month": Case(utc(2026, 5, 10, 10), utc(2026, 5, 10, 12),
                             [(date(2026, 5, 1), 7200)]),
    "January to February (winter: boundary 23:00 UTC)": Case(
        utc(2026, 1, 31, 22), utc(2026, 2, 1, 1),
        [(date(2026, 1, 1), 3600), (date(2026, 2, 1), 7200)]),
    "March to April (summer time: boundary 22:00 UTC on 31 March)": Case(
        utc(2026, 3, 31, 21), utc(2026, 3, 31, 23),
        [(date(2026, 3, 1), 3600), (date(2026, 4, 1), 3600)]),
    "October to November (back to winter time on 25 October)": Case(
        utc(2026, 10, 31, 22, 30), utc(2026, 10, 31, 23, 30),
        [(date(2026, 10, 1), 1800), (date(2026, 11, 1), 1800)]),
    "across the spring DST change inside a month: real seconds": Case(
        utc(2026, 3, 28, 23), utc(2026, 3, 29, 3), [(date(2026, 3, 1), 4 * 3600)]),
    "across the autumn DST change inside a month": Case(
        utc(2026, 10, 24, 23), utc(2026, 10, 25, 3), [(date(2026, 10, 1), 4 * 3600)]),
    "three months": Case(
        utc(2026, 1, 20), utc(2026, 3, 10),
        [(date(2026, 1, 1), 11 * 86400 + 23 * 3600), (date(2026, 2, 1), 28 * 86400),
         (date(2026, 3, 1), 9 * 86400 + 3600)]),
    "December to January (year boundary)": Case(
        utc(2026, 12, 31, 22), utc(2027, 1, 1),
        [(date(2026, 12, 1), 3600), (date(2027, 1, 1), 3600)]),
    "ending exactly at the boundary: no empty part": Case(
        utc(2026, 1, 31, 22), utc(2026, 1, 31, 23), [(date(2026, 1, 1), 3600)]),
    "starting exactly at the boundary": Case(
        utc(2026, 1, 31, 23), utc(2026, 2, 1), [(date(2026, 2, 1), 3600)]),
    "zero-length run: one empty part in its month": Case(
        utc(2026, 3, 31, 22), utc(2026, 3, 31, 22), [(date(2026, 4, 1), 0)]),
    "zero-length run with an elapsed (clock skew): kept whole": Case(
        utc(2026, 3, 31, 22), utc(2026, 3, 31, 22), [(date(2026, 4, 1), 3)], elapsed=3),
    "never started: one empty part in the month it was cancelled": Case(
        None, utc(2026, 3, 31, 22, 30), [(date(2026, 4, 1), 0)]),
    "suspended (elapsed < wall): shared by wall time, floor of the cumulative share": Case(
        utc(2026, 1, 31, 22), utc(2026, 2, 1, 1), [(date(2026, 1, 1), 1666), (date(2026, 2, 1), 3334)],
        elapsed=5000),
    "rounding: 10 s over 1 s + 2 s of wall time": Case(
        utc(2026, 1, 31, 22, 59, 59), utc(2026, 1, 31, 23, 0, 2),
        [(date(2026, 1, 1), 3), (date(2026, 2, 1), 7)], elapsed=10),
    "UTC site": Case(utc(2026, 1, 31, 23), utc(2026, 2, 1, 1),
                     [(date(2026, 1, 1), 3600), (date(2026, 2, 1), 3600)], tz="UTC"),
    "local midnight skipped (Havana, 1 April 2012: 00:00 -> 01:00 at 05:00 UTC)": Case(
        utc(2012, 4, 1, 4), utc(2012, 4, 1, 6),
        [(date(2012, 3, 1), 3600), (date(2012, 4, 1), 3600)], tz="America/Havana"),
    "local midnight twice (Havana, 1 November 2026: first 00:00 at 04:00 UTC)": Case(
        utc(2026, 11, 1, 3, 30), utc(2026, 11, 1, 4, 30),
        [(date(2026, 10, 1), 1800), (date(2026, 11, 1), 1800)], tz="America/Havana"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_split(case: Case) -> None:
    df = records([record(case.start, case.end, case.elapsed, energy=1001)])
    parts = split_by_month(df, tz=case.tz)
    assert list(zip(parts["month"], parts["elapsed_s"], strict=True)) == case.parts
    total = df.item(0, "elapsed_s")
    assert parts["elapsed_s"].sum() == total
    assert parts["gpu_seconds"].to_list() == [4 * s for _, s in case.parts]
    assert parts["cpu_seconds"].to_list() == [2 * s for _, s in case.parts]
    assert parts["energy_j"].sum() == 1001
    assert parts["part_start"][0] == (case.start or case.end)
    assert parts["part_end"][-1] == case.end
    assert parts["part_start"][1:].to_list() == parts["part_end"][:-1].to_list()  # contiguous


def test_month_starts_in_luxembourg() -> None:
    starts = month_starts(date(2026, 1, 15), date(2026, 12, 1))
    instants = [datetime.fromtimestamp(s, UTC) for s in starts]
    assert len(instants) == 13  # January to December, and the start of January 2027
    assert instants[0] == utc(2025, 12, 31, 23)
    assert instants[3] == utc(2026, 3, 31, 22)  # April: summer time
    assert instants[10] == utc(2026, 10, 31, 23)  # November: winter time again
    assert instants[12] == utc(2026, 12, 31, 23)


def test_parts_sum_exactly_to_the_whole_on_random_records() -> None:
    rnd = random.Random(7)
    rows = []
    base = utc(2026, 1, 1)
    for i in range(3000):
        start = base + timedelta(seconds=rnd.randrange(365 * 86400))
        wall = rnd.choice([0, 1, 59, 3600, 86400 * 3, 86400 * 40, 86400 * 100]) + rnd.randrange(7)
        elapsed = rnd.randrange(wall + 1) if rnd.random() < 0.3 else wall
        energy = None if rnd.random() < 0.5 else rnd.randrange(10**12)
        rows.append(record(start, start + timedelta(seconds=wall), elapsed, cpus=rnd.randrange(1, 9),
                           gpus=rnd.randrange(9), energy=energy, job_id=i))
    df = records(rows)
    parts = split_by_month(df)
    sums = parts.group_by("job_id").agg(
        pl.col("elapsed_s", "cpu_seconds", "gpu_seconds", "energy_j").sum(),
        n=pl.len(), negative=(pl.col("elapsed_s") < 0).any(),
        energy_null=pl.col("energy_j").is_null().all(),
    ).sort("job_id")
    whole = df.sort("job_id")
    for column in ("elapsed_s", "cpu_seconds", "gpu_seconds"):
        assert sums[column].to_list() == whole[column].to_list()
    reported = whole["energy_j"].is_not_null()
    assert sums.filter(reported)["energy_j"].to_list() == whole.filter(reported)["energy_j"].to_list()
    assert sums.filter(~reported)["energy_null"].all()
    assert not sums["negative"].any()
    assert parts.height > df.height  # some runs crossed boundaries
    assert sums["n"].max() == 5  # 100 days touch at most 5 months
    # each part within one second of its exact share
    exact = parts.with_columns(
        share=pl.col("elapsed_s").sum().over("job_id")
        * (pl.col("part_end") - pl.col("part_start")).dt.total_seconds()
        / (pl.col("end_time") - pl.col("start_time")).dt.total_seconds()
    ).filter(pl.col("end_time") > pl.col("start_time"))
    assert ((exact["elapsed_s"] - exact["share"]).abs() < 1).all()


def test_other_columns_are_kept_and_totals_per_month() -> None:
    df = records([
        record(utc(2026, 3, 31, 21), utc(2026, 3, 31, 23), energy=100, job_id=1),
        record(utc(2026, 3, 5), utc(2026, 3, 5, 1), energy=None, job_id=2),
    ])
    parts = split_by_month(df)
    assert parts.columns == [*df.columns, "month", "part_start", "part_end"]
    assert parts["job_id"].to_list() == [1, 1, 2]
    totals = monthly_totals(parts)
    assert totals.rows() == [
        ("a", date(2026, 3, 1), 7200, 14400, 28800, None, 2),  # job 2 reported no energy
        ("a", date(2026, 4, 1), 3600, 7200, 14400, 50, 1),
    ]


def test_empty_input() -> None:
    parts = split_by_month(records([]))
    assert parts.height == 0
    assert parts.schema["month"] == pl.Date
    assert parts.schema["part_start"] == _UTC


@pytest.mark.parametrize(("row", "message"), [
    (record(utc(2026, 1, 1), utc(2026, 1, 2)) | {"end_time": None}, "no end_time"),
    (record(utc(2026, 1, 2), utc(2026, 1, 1), 0), "ends before it starts"),
    (record(utc(2026, 1, 1), utc(2026, 1, 2), -1), "negative elapsed_s"),
    (record(None, utc(2026, 1, 2), 5), "never started but has an elapsed_s"),
    (record(utc(2026, 1, 1), utc(2026, 1, 2), energy=-5), "negative energy_j"),
])
def test_invalid_records_are_refused(row: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_by_month(records([row]))


def test_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="lack the columns"):
        split_by_month(records([]).drop("elapsed_s"))
    with pytest.raises(ValueError, match="need gpus"):
        split_by_month(records([record(utc(2026, 1, 1), utc(2026, 1, 2))]).drop("gpus"))


def test_the_fixtures_end_to_end() -> None:
    frames = [parse_sacct_json((FIXTURES / f"sacct_{name}.json").read_bytes())
              for name in ("completed", "array", "requeued", "typed_gpu", "states")]
    usage = finished_only(pl.concat(frames))
    totals = monthly_totals(split_by_month(usage))
    # job 1: 2 GPUs x 5 s; array: 4 x 1 x 5; requeued: 2 x 4 + 2 x 25; 7: 1 x 5; 8: 4 x 5;
    # 9: 0 s; 10: 1 x 69; 11: 1 x 9; 12: never started
    assert totals.rows() == [
        ("laifbudget", date(2026, 11, 1), 0, 0, 0, None, 1),
        ("laiftest", date(2026, 11, 1), 5 + 20 + 29 + 10 + 78, 5 + 20 + 29 + 10 + 78,
         10 + 20 + 58 + 5 + 20 + 69 + 9, None, 12),
    ]
