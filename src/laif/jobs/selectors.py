"""Reads of jobs, scoped by the requester's ``Access`` as allocations are (their project's
members, the organisation's admins, client-data staff; a staff read of one job is audited); what
jobs reserve of their allocations; and what the usage ledger reads of jobs (``JobsFigures``,
registered as its ``usage.hooks.JobsReader``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import CombinedExpression
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound
from laif.accounts.selectors import audit_staff_read
from laif.allocations.selectors import in_scope
from laif.jobs.models import ACTIVE_JOB_STATES, FINISHED_JOB_STATES, Job, JobState
from laif.usage.hooks import FinishedRun, LocalRun


def jobs_for(access: Access, *, project_id: int | None = None,
             state: str | None = None) -> QuerySet[Job]:
    """Jobs of the projects the requester sees (as for allocations), newest first."""
    qs = Job.objects.select_related("project", "project__organisation", "submitted_by")
    qs = in_scope(qs, access, project_id)
    if state:
        qs = qs.filter(state=state)
    return qs


def job_get(*, access: Access, actor: Actor, job_id: int) -> Job:
    """One job; a staff read of a client's job is recorded as data access."""
    job = jobs_for(access).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Job not found."))
    org_id = job.project.organisation_id
    audit_staff_read(access, actor, f"job:{job.pk}", org_id)
    return job


# --- what jobs reserve of their allocations ---------------------------------------------------

def _worst_case() -> CombinedExpression:
    return F("array_size") * F("gpus") * F("time_limit_minutes")


@dataclass(frozen=True)
class Holder:
    """An unfinished job and the GPU-minutes it reserves."""

    job_id: int
    name: str
    state: str
    gpu_minutes: int


def running_reserved(allocation_ids: Sequence[int]) -> int:
    """The worst case of the allocations' jobs that have started (running, or in a state the
    platform could not read): what the scheduler's limit keeps for them."""
    total = (Job.objects.filter(allocation_id__in=allocation_ids,
                                state__in=[JobState.RUNNING, JobState.UNKNOWN]).order_by()
             .aggregate(total=Sum(_worst_case())))
    return int(total["total"] or 0)


def holders(allocation_ids: Sequence[int], limit: int = 5) -> list[Holder]:
    """The unfinished jobs that reserve the most of these allocations, largest first."""
    rows = (Job.objects.filter(allocation_id__in=allocation_ids, state__in=ACTIVE_JOB_STATES)
            .annotate(worst=_worst_case())
            .filter(worst__gt=0).order_by("-worst", "id")
            .values_list("pk", "name", "state", "worst")[:limit])
    return [Holder(job_id=pk, name=name, state=state, gpu_minutes=int(worst))
            for pk, name, state, worst in rows]


class JobsFigures:
    """The jobs as the usage ledger reads them (``usage.hooks.JobsReader``)."""

    def reserved_gpu_minutes(self, allocation_ids: Sequence[int]) -> dict[int, int]:
        rows = (Job.objects.filter(allocation_id__in=allocation_ids,
                                   state__in=ACTIVE_JOB_STATES).order_by()
                .values("allocation_id").annotate(total=Sum(_worst_case())))
        return {row["allocation_id"]: int(row["total"] or 0) for row in rows}

    def finished_runs(self, allocation_ids: Sequence[int],
                      ingested_until: Mapping[str, datetime]) -> list[FinishedRun]:
        not_yet = Q(~Q(scheduler__in=list(ingested_until)))
        for scheduler, until in ingested_until.items():
            not_yet |= Q(scheduler=scheduler, ended_at__gt=until)
        rows = (Job.objects.filter(allocation_id__in=allocation_ids,
                                   state__in=FINISHED_JOB_STATES, started_at__isnull=False,
                                   ended_at__isnull=False, gpus__gt=0)
                .filter(not_yet).order_by()
                .values_list("allocation_id", "scheduler", "gpus", "array_size",
                             "time_limit_minutes", "started_at", "ended_at"))
        return [FinishedRun(allocation_id, scheduler, gpus, array_size, minutes, started, ended)
                for allocation_id, scheduler, gpus, array_size, minutes, started, ended in rows
                if started is not None and ended is not None]

    def local_runs(self, since: datetime, until: datetime) -> list[LocalRun]:
        rows = (Job.objects.filter(scheduler="local", state__in=FINISHED_JOB_STATES,
                                   ended_at__isnull=False, ended_at__gte=since,
                                   ended_at__lte=until)
                .values_list("pk", "created_at", "project_id", "submitted_by_id",
                             "submitted_by__cluster_identity__username", "partition", "state",
                             "started_at", "ended_at", "gpus"))
        return [LocalRun(job_id, created, project_id, user_id, user, partition, state, started,
                         ended, gpus)
                for job_id, created, project_id, user_id, user, partition, state, started, ended,
                gpus in rows if ended is not None]


def job_counts_by_state() -> dict[str, int]:
    """How many jobs are in each state (aggregates only: no client data)."""
    return {row["state"]: row["n"]
            for row in Job.objects.order_by().values("state").annotate(n=Count("id"))}
