"""Background work of the compute context (django-tasks): ids only, idempotent."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from laif.compute.accounts_sync import slurm_account_sync
from laif.compute.expiry import allocations_tick
from laif.compute.jobs import job_dispatch


@task()
def job_dispatch_task(job_id: int) -> str:
    """Submit a queued job once the scheduler answers again; a job already submitted is left as
    it is (the state transition under a row lock makes this safe to run twice)."""
    return str(job_dispatch(job_id=job_id).state)


@task()
def slurm_account_sync_task(project_id: int) -> bool:
    """Reconcile a project's Slurm account, limit and associations (idempotent)."""
    return slurm_account_sync(project_id=project_id).changed


@task()
def allocations_tick_task(day: str | None = None) -> int:
    """The daily pass of the allocation life cycle on ``day`` (ISO date, default today), safe to
    run twice; the number of notices sent."""
    return len(allocations_tick(date.fromisoformat(day) if day else None).notices)
