"""Reads of the background work's state, shared by /health, /metrics and the staff page: the task
queue, the heartbeats and the usage ingestion (the jobs by state are ``jobs.selectors``').
Aggregates only: no client data."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from laif.ops.beats import SCHEDULE_PREFIX, beats
from laif.ops.liveness import INTERRUPTED, run_condition
from laif.ops.models import Beat
from laif.usage.selectors import (
    ingest_checkpoints,
    ingest_last_done_at,
    ingest_runs_latest,
    ingest_runs_running,
)

if TYPE_CHECKING:
    from laif.usage.models import IngestRun


@dataclass(frozen=True)
class QueueStatus:
    ready: int  # due now
    delayed: int  # waiting for their run_after
    running: int
    oldest_ready_age_s: float | None
    failed_24h: int


def queue_status(now: datetime | None = None) -> QueueStatus:
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    never = get_date_max()
    undelayed = ready.filter(run_after=never).aggregate(n=Count("id"), t=Min("enqueued_at"))
    due = ready.filter(run_after__lte=now).aggregate(n=Count("id"), t=Min("run_after"))
    delayed = ready.filter(run_after__gt=now).exclude(run_after=never).count()
    oldest = [t for t in (undelayed["t"], due["t"]) if t is not None]
    return QueueStatus(
        ready=undelayed["n"] + due["n"], delayed=delayed,
        running=DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        oldest_ready_age_s=max(0.0, (now - min(oldest)).total_seconds()) if oldest else None,
        failed_24h=DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)).count(),
    )


@dataclass(frozen=True)
class FailedTask:
    name: str
    finished_at: datetime | None
    error: str  # the exception's class, never its message or traceback (they may hold data)


def failed_tasks(limit: int = 10) -> list[FailedTask]:
    from django_tasks_db.models import DBTaskResult

    rows = (DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
            .order_by("-finished_at").values_list("task_path", "finished_at",
                                                  "exception_class_path")[:limit])
    return [FailedTask(path.rpartition(".")[2], at, error.rpartition(".")[2])
            for path, at, error in rows]


@dataclass(frozen=True)
class LastRun:
    status: str
    finished_at: datetime | None


def last_runs(task_paths: list[str]) -> dict[str, LastRun]:
    """The most recent finished run of each task."""
    from django_tasks_db.models import DBTaskResult

    found: dict[str, LastRun] = {}
    for path in task_paths:
        row = (DBTaskResult.objects.filter(task_path=path, finished_at__isnull=False)
               .order_by("-finished_at").values_list("status", "finished_at").first())
        if row is not None:
            found[path] = LastRun(row[0], row[1])
    return found


def beat_ages(now: datetime | None = None) -> tuple[dict[str, Beat], dict[str, float]]:
    """Every heartbeat and its age in seconds; ``schedule`` is the newest of the schedule's."""
    now = now or timezone.now()
    rows = beats()
    ages = {name: max(0.0, (now - beat.at).total_seconds()) for name, beat in rows.items()}
    schedule = [age for name, age in ages.items() if name.startswith(SCHEDULE_PREFIX)]
    if schedule:
        ages["schedule"] = min(schedule)
    return rows, ages


@dataclass(frozen=True)
class IngestRunRow:
    run: IngestRun
    condition: str  # the recorded state, or "interrupted"

    @property
    def interrupted(self) -> bool:
        return self.condition == INTERRUPTED


def _rows(runs: list[IngestRun], now: datetime) -> list[IngestRunRow]:
    host = socket.gethostname()
    stale = timedelta(minutes=settings.LAIF_INGEST_STALE_MINUTES)
    return [IngestRunRow(run, run_condition(
                state=run.state, host=run.host, pid=run.pid,
                last_sign=run.heartbeat_at or run.started_at, now=now, this_host=host,
                stale_after=stale))
            for run in runs]


def ingest_runs(limit: int = 20, now: datetime | None = None) -> list[IngestRunRow]:
    """The latest usage ingestions, a run whose process is gone shown as interrupted."""
    return _rows(ingest_runs_latest(limit), now or timezone.now())


@dataclass(frozen=True)
class IngestStatus:
    last_done_at: datetime | None
    lag_s: dict[str, float]  # "source/cluster" -> now - checkpoint
    interrupted: int


def ingest_status(now: datetime | None = None) -> IngestStatus:
    now = now or timezone.now()
    lag = {f"{source}/{cluster}": max(0.0, (now - until).total_seconds())
           for source, cluster, until in ingest_checkpoints()}
    running = ingest_runs_running(limit=1000)
    interrupted = sum(1 for row in _rows(running, now) if row.interrupted)
    return IngestStatus(last_done_at=ingest_last_done_at(), lag_s=lag, interrupted=interrupted)
