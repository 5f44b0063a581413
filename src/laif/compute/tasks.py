"""Background work of the compute context (django-tasks): ids only, idempotent."""

from __future__ import annotations

import dataclasses
from datetime import date

from django.conf import settings
from django_tasks import task

from laif.allocations.expiry import allocations_tick
from laif.allocations.selectors import projects_with_allocations

# tasks defined next to the work they enqueue themselves for, re-exported here: the schedule and
# the rows already queued name them by this module
from laif.compute.accounts_sync import slurm_account_sync_task as slurm_account_sync_task
from laif.compute.dispatch import job_confirm_task as job_confirm_task
from laif.compute.dispatch import job_dispatch_task as job_dispatch_task
from laif.compute.dispatch import job_recover_stuck
from laif.compute.housekeeping import jobs_poll
from laif.usage.tasks import usage_ingest_task as usage_ingest_task


@task()
def allocations_tick_task(day: str | None = None) -> int:
    """The daily pass of the allocation life cycle on ``day`` (ISO date, default today), safe to
    run twice; the number of notices sent."""
    return len(allocations_tick(date.fromisoformat(day) if day else None).notices)


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
