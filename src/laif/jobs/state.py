"""Job states read from the scheduler, kept cheap for web requests (ADR 0017).

``job_refresh`` asks the scheduler about the given unfinished jobs only (one query for their
ids) and writes what changed, with ``state_checked_at``, the moment the state was read:

- a state read less than ``LAIF_JOB_STATE_MAX_AGE`` seconds ago is not read again (pages and the
  API list jobs often; the background schedule refreshes them anyway);
- a scheduler that did not answer is not asked again for ``LAIF_SCHEDULER_BACKOFF`` seconds, and
  pages ask with the short ``LAIF_SLURM_WEB_TIMEOUT``: they never wait on an unreachable
  controller, they show the last known state and when it was read;
- a job the scheduler has no record of, ``LOST_AFTER`` after it was submitted (neither ``squeue``
  nor ``sacct`` know it), and a job whose state the platform cannot read past the longest it
  could run, are marked lost: their reservation ends, an audit entry and a warning report them.
  An unknown state never holds a project's budget for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.audit import SYSTEM, audit_record
from laif.cluster.scheduler.base import JobStatus, Scheduler, SchedulerError
from laif.cluster.selectors import get_scheduler
from laif.jobs.models import ACTIVE_JOB_STATES, Job, JobState

logger = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=15)
"""How long after its submission a job may be unknown to both squeue and sacct (slurmdbd
records a job within seconds; a controller that lost its state forgets it)."""


def _backoff_key(scheduler: Scheduler) -> str:
    return f"laif:scheduler-unreachable:{scheduler.name}"


def scheduler_backing_off(scheduler: Scheduler) -> bool:
    """Whether the scheduler failed to answer a moment ago (then pages do not ask it)."""
    return bool(cache.get(_backoff_key(scheduler)))


def web_scheduler() -> Scheduler:
    """The scheduler as pages and API calls use it: a short timeout."""
    return get_scheduler(timeout=settings.LAIF_SLURM_WEB_TIMEOUT)


def _stale(job: Job, now: datetime) -> bool:
    checked = job.state_checked_at
    return checked is None or now - checked >= timedelta(seconds=settings.LAIF_JOB_STATE_MAX_AGE)


def _lost_reason(job: Job, status: JobStatus | None, now: datetime) -> str:
    """Why the job counts as lost, or "" while it may still be waiting or running."""
    if status is None:
        since = job.submitted_at or job.created_at
        if now - since >= LOST_AFTER:
            return _("The scheduler has no record of this job (neither waiting, running nor "
                     "finished).")
        return ""
    if status.state == JobState.UNKNOWN:
        since = job.started_at or job.submitted_at or job.created_at
        longest = timedelta(minutes=job.time_limit_minutes * job.array_size) + LOST_AFTER
        if now - since >= longest:
            return _("The scheduler reports a state the platform cannot read (%(state)s) past "
                     "the longest the job could run.") % {"state": status.reason or "?"}
    return ""


def _mark_lost(job: Job, reason: str, now: datetime) -> None:
    changed = Job.objects.filter(pk=job.pk, state__in=ACTIVE_JOB_STATES).update(
        state=JobState.LOST, reason=reason[:200], ended_at=job.ended_at or now,
        state_checked_at=now)
    if not changed:
        return
    job.state, job.reason, job.ended_at, job.state_checked_at = (
        JobState.LOST, reason[:200], job.ended_at or now, now)
    logger.warning("job %s (scheduler id %s) is lost: %s", job.pk, job.scheduler_id, reason)
    audit_record(actor=SYSTEM, action="job.lost", target=f"job:{job.pk}",
                 detail={"scheduler_id": job.scheduler_id, "reason": reason[:200]})


def job_refresh(jobs: Sequence[Job], *, scheduler: Scheduler | None = None,
                fresh: bool = False) -> Sequence[Job]:
    """Read the state of the unfinished ``jobs`` from the scheduler (one query for their ids) and
    record what changed. Jobs read less than ``LAIF_JOB_STATE_MAX_AGE`` seconds ago are skipped,
    and nothing is asked while the scheduler is backing off after failing to answer, unless
    ``fresh`` (the background schedule; a submission about to be refused for its budget). An
    unreachable scheduler leaves the jobs as they were."""
    sched = scheduler or get_scheduler()
    now = timezone.now()
    live = [j for j in jobs if j.scheduler_id and j.state in ACTIVE_JOB_STATES
            and (fresh or _stale(j, now))]
    if not live or (not fresh and scheduler_backing_off(sched)):
        return jobs
    try:
        found = sched.status([j.scheduler_id for j in live])
    except SchedulerError as exc:
        if settings.LAIF_SCHEDULER_BACKOFF:
            cache.set(_backoff_key(sched), str(exc)[:200], settings.LAIF_SCHEDULER_BACKOFF)
        return jobs
    cache.delete(_backoff_key(sched))
    for job in live:
        status = found.get(job.scheduler_id)
        lost = _lost_reason(job, status, now)
        if lost:
            _mark_lost(job, lost, now)
            continue
        if status is None:
            Job.objects.filter(pk=job.pk).update(state_checked_at=now)
            job.state_checked_at = now
            continue
        new_state = status.state if status.state in JobState.values else JobState.UNKNOWN
        changes = {"state": new_state, "reason": status.reason[:200],
                   "started_at": status.started_at or job.started_at,
                   "ended_at": status.ended_at or job.ended_at, "exit_code": status.exit_code,
                   "energy_j": status.energy_j if status.energy_j is not None else job.energy_j,
                   "state_checked_at": now}
        # never move a job back from a final state another process has already written
        Job.objects.filter(pk=job.pk, state__in=ACTIVE_JOB_STATES).update(**changes)
        for key, value in changes.items():
            setattr(job, key, value)
    return jobs


def job_refresh_web(jobs: Sequence[Job]) -> Sequence[Job]:
    """``job_refresh`` as pages and API calls do it: the short timeout, the back-off, the
    recently read states kept."""
    return job_refresh(jobs, scheduler=web_scheduler())


STALE_AFTER = timedelta(minutes=1)


def state_is_stale(job: Job, now: datetime | None = None) -> bool:
    """Whether an unfinished job's state shown now was read from the scheduler over a minute ago
    (the page then says when it was read)."""
    if job.state not in ACTIVE_JOB_STATES or not job.scheduler_id:
        return False
    checked = job.state_checked_at
    return checked is None or (now or timezone.now()) - checked > STALE_AFTER
