"""The balance of allocations: the one place where granted, used, reserved and left are read
(``budget`` holds the arithmetic). Every page, the API, the CLI, the job pre-check and the
scheduler's limit take their figures from here (ADR 0017).

Reads only, without access checks: callers are services that hold the allocations' row locks,
or selectors that have already checked what the requester may see.

- used: the ledger's GPU-seconds charged to the allocation (from its running totals,
  ``ledger_totals``), plus the platform's own finished jobs charged to it that ended after the
  ledger's last ingestion of their scheduler (the ledger's checkpoint), counted from their start
  and end until the ledger has them;
- reserved: the worst case of the allocation's jobs that have not finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from laif.allocations.models import IN_FORCE_STATES, Allocation
from laif.compute import budget
from laif.compute.budget import Balance
from laif.compute.ledger_models import IngestCheckpoint, UsageSource, UsageTotal
from laif.compute.models import ACTIVE_JOB_STATES, FINISHED_JOB_STATES, Job, JobState

LOCAL = "local"


def hours_text(gpu_minutes: int) -> str:
    """GPU-minutes as GPU-hours with two decimals in the page's language (1,234.50 / 1 234,50):
    how every page shows a balance."""
    return number_format(budget.hours_of(gpu_minutes), decimal_pos=2, force_grouping=True)


def hours_and_minutes_text(gpu_minutes: int) -> str:
    """"12.50 GPU-hours (750 GPU-minutes)": grants are in hours, Slurm and worst cases in
    minutes; messages give both."""
    return _("%(hours)s GPU-hours (%(minutes)s GPU-minutes)") % {
        "hours": hours_text(gpu_minutes),
        "minutes": number_format(gpu_minutes, force_grouping=True)}


@dataclass(frozen=True)
class Holder:
    """An unfinished job and the GPU-minutes it reserves."""

    job_id: int
    name: str
    state: str
    gpu_minutes: int


def allocations_in_force(project_id: int, today: date | None = None) -> QuerySet[Allocation]:
    """The project's allocations that take new jobs on ``today``: their balance together is what
    a new job must fit in, and what the scheduler's limit lets the project start."""
    day = today or timezone.localdate()
    return Allocation.objects.filter(project_id=project_id, state__in=IN_FORCE_STATES,
                                     start__lte=day, end__gte=day).order_by("id")


def _checkpoints() -> dict[str, datetime]:
    """Until when the ledger holds each scheduler's runs, by the scheduler's name (a job's
    ``Job.scheduler``): the local runner's checkpoint, and each Slurm-like scheduler's."""
    found: dict[str, datetime] = {}
    for source, cluster, until in IngestCheckpoint.objects.filter(
            source__in=[UsageSource.SLURM, UsageSource.LOCAL]).values_list(
            "source", "cluster", "ingested_until"):
        if (source == UsageSource.LOCAL) == (cluster == LOCAL):
            found[cluster] = until
    return found


def _reserved(ids: Sequence[int]) -> dict[int, int]:
    rows = (Job.objects.filter(allocation_id__in=ids, state__in=ACTIVE_JOB_STATES).order_by()
            .values("allocation_id")
            .annotate(total=Sum(F("array_size") * F("gpus") * F("time_limit_minutes"))))
    return {row["allocation_id"]: int(row["total"] or 0) for row in rows}


def _ledger(ids: Sequence[int]) -> dict[int, int]:
    rows = (UsageTotal.objects.filter(allocation_id__in=ids).order_by()
            .values("allocation_id").annotate(total=Sum("gpu_seconds")))
    return {row["allocation_id"]: int(row["total"] or 0) for row in rows}


def _unrecorded(ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(GPU-seconds, jobs) of the allocations' finished runs the ledger does not have yet."""
    checkpoints = _checkpoints()
    not_yet = Q(~Q(scheduler__in=list(checkpoints)))
    for scheduler, until in checkpoints.items():
        not_yet |= Q(scheduler=scheduler, ended_at__gt=until)
    found: dict[int, tuple[int, int]] = {}
    for allocation_id, scheduler, gpus, array_size, minutes, started, ended in (
            Job.objects.filter(allocation_id__in=ids, state__in=FINISHED_JOB_STATES,
                               started_at__isnull=False, ended_at__isnull=False, gpus__gt=0)
            .filter(not_yet).order_by()
            .values_list("allocation_id", "scheduler", "gpus", "array_size",
                         "time_limit_minutes", "started_at", "ended_at")):
        if started is None or ended is None:
            continue
        seconds = budget.unrecorded_gpu_seconds(
            gpus=gpus, array_size=array_size, time_limit_minutes=minutes,
            elapsed_seconds=int((ended - started).total_seconds()),
            tasks_in_parallel=scheduler != LOCAL)
        total, jobs = found.get(allocation_id, (0, 0))
        found[allocation_id] = (total + seconds, jobs + 1)
    return found


def balances_of(allocations: Iterable[Allocation]) -> dict[int, Balance]:
    """Each allocation's balance, by id (four queries whatever the number of allocations)."""
    items = list(allocations)
    ids = [a.pk for a in items]
    if not ids:
        return {}
    ledger, unrecorded, reserved = _ledger(ids), _unrecorded(ids), _reserved(ids)
    result: dict[int, Balance] = {}
    for allocation in items:
        seconds, jobs = unrecorded.get(allocation.pk, (0, 0))
        result[allocation.pk] = budget.balance_of(
            granted_gpu_hours=int(allocation.granted_gpu_hours),
            ledger_gpu_seconds=ledger.get(allocation.pk, 0), unrecorded_gpu_seconds=seconds,
            reserved_gpu_minutes=reserved.get(allocation.pk, 0), unrecorded_jobs=jobs)
    return result


def running_reserved(allocation_ids: Sequence[int]) -> int:
    """The worst case of the allocations' jobs that have started (running, or in a state the
    platform could not read): what the scheduler's limit keeps for them."""
    total = (Job.objects.filter(allocation_id__in=allocation_ids,
                                state__in=[JobState.RUNNING, JobState.UNKNOWN]).order_by()
             .aggregate(total=Sum(F("array_size") * F("gpus") * F("time_limit_minutes"))))
    return int(total["total"] or 0)


def holders(allocation_ids: Sequence[int], limit: int = 5) -> list[Holder]:
    """The unfinished jobs that reserve the most of these allocations, largest first."""
    rows = (Job.objects.filter(allocation_id__in=allocation_ids, state__in=ACTIVE_JOB_STATES)
            .annotate(worst=F("array_size") * F("gpus") * F("time_limit_minutes"))
            .filter(worst__gt=0).order_by("-worst", "id")
            .values_list("pk", "name", "state", "worst")[:limit])
    return [Holder(job_id=pk, name=name, state=state, gpu_minutes=int(worst))
            for pk, name, state, worst in rows]
