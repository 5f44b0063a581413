"""Writes of jobs: submission inside the GPU budget, dispatch to the scheduler exactly once,
cancellation, and refreshing states from the scheduler.

- ``job_submit`` checks the job against the project's budget (``budget``: grant - used - worst
  case of the unfinished jobs) while holding the project's allocations in force locked
  (``SELECT ... FOR UPDATE``, in id order), so two concurrent submissions cannot together pass
  the grant; it records the job as ``queued`` and dispatches it after the commit.
- ``job_dispatch`` moves a job from ``queued`` to ``submitting`` under a row lock before calling
  the scheduler, so a job is submitted at most once however many workers retry it; if the
  scheduler is unreachable, the job goes back to ``queued`` with the reason and a task retries it.
- ``job_recover_stuck`` finds jobs left ``submitting`` by a worker that died mid-way and asks the
  scheduler whether it has them, so each is recorded once or submitted again, never twice.
- A job runs as its submitter's cluster identity (uid, gid = uid) on the project's account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import SYSTEM, Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import ClusterIdentity, Project
from laif.catalogue.job_templates import job_templates
from laif.compute import balance, budget, lifecycle
from laif.compute.accounts_sync import slurm_account_name, slurm_account_ready
from laif.compute.job_state import job_refresh
from laif.compute.models import (
    ACTIVE_JOB_STATES,
    Allocation,
    Job,
    JobState,
)
from laif.compute.scheduler import get_scheduler, jobs_dir
from laif.compute.scheduler.base import (
    JobSpec,
    Scheduler,
    SchedulerError,
    SchedulerUnavailable,
    SubmitRefused,
)
from laif.compute.services import cluster

logger = logging.getLogger(__name__)

MAX_SCRIPT = 100_000
MAX_ARRAY = 1000
RETRY_SECONDS = 30
STUCK_AFTER = timedelta(minutes=10)  # sbatch gives up after 30 s: a longer wait is a dead worker


@dataclass(frozen=True)
class JobData:
    name: str
    script: str = ""
    template: str = ""
    gpus: int | None = None
    time_limit_minutes: int | None = None
    partition: str = ""
    array_size: int | None = None


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _clean(data: JobData) -> JobData:
    """Template defaults filled in, then every field checked against the cluster's partitions."""
    if data.template:
        template = job_templates().get(data.template)
        if template is None:
            raise DomainError(_("Unknown job template."), field="template")
        data = replace(
            data, script=data.script or template.script,
            gpus=template.gpus if data.gpus is None else data.gpus,
            time_limit_minutes=data.time_limit_minutes or template.time_limit_minutes,
            array_size=data.array_size or template.array_size)
    name = data.name.strip()
    if not name or len(name) > 100:
        raise DomainError(_("Give the job a name of at most 100 characters."), field="name")
    if not data.script.strip():
        raise DomainError(_("Give a script or choose a template."), field="script")
    if len(data.script) > MAX_SCRIPT or "\x00" in data.script:
        raise DomainError(_("The script is too long (at most 100,000 characters)."),
                          field="script")
    partitions = {p.name: p for p in cluster().partitions}
    partition_name = data.partition or next(iter(partitions))
    partition = partitions.get(partition_name)
    if partition is None:
        raise DomainError(_("Unknown partition."), field="partition")
    gpus = 1 if data.gpus is None else data.gpus
    if not 0 <= gpus <= partition.gpus_per_node:
        raise DomainError(_("A job can use from 0 to %(n)d GPUs (one node) on this partition.")
                          % {"n": partition.gpus_per_node}, field="gpus")
    minutes = data.time_limit_minutes or 60
    if not 1 <= minutes <= partition.max_walltime_hours * 60:
        raise DomainError(_("The time limit must be from 1 to %(n)d minutes on this partition.")
                          % {"n": partition.max_walltime_hours * 60}, field="time_limit_minutes")
    array = data.array_size or 1
    if not 1 <= array <= MAX_ARRAY:
        raise DomainError(_("An array has from 1 to %(n)d tasks.") % {"n": MAX_ARRAY},
                          field="array_size")
    return JobData(name=name, script=data.script, template=data.template, gpus=gpus,
                   time_limit_minutes=minutes, partition=partition_name, array_size=array)


