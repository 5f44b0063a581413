"""What the usage ledger needs to know of the platform's own jobs, without importing ``jobs``
(which sits above it, ADR 0020): the context that owns jobs registers one ``JobsReader`` in its
``AppConfig.ready`` (the pattern of ``accounts.hooks``).

Two things are read through it:

- a balance's *reserved* part (the worst case of an allocation's unfinished jobs) and its
  *unrecorded* part (the allocation's finished runs that the ledger has not ingested yet,
  ``balance``);
- the local runner's finished jobs, which are its usage records (``services.usage_ingest_local``).

Without a registered reader a balance cannot be computed: asking raises rather than counting
the jobs as none (a balance without its reserved part would let a project overspend).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol


class FinishedRun(NamedTuple):
    """A finished job of the platform's, as a balance counts it until the ledger has it."""

    allocation_id: int
    scheduler: str  # the job's scheduler ("local", or the Slurm cluster's name)
    gpus: int
    array_size: int
    time_limit_minutes: int
    started_at: datetime
    ended_at: datetime


class LocalRun(NamedTuple):
    """A finished job of the local runner, the source of its usage record."""

    job_id: int
    submit_time: datetime
    project_id: int
    user_id: int | None
    user: str | None  # the submitter's cluster username
    partition: str
    state: str
    start_time: datetime | None
    end_time: datetime
    gpus: int
    energy_j: int | None = None  # measured by the runner (NVML); None: not measured


class JobsReader(Protocol):
    def reserved_gpu_minutes(self, allocation_ids: Sequence[int]) -> dict[int, int]:
        """The worst case of each allocation's unfinished jobs (waiting or running)."""

    def finished_runs(self, allocation_ids: Sequence[int],
                      ingested_until: Mapping[str, datetime]) -> list[FinishedRun]:
        """The allocations' finished runs (with a start, an end and GPUs) that the ledger does
        not have yet: those of a scheduler not in ``ingested_until``, or that ended after it."""

    def local_runs(self, since: datetime, until: datetime) -> list[LocalRun]:
        """The local runner's jobs that finished between ``since`` and ``until``."""


_readers: list[JobsReader] = []


def register_jobs_reader(reader: JobsReader) -> None:
    """Called once by the app that owns jobs (a second call replaces the first)."""
    _readers[:] = [reader]


def jobs_reader() -> JobsReader:
    if not _readers:
        raise RuntimeError("no JobsReader is registered: the jobs app is not installed")
    return _readers[0]
