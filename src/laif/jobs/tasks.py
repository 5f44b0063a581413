"""Background work of jobs (django-tasks): ids only, idempotent. The submission's own tasks
(``job_dispatch_task``, ``job_confirm_task``, ``slurm_account_sync_task``) are defined next to
the work that enqueues them (``dispatch``, ``accounts_sync``)."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django_tasks import task

from laif.allocations.selectors import projects_with_allocations
from laif.jobs.accounts_sync import slurm_account_sync_task
from laif.jobs.dispatch import job_recover_stuck
from laif.jobs.housekeeping import jobs_poll


@task()
def job_recover_stuck_task() -> int:
    """Settle the submissions a crashed worker left half-done and those whose answer was lost
    (safe to run twice)."""
    return len(job_recover_stuck())


# ------------------------------------------------------------------- the schedule (ADR 0015)
# laif.ops.schedule enqueues these on their LAIF_SCHEDULE_* triggers.


@task()
def jobs_poll_task() -> dict[str, int]:
    """Recover interrupted submissions, submit queued jobs, refresh unfinished ones
    (``manage.py jobs_poll``); safe to run twice."""
    return dataclasses.asdict(jobs_poll())


@task()
def slurm_accounts_reconcile_task() -> int:
    """Enqueue the reconciliation of the Slurm account of every project with an allocation, so
    that limits follow approvals, top-ups, expiry and leavers even when an enqueue was lost.
    Nothing to do for the local runner (no accounts). The number of projects."""
    if settings.LAIF_EXECUTOR != "slurm":
        return 0
    project_ids = projects_with_allocations()
    for project_id in project_ids:
        slurm_account_sync_task.enqueue(project_id)
    return len(project_ids)
