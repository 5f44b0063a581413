"""Writes of jobs: submission inside the GPU budget, cancellation, and refreshing states from
the scheduler; dispatch to the scheduler, exactly once, is in ``laif.jobs.dispatch``.

- ``job_submit`` checks the job (``_clean``: fields against the cluster's partitions, and no
  scheduler directive in the script, ``laif.jobs.script``) and its budget (``budget``:
  grant - used - worst case of the unfinished jobs) while holding the project's allocations in
  force locked (``SELECT ... FOR UPDATE``, in id order), so two concurrent submissions cannot
  together pass the grant; it records the job as ``queued`` and dispatches it.
- A job runs as its submitter's cluster identity (uid, gid = uid) on the project's account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.allocations import lifecycle
from laif.allocations.selectors import allocations_in_force, last_allocation
from laif.allocations.services import cluster
from laif.catalogue.job_templates import job_templates
from laif.cluster.scheduler.base import Scheduler, SchedulerUnavailable
from laif.cluster.selectors import get_scheduler
from laif.jobs import script as job_script
from laif.jobs import selectors as job_selectors
from laif.jobs.dispatch import RETRY_SECONDS as RETRY_SECONDS
from laif.jobs.dispatch import STUCK_AFTER as STUCK_AFTER
from laif.jobs.dispatch import job_confirm as job_confirm
from laif.jobs.dispatch import job_dispatch as job_dispatch
from laif.jobs.dispatch import job_dispatch_queued as job_dispatch_queued
from laif.jobs.dispatch import job_recover_stuck as job_recover_stuck
from laif.jobs.models import ACTIVE_JOB_STATES, Job, JobState
from laif.jobs.state import job_refresh
from laif.usage import balance, budget

if TYPE_CHECKING:
    from laif.allocations.models import Allocation

MAX_SCRIPT = 100_000
MAX_ARRAY = 1000


@dataclass(frozen=True)
class JobData:
    name: str
    script: str = ""
    template: str = ""
    gpus: int | None = None
    time_limit_minutes: int | None = None
    partition: str = ""
    array_size: int | None = None
    array_throttle: int | None = None


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _clean(data: JobData) -> JobData:
    """Template defaults filled in, then every field checked against the cluster's partitions,
    and the script without scheduler directives (resources come from the fields only)."""
    default_throttle = bool(data.template) and data.array_throttle is None
    if data.template:
        template = job_templates().get(data.template)
        if template is None:
            raise DomainError(_("Unknown job template."), field="template")
        data = replace(
            data, script=data.script or template.script,
            gpus=template.gpus if data.gpus is None else data.gpus,
            time_limit_minutes=data.time_limit_minutes or template.time_limit_minutes,
            array_size=data.array_size or template.array_size,
            array_throttle=(template.array_throttle if data.array_throttle is None
                            else data.array_throttle))
    name = data.name.strip()
    if not name or len(name) > 100:
        raise DomainError(_("Give the job a name of at most 100 characters."), field="name")
    script = job_script.unix_line_endings(data.script)
    if not script.strip():
        raise DomainError(_("Give a script or choose a template."), field="script")
    if len(script) > MAX_SCRIPT or "\x00" in script:
        raise DomainError(_("The script is too long (at most 100,000 characters)."),
                          field="script")
    refused = job_script.refused_lines(script)
    if refused:
        raise DomainError(_directives_message(refused), field="script")
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
    throttle = data.array_throttle or 0
    if default_throttle:  # the template's, for its own array size
        throttle = min(throttle, array)
    if not 0 <= throttle <= array:
        raise DomainError(_("The tasks at a time go from 0 (no limit) to the number of tasks "
                            "of the array (%(n)d).") % {"n": array}, field="array_throttle")
    return JobData(name=name, script=script, template=data.template, gpus=gpus,
                   time_limit_minutes=minutes, partition=partition_name, array_size=array,
                   array_throttle=throttle)


def _directives_message(refused: list[job_script.RefusedLine]) -> str:
    first = refused[0]
    message = _(
        "Line %(number)d of the script gives the scheduler options itself: %(line)s. The "
        "platform sets a job's resources and options from this form's fields only (GPUs, time "
        "limit, partition, array tasks, tasks at a time); remove the line and use the fields."
    ) % {"number": first.number, "line": first.text}
    if len(refused) > 1:
        message += " " + _("Other lines doing the same: %(numbers)s.") % {
            "numbers": ", ".join(str(r.number) for r in refused[1:11])
            + (" …" if len(refused) > 11 else "")}
    return message


def _refusal_after_end(last: Allocation, day: date) -> str:
    """Why a project whose allocations are not in force takes no new job, in plain words."""
    state = lifecycle.state_on(end=last.end, grace_days=settings.LAIF_ALLOCATION_GRACE_DAYS,
                               today=day)
    if last.end < day and state == lifecycle.GRACE:
        return _("The project's allocation ended on %(day)s. Until %(grace)s its running jobs "
                 "finish, but it accepts no new job. Request a renewal or an extension.") % {
            "day": date_format(last.end),
            "grace": date_format(last.end + timedelta(days=settings.LAIF_ALLOCATION_GRACE_DAYS))}
    if last.end < day:
        return _("The project's allocation expired on %(day)s: it accepts no new job. "
                 "Request a renewal.") % {"day": date_format(last.end)}
    return _("The project's allocation ended on %(day)s: it accepts no new job. Request a "
             "renewal or an extension.") % {"day": date_format(last.end)}


def _budget_message(f: budget.BudgetFigures, data: JobData,
                    holding: list[job_selectors.Holder]) -> str:
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


def budget_figures(allocations: list[Allocation], requested: int) -> budget.BudgetFigures:
    """A job of ``requested`` GPU-minutes against these allocations' balances together: what
    the submission checks, and what the composer shows before submitting."""
    return budget.BudgetFigures.of(
        budget.total(balance.balances_of(allocations).values()), requested)


def job_submit(*, access: Access, actor: Actor, project_id: int, data: JobData,
               today: date | None = None, scheduler: Scheduler | None = None) -> Job:
    """Accept a job inside the budget and hand it to the scheduler (or queue it).

    The job must fit in what is left of the project's allocations in force (``balance``). When
    it does not, the project's unfinished jobs are first refreshed from the scheduler (one query
    for their ids), since a job that ended a moment ago still reserves its worst case until the
    platform knows it ended; the refusal names the jobs that hold the reservation."""
    project = account_selectors.project_of(project_id)
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    user_id = access.user_id
    if user_id is None or project_id not in access.project_roles:
        raise PermissionDenied(_("Only the project's members submit jobs: a job runs as the "
                                 "person who submits it."))
    clean = _clean(data)
    identity = account_selectors.identity_of(user_id, enabled_only=True)
    if identity is None:
        raise Conflict(_("You have no cluster identity yet; ask the operators."))
    sched = scheduler or get_scheduler()
    requested = budget.worst_case(array_size=clean.array_size or 1, gpus=clean.gpus or 0,
                                  time_limit_minutes=clean.time_limit_minutes or 1)
    in_force = list(allocations_in_force(project_id, today))
    if in_force and not budget_figures(in_force, requested).fits:
        job_refresh(list(Job.objects.filter(project_id=project_id, state__in=ACTIVE_JOB_STATES)),
                    scheduler=sched, fresh=True)
    with transaction.atomic():
        allocations = list(allocations_in_force(project_id, today).select_for_update())
        if not allocations:
            last = last_allocation(project_id)
            if last is None:
                raise Conflict(_("The project has no GPU allocation: request GPU-hours first."))
            raise Conflict(_refusal_after_end(last, today or timezone.localdate()))
        figures = budget_figures(allocations, requested)
        if not figures.fits:
            raise Conflict(_budget_message(
                figures, clean, job_selectors.holders([a.pk for a in allocations])), field="gpus")
        job = Job.objects.create(
            # charged like the ledger charges its runs: the allocation in force that started
            # first (usage.resolve.usage_prepare), so its balance counts the job before and after
            project=project, allocation=min(allocations, key=lambda a: (a.start, a.pk)),
            submitted_by_id=user_id, name=clean.name, template=clean.template,
            script=clean.script, gpus=clean.gpus or 0,
            time_limit_minutes=clean.time_limit_minutes or 1, partition=clean.partition,
            array_size=clean.array_size or 1, array_throttle=clean.array_throttle or 0,
            scheduler=sched.name)
        audit_record(actor=actor, action="job.submitted", target=f"job:{job.pk}",
                     organisation_id=project.organisation_id,
                     detail={"project": project.pk, "gpus": job.gpus,
                             "time_limit_minutes": job.time_limit_minutes,
                             "array_size": job.array_size,
                             "array_throttle": job.array_throttle, "worst_case": requested,
                             "remaining": figures.remaining})
    return job_dispatch(job_id=job.pk, scheduler=sched)


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
        if job.state == JobState.CONFIRMING:
            raise Conflict(_("The platform is confirming with the scheduler that it received "
                             "the job; try again in a moment."))
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



