"""Concurrency on PostgreSQL: the pool row lock keeps grants within capacity x overbooking.

Each test starts threads with their own database connections at the same moment (a Barrier);
without the ``SELECT ... FOR UPDATE`` of the pool both would read the same "already granted" sum
and both would commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from laif.accounts.access import access_for
from laif.accounts.audit import Actor, audit_verify
from laif.accounts.errors import Conflict
from laif.allocations import eurohpc
from laif.allocations.awards import Award
from laif.allocations.models import Allocation
from tests.compute.support import pool_of, review, set_capacity, submit
from tests.concurrency import in_threads as run_in_threads
from tests.concurrency import needs_postgres
from tests.factories import make_world

pytestmark = [
    pytest.mark.postgres,
    needs_postgres,
    pytest.mark.django_db(transaction=True),
]


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` in ``count`` threads released together; a Conflict is returned, not raised."""
    return run_in_threads(count, work, expected=(Conflict,))


def test_two_approvals_cannot_together_exceed_the_pool() -> None:
    w = make_world()
    first = submit(w.project, w.project_lead, requested_gpu_hours=700)
    second = submit(w.other_project, w.other_member, requested_gpu_hours=700)
    set_capacity(first, 1_000)  # can grant 1,200: one of the two fits, not both
    requests = [first, second]

    results = in_threads(2, lambda i: review(requests[i], w.reviewer, "approve"))

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1, results
    assert "already granted 700, requested 700; only 500 are left" in refused[0].message
    assert Allocation.objects.count() == 1
    assert sum(Allocation.objects.values_list("granted_gpu_hours", flat=True)) == 700
    result = audit_verify()
    assert result.ok, result.problems


def test_the_same_request_is_approved_once() -> None:
    w = make_world()
    req = submit(w.project, w.project_lead, requested_gpu_hours=100)
    results = in_threads(3, lambda i: review(req, w.reviewer, "approve"))
    assert sum(1 for r in results if isinstance(r, Conflict)) == 2
    assert Allocation.objects.filter(request=req).count() == 1


def test_two_imports_cannot_together_exceed_the_eurohpc_pool() -> None:
    w = make_world()
    set_capacity(pool_of(date(2026, 2, 1), "eurohpc"), 1_000)
    files = [[Award(reference=f"EHPC-R-{i}", project=w.project.code, gpu_hours=700,
                    start=date(2026, 2, 1), end=date(2026, 2, 28), access_type="fast_lane")]
             for i in range(2)]

    results = in_threads(2, lambda i: eurohpc.eurohpc_import(
        access=access_for(w.operator), actor=Actor.of(w.operator), awards=files[i]))

    assert sum(1 for r in results if isinstance(r, Conflict)) == 1, results
    assert Allocation.objects.count() == 1


def test_the_same_file_imported_twice_at_once_gives_one_allocation() -> None:
    w = make_world()
    awards = [Award(reference="EHPC-SAME", project=w.project.code, gpu_hours=10,
                    start=date(2026, 3, 1), end=date(2026, 3, 2), access_type="development")]
    pool_of(date(2026, 3, 1), "eurohpc")  # the period exists: both threads lock its pool
    results = in_threads(2, lambda i: eurohpc.eurohpc_import(
        access=access_for(w.operator), actor=Actor.of(w.operator), awards=awards))
    assert sorted(len(r.created) for r in results) == [0, 1]
    assert Allocation.objects.filter(eurohpc_reference="EHPC-SAME").count() == 1


def test_a_top_up_and_an_approval_cannot_together_exceed_the_pool() -> None:
    from laif.allocations import changes

    w = make_world()
    first = review(submit(w.project, w.project_lead, requested_gpu_hours=400), w.reviewer,
                   "approve")
    set_capacity(first, 1_000)  # ceiling 1,200: 400 granted, 800 left
    allocation = Allocation.objects.get(request=first)
    top_up = changes.allocation_change_submit(
        access=access_for(w.project_lead), actor=Actor.of(w.project_lead),
        allocation_id=allocation.pk, data=changes.ChangeData(
            kind="top_up", gpu_hours=500, justification="Line 4 joins the project next week."))
    other = submit(w.other_project, w.other_member, requested_gpu_hours=500)
    requests = [top_up, other]

    results = in_threads(2, lambda i: review(requests[i], w.reviewer, "approve"))

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1, results
    assert "only 300 are left" in refused[0].message
    assert sum(Allocation.objects.values_list("granted_gpu_hours", flat=True)) == 900
    result = audit_verify()
    assert result.ok, result.problems
