"""The balance of allocations: the one place where granted, used, reserved and left are read
(``budget`` holds the arithmetic). Every page, the API, the CLI, the job pre-check and the
scheduler's limit take their figures from here (ADR 0017).

Reads only, without access checks: callers are services that hold the allocations' row locks,
or selectors that have already checked what the requester may see.

- used: the ledger's GPU-seconds charged to the allocation (from its running totals,
  ``usage.totals``), plus the platform's own finished jobs charged to it that ended after the
  ledger's last ingestion of their scheduler (the ledger's checkpoint), counted from their start
  and end until the ledger has them;
- reserved: the worst case of the allocation's jobs that have not finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from laif.usage import budget
from laif.usage.budget import Balance
from laif.usage.burndown import Burndown, burndown
from laif.usage.hooks import jobs_reader
from laif.usage.models import IngestCheckpoint, UsageEntry, UsageSource, UsageTotal

if TYPE_CHECKING:
    from laif.allocations.models import Allocation

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


def _ledger(ids: Sequence[int]) -> dict[int, int]:
    rows = (UsageTotal.objects.filter(allocation_id__in=ids).order_by()
            .values("allocation_id").annotate(total=Sum("gpu_seconds")))
    return {row["allocation_id"]: int(row["total"] or 0) for row in rows}


def _unrecorded(ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(GPU-seconds, jobs) of the allocations' finished runs the ledger does not have yet."""
    found: dict[int, tuple[int, int]] = {}
    for run in jobs_reader().finished_runs(ids, _checkpoints()):
        seconds = budget.unrecorded_gpu_seconds(
            gpus=run.gpus, array_size=run.array_size, time_limit_minutes=run.time_limit_minutes,
            elapsed_seconds=int((run.ended_at - run.started_at).total_seconds()),
            tasks_in_parallel=run.scheduler != LOCAL)
        total, jobs = found.get(run.allocation_id, (0, 0))
        found[run.allocation_id] = (total + seconds, jobs + 1)
    return found


def balances_of(allocations: Iterable[Allocation]) -> dict[int, Balance]:
    """Each allocation's balance, by id (four queries whatever the number of allocations)."""
    items = list(allocations)
    ids = [a.pk for a in items]
    if not ids:
        return {}
    ledger, unrecorded = _ledger(ids), _unrecorded(ids)
    reserved = jobs_reader().reserved_gpu_minutes(ids)
    result: dict[int, Balance] = {}
    for allocation in items:
        seconds, jobs = unrecorded.get(allocation.pk, (0, 0))
        result[allocation.pk] = budget.balance_of(
            granted_gpu_hours=int(allocation.granted_gpu_hours),
            ledger_gpu_seconds=ledger.get(allocation.pk, 0), unrecorded_gpu_seconds=seconds,
            reserved_gpu_minutes=reserved.get(allocation.pk, 0), unrecorded_jobs=jobs)
    return result


def _minutes_by_day(ids: Sequence[int]) -> dict[int, dict[date, int]]:
    """The ledger's GPU-minutes of each allocation by the day its runs ended (site time zone),
    summed by the database: one row per allocation and day."""
    rows = (UsageEntry.objects.filter(allocation_id__in=ids).order_by()
            .annotate(day=TruncDate("record__end_time"))
            .values("allocation_id", "day").annotate(seconds=Sum("gpu_seconds")))
    found: dict[int, dict[date, int]] = {}
    for row in rows:
        found.setdefault(row["allocation_id"], {})[row["day"]] = int(row["seconds"] or 0) // 60
    return found


def burndowns_of(allocations: Iterable[Allocation], today: date,
                 balances: dict[int, Balance] | None = None) -> dict[int, Burndown]:
    """Each allocation's burn-down and forecast (``usage.burndown``), ending on its balance."""
    items = list(allocations)
    figures = balances if balances is not None else balances_of(items)
    days = _minutes_by_day([a.pk for a in items])
    return {a.pk: burndown(start=a.start, end=a.end, today=today,
                           granted_minutes=figures[a.pk].granted,
                           used_minutes=figures[a.pk].used,
                           used_minutes_by_day=days.get(a.pk, {}))
            for a in items}
