"""Background work of Upskill & Train (django-tasks): idempotent, by ids."""

from __future__ import annotations

from django_tasks import task

from laif.train import services


@task()
def train_offers_expire_task() -> int:
    """Close the waitlist offers past their deadline and pass each seat on (the schedule)."""
    return services.offers_expire()


@task()
def train_session_fill_task(session_id: int) -> int:
    """A "seat freed" event: offer the session's free seats to its waitlist. Delivered twice,
    it makes one offer."""
    return len(services.session_fill(session_id=session_id))
