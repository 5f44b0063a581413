"""One pass of the job housekeeping (``manage.py jobs_poll``, ``jobs_poll_task`` on the schedule):
recover the submissions a crashed worker left half-done, submit the jobs still queued (the
scheduler was unreachable), exactly once each, and refresh the unfinished jobs' states."""

from __future__ import annotations

from dataclasses import dataclass

from laif.cluster.scheduler.base import Scheduler
from laif.jobs import services as jobs
from laif.jobs import state as job_state
from laif.jobs.models import ACTIVE_JOB_STATES, Job

BATCH = 500


@dataclass(frozen=True)
class PollResult:
    recovered: int
    submitted: int
    changed: int
    unfinished: int


def jobs_poll(*, scheduler: Scheduler | None = None, batch: int = BATCH) -> PollResult:
    """Safe to run while workers also retry queued jobs, or twice at once: every transition is
    made under the job's row lock."""
    recovered = jobs.job_recover_stuck(scheduler=scheduler)
    sent = jobs.job_dispatch_queued(scheduler=scheduler)
    live = list(Job.objects.filter(state__in=ACTIVE_JOB_STATES)
                .exclude(scheduler_id="").select_related("project").order_by("id")[:batch])
    before = {job.pk: job.state for job in live}
    job_state.job_refresh(live, scheduler=scheduler, fresh=True)
    changed = sum(1 for job in live if before[job.pk] != job.state)
    return PollResult(recovered=len(recovered), submitted=sent, changed=changed,
                      unfinished=len(live))
