"""The staff's work queues, as the dashboard lists them: each context registers its own queue in
its ``AppConfig.ready`` (the review queue in ``compute``, cashback claims in ``fund``, requests to
the factory in ``entry``), so the dashboard, in this lowest context, shows them without importing
any of them. Each queue names the staff role that works it, its page and how many items wait;
a member of staff sees the queues of their roles, the fullest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from laif.accounts.access import Access
from laif.accounts.choices import StaffRoleName


@dataclass(frozen=True)
class StaffQueue:
    key: str
    role: StaffRoleName
    title: Promise | str  # lazy: shown in the reader's language
    what: Promise | str  # one sentence: what waits there and what to do
    url_name: str  # the queue's page (no argument)
    waiting: Callable[[Access], int]  # how many items wait, read with the viewer's access


@dataclass(frozen=True)
class QueueCount:
    queue: StaffQueue
    waiting: int


_queues: dict[str, StaffQueue] = {}


def register_staff_queue(queue: StaffQueue) -> None:
    """Add a queue (once per key: registering again replaces it)."""
    _queues[queue.key] = queue


def staff_queues_for(access: Access) -> list[QueueCount]:
    """The queues of the viewer's staff roles with what waits in each, the fullest first."""
    found = [QueueCount(queue=q, waiting=q.waiting(access))
             for q in _queues.values() if q.role in access.staff_roles]
    return sorted(found, key=lambda c: (-c.waiting, c.queue.key))


# where a member of staff lands after logging in: the page of what their one role does; the
# dashboard (their queues, the factory's figures) for operators, trainers and several roles
LANDINGS: dict[frozenset[str], str] = {
    frozenset({StaffRoleName.REVIEWER}): "compute_review_queue",
    frozenset({StaffRoleName.AUDITOR}): "audit",
}


def landing_of(staff_roles: frozenset[str]) -> str:
    """The URL name a person lands on after logging in (``home`` for everyone else)."""
    return LANDINGS.get(frozenset(staff_roles), "home")
