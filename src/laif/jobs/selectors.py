"""Reads of jobs, scoped by the requester's ``Access`` as allocations are (their project's
members, the organisation's admins, client-data staff; a staff read of one job is audited); what
jobs reserve of their allocations; and what the usage ledger reads of jobs (``JobsFigures``,
registered as its ``usage.hooks.JobsReader``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound
from laif.accounts.selectors import audit_staff_read
from laif.allocations.selectors import in_scope
from laif.jobs.models import ACTIVE_JOB_STATES, FINISHED_JOB_STATES, Job, JobState
from laif.usage import budget
from laif.usage import selectors as ledger
from laif.usage.hooks import FinishedRun, LocalRun
from laif.usage.outcome import Outcome, outcome_of


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


def job_names(ids: Iterable[int]) -> dict[int, str]:
    """The names of these jobs (the audit log's names)."""
    return dict(Job.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


# --- a project's runs: the ledger's and the platform's ------------------------------------------

LOCAL = "local"  # the local runner's scheduler name, and its cluster in the ledger


def _in_ledger(project_id: int) -> Q:
    """The platform's jobs the ledger has a record of (a Slurm array: one per task, under the
    array's id; a local job: under the job's own id)."""
    records = ledger.project_records(project_id=project_id).order_by()
    scheduler_ids = (records.exclude(cluster=LOCAL)
                     .annotate(sid=Cast(Coalesce("array_job_id", "job_id"), CharField()))
                     .values("sid"))
    return (Q(scheduler=LOCAL, pk__in=records.filter(cluster=LOCAL).values("job_id"))
            | (~Q(scheduler=LOCAL) & ~Q(scheduler_id="") & Q(scheduler_id__in=scheduler_ids)))


def ledger_records_of(job: Job) -> QuerySet[Any]:
    """The usage ledger's records of one platform job (a Slurm array: each task's), in the
    ledger's keys ``_in_ledger`` matches on; none before the ledger has read the job."""
    records = ledger.project_records(project_id=job.project_id)
    if job.scheduler == LOCAL:
        return records.filter(cluster=LOCAL, job_id=job.pk)
    if not job.scheduler_id.isdigit():
        return records.none()
    return records.exclude(cluster=LOCAL).filter(
        Q(array_job_id=int(job.scheduler_id)) | Q(array_job_id=None, job_id=int(job.scheduler_id)))


def project_runs(*, project_id: int, user_id: int | None = None,
                 outcome: Outcome | None = None) -> QuerySet[Any]:
    """Every run of the project, newest first, as ``(kind, id, submitted)`` rows to page through:
    the ledger's records (``"record"``: whatever submitted them, the platform or a person over
    SSH) and the platform's jobs the ledger has no record of yet (``"job"``: waiting, running,
    refused, or finished and not ingested yet). The caller checked the project's access."""
    jobs = Job.objects.filter(project_id=project_id).exclude(
        Q(state__in=FINISHED_JOB_STATES) & _in_ledger(project_id))
    if user_id is not None:
        jobs = jobs.filter(submitted_by_id=user_id)
    if outcome is not None:
        jobs = jobs.filter(state__in=[s for s in JobState.values if outcome_of(s) is outcome])
    records = ledger.project_records(project_id=project_id, user_id=user_id, outcome=outcome)
    kind = CharField(max_length=6)
    return (jobs.order_by().annotate(kind=Value("job", output_field=kind), at=F("created_at"))
            .values_list("kind", "pk", "at")
            .union(records.order_by().annotate(kind=Value("record", output_field=kind),
                                               at=F("submit_time"))
                   .values_list("kind", "pk", "at"), all=True)
            .order_by("-at", "-pk"))


@dataclass(frozen=True)
class Run:
    """One line of a project's runs."""

    job: Job | None  # the platform's job, when it was submitted through the platform
    scheduler_id: str  # the id people read in squeue and sacct ("1234", "1234_7")
    state: str  # the platform's state, or Slurm's for a run known from the ledger only
    outcome: Outcome
    user_id: int | None
    username: str  # the cluster login, for a run whose person the ledger could not name
    submitted_at: datetime
    started_at: datetime | None
    elapsed_s: int | None
    gpu_seconds: int | None
    recorded: bool  # GPU time and cost from the ledger (else the platform's own figure)
    cost_cents: int | None


def _job_run(job: Job, now: datetime) -> Run:
    elapsed = (int(((job.ended_at or now) - job.started_at).total_seconds())
               if job.started_at else None)
    finished = job.state in FINISHED_JOB_STATES
    return Run(
        job=job, scheduler_id=job.scheduler_id, state=job.state, outcome=outcome_of(job.state),
        user_id=job.submitted_by_id, username="", submitted_at=job.created_at,
        started_at=job.started_at, elapsed_s=elapsed,
        gpu_seconds=budget.unrecorded_gpu_seconds(
            gpus=job.gpus, array_size=job.array_size, time_limit_minutes=job.time_limit_minutes,
            elapsed_seconds=elapsed, tasks_in_parallel=job.scheduler != LOCAL)
        if finished and elapsed is not None else None,
        recorded=False, cost_cents=None)


def runs_of(project_id: int, rows: Sequence[tuple[str, int, datetime]]) -> list[Run]:
    """The lines of a page of ``project_runs`` (four queries whatever the page's length); a
    ledger record of a job submitted through the platform links to it and carries its name."""
    job_ids = [pk for kind, pk, _at in rows if kind == "job"]
    records = ledger.ledger_runs([pk for kind, pk, _at in rows if kind == "record"])
    local_ids = {r.job_id for r in records.values() if r.cluster == LOCAL}
    slurm_ids = {str(r.array_job_id or r.job_id) for r in records.values() if r.cluster != LOCAL}
    known = Job.objects.select_related("submitted_by").filter(project_id=project_id).filter(
        Q(pk__in=job_ids) | Q(scheduler=LOCAL, pk__in=local_ids)
        | (~Q(scheduler=LOCAL) & Q(scheduler_id__in=slurm_ids)))
    by_pk = {job.pk: job for job in known}
    by_scheduler_id = {job.scheduler_id: job for job in known if job.scheduler != LOCAL}
    now = timezone.now()
    found: list[Run] = []
    for kind, pk, _at in rows:
        if kind == "job":
            found.append(_job_run(by_pk[pk], now))
            continue
        r = records[pk]
        job = (by_pk.get(r.job_id) if r.cluster == LOCAL
               else by_scheduler_id.get(str(r.array_job_id or r.job_id)))
        found.append(Run(
            job=job, scheduler_id=ledger.run_label(r.job_id, r.array_job_id, r.array_task_id),
            state=r.state, outcome=outcome_of(r.state),
            user_id=r.user_id, username=r.username, submitted_at=r.submit_time,
            started_at=r.start_time, elapsed_s=r.elapsed_s, gpu_seconds=r.gpu_seconds,
            recorded=True, cost_cents=r.cost_cents))
    return found


RUNS_PER_PAGE = 50


@dataclass(frozen=True)
class RunsPage:
    runs: list[Run]
    page: Page[Any]  # its number, the number of pages and of runs, the neighbours


def runs_page(*, project_id: int, outcome: Outcome | None = None, user_id: int | None = None,
              page: int | str | None = None) -> RunsPage:
    """A page of the project's runs, newest first (``RUNS_PER_PAGE``; a page past the end
    is the last one). The caller checked the project's access."""
    shown = Paginator(project_runs(project_id=project_id, outcome=outcome, user_id=user_id),
                      RUNS_PER_PAGE).get_page(page)
    return RunsPage(runs=runs_of(project_id, list(shown.object_list)), page=shown)


def run_user_ids(project_id: int) -> set[int]:
    """The people who ran something in the project: through the platform or on the ledger."""
    return ledger.project_user_ids(project_id) | set(
        Job.objects.filter(project_id=project_id).order_by()
        .values_list("submitted_by_id", flat=True).distinct())


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
                             "started_at", "ended_at", "gpus", "energy_j"))
        return [LocalRun(job_id, created, project_id, user_id, user, partition, state, started,
                         ended, gpus, energy)
                for job_id, created, project_id, user_id, user, partition, state, started, ended,
                gpus, energy in rows if ended is not None]


def job_counts_by_state() -> dict[str, int]:
    """How many jobs are in each state (aggregates only: no client data)."""
    return {row["state"]: row["n"]
            for row in Job.objects.order_by().values("state").annotate(n=Count("id"))}
