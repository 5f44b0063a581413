"""The usage ledger's records resolved to what they are charged to, by polars joins against frames
read in one query each (``read_lookups``): the Slurm account to the project whose account it is
and its organisation, the Unix user to the person; each run split by calendar month of the site's
time zone (``split``) and each part charged to the project's allocation whose dates contain its
last second (the one that started first, then the lowest id, when several do). Unknown accounts,
people and allocations stay null. ``services`` writes what this returns."""

from __future__ import annotations

import polars as pl

from laif.accounts.selectors import identity_usernames
from laif.allocations.selectors import allocation_spans
from laif.cluster.selectors import project_accounts
from laif.usage.split import split_by_month

Lookups = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
"""Projects by Slurm account, people by Unix user, allocations (``read_lookups``)."""


def usage_prepare(records: pl.DataFrame, *, tz: str, lookups: Lookups | None = None,
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records to write (sorted by end time, ``_row`` their position, project, organisation
    and person resolved) and their monthly parts (``_row``, the entry's columns). ``lookups``
    (``read_lookups()``) are read from the database when not given."""
    projects, identities, allocations = lookups or read_lookups()
    df = records.sort("end_time", "cluster", "job_id", "submit_time", maintain_order=True)
    if "project_id" not in df.columns:
        df = df.join(projects.select("account", "project_id"), on="account", how="left")
    if "user_id" not in df.columns:
        df = df.join(identities, on="user", how="left")
    df = df.join(projects.select("project_id", "organisation_id"), on="project_id", how="left")
    text = {"cluster": 64, "user": 64, "account": 64, "partition": 64, "state": 24}
    df = df.with_row_index("_row").with_columns(
        pl.col("_row").cast(pl.Int64),
        *[pl.col(c).fill_null("").str.slice(0, n) for c, n in text.items()],
    ).rename({"user": "username"})
    parts = split_by_month(
        df.select("_row", "project_id", "organisation_id", "user_id", "partition", "start_time",
                  "end_time", "elapsed_s", "cpus", "gpus", "cpu_seconds", "gpu_seconds",
                  "energy_j"), tz=tz)
    last_second = pl.max_horizontal("part_start", pl.col("part_end") - pl.duration(seconds=1))
    parts = parts.with_columns(_day=last_second.dt.convert_time_zone(tz).dt.date(),
                               _prow=pl.int_range(pl.len(), dtype=pl.Int64))
    charged = (
        parts.select("_prow", "project_id", "_day")
        .join(allocations, on="project_id", how="inner")
        .filter((pl.col("start") <= pl.col("_day")) & (pl.col("end") >= pl.col("_day")))
        .group_by("_prow")
        .agg(allocation_id=pl.col("allocation_id").sort_by("start", "allocation_id").first())
    )
    parts = parts.join(charged, on="_prow", how="left").sort("_prow").select(
        "_row", "month", "project_id", "organisation_id", "user_id", "allocation_id",
        "partition", "elapsed_s", "cpu_seconds", "gpu_seconds", "energy_j")
    return df, parts


def project_frame() -> pl.DataFrame:
    return pl.DataFrame(project_accounts(), orient="row", schema={
        "account": pl.String, "project_id": pl.Int64, "organisation_id": pl.Int64,
    }).unique("account", keep="first", maintain_order=True)


def read_lookups() -> Lookups:
    identities = pl.DataFrame(
        identity_usernames(), orient="row",
        schema={"user": pl.String, "user_id": pl.Int64},
    ).unique("user", keep="first")
    allocations = pl.DataFrame(
        allocation_spans(), orient="row",
        schema={"allocation_id": pl.Int64, "project_id": pl.Int64, "start": pl.Date,
                "end": pl.Date},
    )
    return project_frame(), identities, allocations