def _refusal_after_end(last: Allocation, day: date) -> str:
    """Why a project whose allocations are not in force takes no new job, in plain words."""
    state = lifecycle.state_on(end=last.end, grace_days=settings.LAIF_ALLOCATION_GRACE_DAYS,
                               today=day)
    if last.end < day and state == lifecycle.GRACE:
        return _("The project's allocation ended on %(day)s. Until %(grace)s its running jobs "
                 "finish, but it accepts no new job. Request a renewal or an extension.") % {
            "day": last.end.isoformat(),
            "grace": (last.end + timedelta(days=settings.LAIF_ALLOCATION_GRACE_DAYS)).isoformat()}
    if last.end < day:
        return _("The project's allocation expired on %(day)s: it accepts no new job. "
                 "Request a renewal.") % {"day": last.end.isoformat()}
    return _("The project's allocation ended on %(day)s: it accepts no new job. Request a "
             "renewal or an extension.") % {"day": last.end.isoformat()}


def _budget_message(f: budget.BudgetFigures, data: JobData,
                    holding: list[balance.Holder]) -> str:
    """The refusal in the units of a grant (GPU-hours) and of a worst case (GPU-minutes), with
    the jobs that hold the reservation."""
    hours = balance.hours_text
    text = _(
        "This job may use up to %(requested)s GPU-hours (%(requested_minutes)s GPU-minutes: "
        "%(array)s task(s) x %(gpus)s GPU(s) x %(minutes)s minutes), but only %(remaining)s "
        "GPU-hours (%(remaining_minutes)s GPU-minutes) remain of the project's %(granted)s "
        "GPU-hours: %(used)s used and %(reserved)s reserved by its unfinished jobs."
    ) % {"requested": hours(f.requested), "requested_minutes": _n(f.requested),
         "array": _n(data.array_size or 1), "gpus": _n(data.gpus or 0),
         "minutes": _n(data.time_limit_minutes or 0), "remaining": hours(max(f.remaining, 0)),
         "remaining_minutes": _n(max(f.remaining, 0)), "granted": hours(f.granted),
         "used": hours(f.used), "reserved": hours(f.reserved)}
    if holding:
        jobs = "; ".join(
            _("job %(id)s “%(name)s” (%(state)s: %(reserved)s GPU-hours)") % {
                "id": h.job_id, "name": h.name, "state": JobState(h.state).label.lower(),
                "reserved": hours(h.gpu_minutes)} for h in holding)
        text += " " + _("Reserved by: %(jobs)s.") % {"jobs": jobs}
    return text + " " + _("Ask for fewer GPUs, a shorter time limit or fewer tasks, or request "
                          "more GPU-hours.")


def _figures(allocations: list[Allocation], requested: int) -> budget.BudgetFigures:
    return budget.BudgetFigures.of(
        budget.total(balance.balances_of(allocations).values()), requested)


