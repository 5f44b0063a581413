"""Background work of allocations (django-tasks): idempotent."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from laif.allocations.expiry import allocations_tick


@task()
def allocations_tick_task(day: str | None = None) -> int:
    """The daily pass of the allocation life cycle on ``day`` (ISO date, default today), safe to
    run twice; the number of notices sent."""
    return len(allocations_tick(date.fromisoformat(day) if day else None).notices)
