"""Helpers shared by the compute tests: requests and reviews made through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Project, User
from laif.allocations import services
from laif.allocations.choices import PoolKind
from laif.allocations.models import AllocationRequest, Pool
from laif.allocations.review import allocation_review

# A day inside the allocation period 2026-07-01..2026-12-31 of the shipped policy.
TODAY = date(2026, 9, 15)

REQUEST = services.RequestData(
    title="Fine-tune a vision model for line 3",
    access_type="fast_lane",
    requested_gpu_hours=20_000,
    justification="We fine-tune a vision transformer on two million images of line 3: "
                  "8 GPUs for about 2,500 hours, measured on a 1% sample.",
    expected_outputs="A defect detection model and a report on its accuracy.",
    data_sensitivity="internal",
)


def data(**changes: object) -> services.RequestData:
    values: dict[str, Any] = {**REQUEST.__dict__, **changes}
    return services.RequestData(**values)


def submit(project: Project, by: User, *, today: date = TODAY, period: str = "current",
           **changes: object) -> AllocationRequest:
    return services.allocation_request_submit(
        access=access_for(by), actor=Actor.of(by), project_id=project.pk, data=data(**changes),
        period=period, today=today)


def review(req: AllocationRequest, by: User, decision: str, *, gpu_hours: int | None = None,
           comment: str = "", today: date = TODAY) -> AllocationRequest:
    return allocation_review(
        access=access_for(by), actor=Actor.of(by), request_id=req.pk, decision=decision,
        gpu_hours=gpu_hours, comment=comment, today=today)


def set_capacity(req_or_pool: AllocationRequest | Pool, capacity: int,
                 overbooking: str = "1.2") -> Pool:
    """Shrink a pool so that tests reach its limit with small numbers."""
    pool = req_or_pool.pool if isinstance(req_or_pool, AllocationRequest) else req_or_pool
    Pool.objects.filter(pk=pool.pk).update(capacity_gpu_hours=capacity,
                                           overbooking_factor=overbooking)
    pool.refresh_from_db()
    return pool


def pool_of(day: date, kind: str = PoolKind.NATIONAL) -> Pool:
    period = services.allocation_period_ensure(day=day)
    return Pool.objects.get(period=period, kind=kind)