def job_submit(*, access: Access, actor: Actor, project_id: int, data: JobData,
               today: date | None = None, scheduler: Scheduler | None = None) -> Job:
    """Accept a job inside the budget and hand it to the scheduler (or queue it).

    The job must fit in what is left of the project's allocations in force (``balance``). When
    it does not, the project's unfinished jobs are first refreshed from the scheduler (one query
    for their ids), since a job that ended a moment ago still reserves its worst case until the
    platform knows it ended; the refusal names the jobs that hold the reservation."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    user_id = access.user_id
    if user_id is None or project_id not in access.project_roles:
        raise PermissionDenied(_("Only the project's members submit jobs: a job runs as the "
                                 "person who submits it."))
    clean = _clean(data)
    identity = ClusterIdentity.objects.filter(user_id=user_id,
                                              disabled_at__isnull=True).first()
    if identity is None:
        raise Conflict(_("You have no cluster identity yet; ask the operators."))
    sched = scheduler or get_scheduler()
    requested = budget.worst_case(array_size=clean.array_size or 1, gpus=clean.gpus or 0,
                                  time_limit_minutes=clean.time_limit_minutes or 1)
    in_force = list(balance.allocations_in_force(project_id, today))
    if in_force and not _figures(in_force, requested).fits:
        job_refresh(list(Job.objects.filter(project_id=project_id, state__in=ACTIVE_JOB_STATES)),
                    scheduler=sched, fresh=True)
    with transaction.atomic():
        allocations = list(balance.allocations_in_force(project_id, today).select_for_update())
        if not allocations:
            last = Allocation.objects.filter(project_id=project_id).order_by("-end").first()
            if last is None:
                raise Conflict(_("The project has no GPU allocation: request GPU-hours first."))
            raise Conflict(_refusal_after_end(last, today or timezone.localdate()))
        figures = _figures(allocations, requested)
        if not figures.fits:
            raise Conflict(_budget_message(
                figures, clean, balance.holders([a.pk for a in allocations])), field="gpus")
        job = Job.objects.create(
            # charged like the ledger charges its runs: the allocation in force that started
            # first (ledger.usage_prepare), so its balance counts the job before and after
            project=project, allocation=min(allocations, key=lambda a: (a.start, a.pk)),
            submitted_by_id=user_id, name=clean.name, template=clean.template,
            script=clean.script, gpus=clean.gpus or 0,
            time_limit_minutes=clean.time_limit_minutes or 1, partition=clean.partition,
            array_size=clean.array_size or 1, scheduler=sched.name)
        audit_record(actor=actor, action="job.submitted", target=f"job:{job.pk}",
                     organisation_id=project.organisation_id,
                     detail={"project": project.pk, "gpus": job.gpus,
                             "time_limit_minutes": job.time_limit_minutes,
                             "array_size": job.array_size, "worst_case": requested,
                             "remaining": figures.remaining})
    return job_dispatch(job_id=job.pk, scheduler=sched)


def _spec(job: Job) -> JobSpec:
    identity = ClusterIdentity.objects.get(user_id=job.submitted_by_id)
    return JobSpec(
        name=f"laif-{job.pk}-{job.name}", script=job.script,
        account=slurm_account_name(job.project), username=identity.username, uid=identity.uid,
        gid=identity.uid, workdir=jobs_dir() / str(job.pk), gpus=job.gpus,
        time_limit_minutes=job.time_limit_minutes, partition=job.partition,
        array_size=job.array_size, env={"LAIF_JOB_ID": str(job.pk)})


def _submit(sched: Scheduler, job: Job) -> str:
    slurm_account_ready(project_id=job.project_id, scheduler=sched)  # the platform's, checked
    try:
        return sched.submit(_spec(job))
    except SubmitRefused as exc:
        if "invalid account" not in str(exc).lower():
            raise
    # the person's association is not there yet: reconcile, once
    slurm_account_ready(project_id=job.project_id, scheduler=sched, again=True)
    return sched.submit(_spec(job))


def job_dispatch(*, job_id: int, scheduler: Scheduler | None = None) -> Job:
    """Submit a queued job to the scheduler, exactly once (idempotent)."""
    sched = scheduler or get_scheduler()
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.QUEUED:
            return job
        job.state = JobState.SUBMITTING
        job.submit_attempts += 1
        job.submitting_since = timezone.now()
        job.save(update_fields=["state", "submit_attempts", "submitting_since"])
    job = Job.objects.select_related("project").get(pk=job_id)
    now = timezone.now()
    try:
        scheduler_id = _submit(sched, job)
    except SchedulerUnavailable as exc:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.QUEUED, queued_reason=str(exc)[:500])
        _retry_later(job_id)
    except SchedulerError as exc:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.REFUSED, reason=str(exc)[:200], queued_reason="", ended_at=now)
    else:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.PENDING, scheduler_id=scheduler_id, submitted_at=now,
            queued_reason="", state_checked_at=now)
    return Job.objects.get(pk=job_id)


def _retry_later(job_id: int) -> None:
    from laif.compute.tasks import job_dispatch_task

    def enqueue() -> None:
        run_after = timezone.now() + timedelta(seconds=RETRY_SECONDS)
        try:
            job_dispatch_task.using(run_after=run_after).enqueue(job_id)
        except Exception:  # the queue itself down: the periodic retry of queued jobs picks it up
            logger.exception("could not enqueue the retry of job %s", job_id)

    transaction.on_commit(enqueue)


def job_dispatch_queued(*, scheduler: Scheduler | None = None) -> int:
    """Retry every queued job (oldest first); how many left the queue."""
    sent = 0
    for job_id in Job.objects.filter(state=JobState.QUEUED).order_by("id").values_list(
            "pk", flat=True):
        if job_dispatch(job_id=job_id, scheduler=scheduler).state != JobState.QUEUED:
            sent += 1
    return sent


def job_recover_stuck(*, older_than: timedelta = STUCK_AFTER,
                      scheduler: Scheduler | None = None) -> list[tuple[int, str]]:
    """Jobs left ``submitting`` by a worker that died between taking the job and recording the
    scheduler's answer. The scheduler is asked whether it has the job (by its name, which holds
    the platform's job id, and its account): if so, the job is recorded as submitted with that
    id; if not, it goes back to the queue and is submitted now. Either way it runs exactly once.
    A scheduler that cannot be reached leaves the job as it is, for the next pass.
    Returns ``(job id, "adopted" | "requeued")`` for each job recovered."""
    sched = scheduler or get_scheduler()
    cutoff = timezone.now() - older_than
    stuck = Job.objects.filter(state=JobState.SUBMITTING).filter(
        Q(submitting_since__lt=cutoff) | Q(submitting_since__isnull=True, created_at__lt=cutoff))
    recovered: list[tuple[int, str]] = []
    for job_id in stuck.order_by("id").values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().select_related("project").get(pk=job_id)
            since = job.submitting_since or job.created_at
            if job.state != JobState.SUBMITTING or since >= cutoff:
                continue  # another pass or a live worker got there first
            try:
                found = sched.find(_spec(job))
            except SchedulerError:
                logger.warning("cannot recover job %s yet: the scheduler does not answer", job_id)
                continue
            if found:
                Job.objects.filter(pk=job_id).update(
                    state=JobState.PENDING, scheduler_id=found, queued_reason="",
                    submitted_at=job.submitted_at or timezone.now())
            else:
                Job.objects.filter(pk=job_id).update(
                    state=JobState.QUEUED,
                    queued_reason=_("Its submission was interrupted; it is submitted again."))
            outcome = "adopted" if found else "requeued"
            audit_record(actor=SYSTEM, action="job.recovered", target=f"job:{job_id}",
                         organisation_id=job.project.organisation_id,
                         detail={"outcome": outcome, "scheduler_id": found or ""})
        recovered.append((job_id, outcome))
        if not found:
            job_dispatch(job_id=job_id, scheduler=sched)
    return recovered


def job_cancel(*, access: Access, actor: Actor, job_id: int,
               scheduler: Scheduler | None = None) -> Job:
    """The submitter, the project lead or an organisation admin cancels a job."""
    job = Job.objects.select_related("project").filter(pk=job_id).first()
    if job is None or not access.can_view_project(job.project_id, job.project.organisation_id):
        raise NotFound(_("Job not found."))
    if job.submitted_by_id != access.user_id and not access.can_manage_project(
            job.project_id, job.project.organisation_id):
        raise PermissionDenied(_("Only the person who submitted the job or the project lead "
                                 "can cancel it."))
    sched = scheduler or get_scheduler()
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("project").get(pk=job_id)
        if job.is_finished:
            raise Conflict(_("The job has already finished."))
        if job.state == JobState.SUBMITTING:
            raise Conflict(_("The job is being submitted; try again in a moment."))
        if job.scheduler_id:
            try:
                sched.cancel(job.scheduler_id)
            except SchedulerUnavailable as exc:
                raise Conflict(_("The scheduler cannot be reached; try again later.")) from exc
        job.state = JobState.CANCELLED
        job.ended_at = job.ended_at or timezone.now()
        job.queued_reason = ""
        job.save(update_fields=["state", "ended_at", "queued_reason"])
        audit_record(actor=actor, action="job.cancelled", target=f"job:{job.pk}",
                     organisation_id=job.project.organisation_id)
    return job


def job_output(job: Job, *, scheduler: Scheduler | None = None,
               max_bytes: int = 1_000_000) -> str:
    sched = scheduler or get_scheduler()
    return sched.output(jobs_dir() / str(job.pk), max_bytes)

