"""Reads of the compute context, scoped by the requester's ``Access``.

Project members see their project's requests and allocations, organisation admins those of their
organisation's projects; operators, reviewers and auditors see all of them (a staff read of one
request is recorded in the audit log as data access); trainers see none. Pool figures and the
review queue are for operators, reviewers and auditors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from django.db.models import Count, Min, Model, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import audit_staff_read
from laif.allocations.capacity import add_months
from laif.allocations.choices import (
    IN_FORCE_STATES,
    OPEN_STATUSES,
    Decision,
    PoolKind,
    RequestKind,
    RequestStatus,
)
from laif.allocations.models import (
    Allocation,
    AllocationPeriod,
    AllocationRequest,
    Pool,
    ReviewEvent,
)
from laif.allocations.permissions import sees_pools

M = TypeVar("M", bound=Model)


def in_scope(qs: QuerySet[M], access: Access, project_id: int | None) -> QuerySet[M]:
    """Rows of the projects the requester sees (all for client-data staff), optionally of one."""
    if not access.sees_all_clients:
        qs = qs.filter(Q(project_id__in=list(access.project_roles))
                       | Q(project__organisation_id__in=access.admin_org_ids))
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return qs


def requests_for(access: Access, *, project_id: int | None = None,
                 status: str | None = None) -> QuerySet[AllocationRequest]:
    qs = AllocationRequest.objects.select_related(
        "project", "project__organisation", "period", "pool", "submitted_by")
    qs = in_scope(qs, access, project_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def request_get(*, access: Access, actor: Actor, request_id: int) -> AllocationRequest:
    """One request with its history and its allocation (when approved)."""
    req = (requests_for(access).prefetch_related("events").select_related("allocation")
           .filter(pk=request_id).first())
    if req is None:
        raise NotFound(_("Allocation request not found."))
    org_id = req.project.organisation_id
    audit_staff_read(access, actor, f"allocation_request:{req.pk}", org_id)
    return req


def allocations_for(access: Access, *,
                    project_id: int | None = None) -> QuerySet[Allocation]:
    qs = Allocation.objects.select_related("project", "project__organisation", "pool",
                                           "pool__period")
    return in_scope(qs, access, project_id)


def allocation_get(*, access: Access, actor: Actor, allocation_id: int) -> Allocation:
    """One allocation the requester may see, with the history of its changes."""
    allocation = (allocations_for(access).prefetch_related("changes")
                  .filter(pk=allocation_id).first())
    if allocation is None:
        raise NotFound(_("Allocation not found."))
    org_id = allocation.project.organisation_id
    audit_staff_read(access, actor, f"allocation:{allocation.pk}", org_id)
    return allocation


def change_requests_of(allocation: Allocation) -> QuerySet[AllocationRequest]:
    """Renewal, extension and top-up requests on an allocation (already in scope), newest
    first."""
    return (AllocationRequest.objects.filter(amends=allocation)
            .select_related("project", "project__organisation", "period", "pool",
                            "submitted_by"))


def renewed_by(allocation: Allocation) -> int | None:
    found: int | None = (Allocation.objects.filter(renews=allocation)
                         .values_list("pk", flat=True).first())
    return found


@dataclass(frozen=True)
class Granted:
    """What the review of a request granted, to show beside what was asked: GPU-hours (added,
    for a top-up) and the dates (the new end only, for an extension)."""

    gpu_hours: int | None
    start: date | None
    end: date | None
    added: bool = False  # a top-up: hours added to the allocation


def granted_for(requests: list[AllocationRequest]) -> dict[int, Granted]:
    """The grant of each approved request among ``requests``, by request id (two queries)."""
    approved = [r for r in requests if r.status == RequestStatus.APPROVED]
    if not approved:
        return {}
    ids = [r.pk for r in approved]
    allocations = {a.request_id: a for a in Allocation.objects.filter(request_id__in=ids)}
    top_ups = dict(ReviewEvent.objects.filter(request_id__in=ids, decision=Decision.APPROVED)
                   .values_list("request_id", "gpu_hours"))
    out: dict[int, Granted] = {}
    for r in approved:
        if r.kind == RequestKind.TOP_UP:
            out[r.pk] = Granted(gpu_hours=top_ups.get(r.pk), start=None, end=None, added=True)
        elif r.kind == RequestKind.EXTENSION:
            out[r.pk] = Granted(gpu_hours=None, start=None, end=r.requested_end)
        elif (a := allocations.get(r.pk)) is not None:
            out[r.pk] = Granted(gpu_hours=a.granted_gpu_hours, start=a.start, end=a.end)
    return out


def review_queue(*, access: Access) -> QuerySet[AllocationRequest]:
    """Requests awaiting a decision, oldest first."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only factory staff who review allocations see the queue."))
    return requests_for(access, status=RequestStatus.SUBMITTED).order_by("created_at", "id")


def periods(*, access: Access) -> QuerySet[AllocationPeriod]:
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    return AllocationPeriod.objects.all()


def current_period(today: date | None = None) -> AllocationPeriod | None:
    day = today or timezone.localdate()
    return AllocationPeriod.objects.filter(start__lte=day, end__gte=day).first()


def allocation_counts_by_state(*, access: Access) -> dict[str, int]:
    """How many allocations are in each state (aggregates: the staff dashboard's chart)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    return {row["state"]: row["n"] for row in
            Allocation.objects.order_by().values("state").annotate(n=Count("id"))}


def national_share_percent(today: date | None = None) -> int | None:
    """The national pool's share of the current period's GPU-hours (None: no period)."""
    period = current_period(today)
    if period is None:
        return None
    share = Pool.objects.filter(period=period, kind=PoolKind.NATIONAL).values_list(
        "share_percent", flat=True).first()
    return None if share is None else int(share)


def request_titles(ids: Iterable[int]) -> dict[int, str]:
    """The titles of these allocation requests (the audit log's names)."""
    return dict(AllocationRequest.objects.filter(pk__in=list(ids)).values_list("pk", "title"))


def allocation_titles(ids: Iterable[int]) -> dict[int, str]:
    """The titles of these allocations, or their grant when they have none (the audit log)."""
    return {pk: title or _("%(hours)s GPU-hours") % {"hours": hours}
            for pk, title, hours in Allocation.objects.filter(pk__in=list(ids)).values_list(
                "pk", "title", "granted_gpu_hours")}


def projects_with_allocations() -> list[int]:
    """Ids of the projects that hold an allocation (in any state), ascending: the projects the
    platform keeps a Slurm account for (internal, no access check)."""
    return sorted(set(Allocation.objects.values_list("project_id", flat=True)))


def allocation_spans() -> list[tuple[int, int, date, date]]:
    """``(allocation id, project id, start, end)`` of every allocation: what the usage ledger
    resolves a record's allocation from (internal, no access check)."""
    return list(Allocation.objects.values_list("id", "project_id", "start", "end"))


def allocations_in_force(project_id: int, today: date | None = None) -> QuerySet[Allocation]:
    """The project's allocations that take new jobs on ``today``: their balance together is what
    a new job must fit in, and what the scheduler's limit lets the project start."""
    day = today or timezone.localdate()
    return Allocation.objects.filter(project_id=project_id, state__in=IN_FORCE_STATES,
                                     start__lte=day, end__gte=day).order_by("id")


def first_allocation_start() -> date | None:
    """The first day of the earliest allocation (internal, no access check)."""
    first: date | None = Allocation.objects.aggregate(first=Min("start"))["first"]
    return first


@dataclass(frozen=True)
class PoolGrants:
    """A pool with what was granted from it, what waits for review, and its allocations."""

    pool: Pool
    granted_gpu_hours: int
    pending_gpu_hours: int  # asked for in requests awaiting review
    allocations: int


def pool_grants(*, period_id: int | None = None) -> list[PoolGrants]:
    """Each pool (of one period, or of all) with its grants (internal: callers check that the
    requester sees the pools, ``permissions.sees_pools``). Three queries."""
    pools = Pool.objects.select_related("period").annotate(
        granted=Sum("allocations__granted_gpu_hours"))
    if period_id is not None:
        pools = pools.filter(period_id=period_id)
    pending = dict(
        AllocationRequest.objects.filter(status=RequestStatus.SUBMITTED).order_by()
        .values("pool_id").annotate(total=Sum("requested_gpu_hours"))
        .values_list("pool_id", "total")
    )
    counts = dict(Allocation.objects.order_by().values("pool_id").annotate(n=Count("id"))
                  .values_list("pool_id", "n"))
    return [PoolGrants(pool=pool, granted_gpu_hours=int(pool.granted or 0),
                       pending_gpu_hours=int(pending.get(pool.pk) or 0),
                       allocations=int(counts.get(pool.pk) or 0))
            for pool in pools]


def last_allocation(project_id: int) -> Allocation | None:
    """The project's allocation that ends last, in any state (internal, no access check)."""
    return Allocation.objects.filter(project_id=project_id).order_by("-end").first()


def project_allocations(project_id: int) -> QuerySet[Allocation]:
    """The project's allocations, oldest first (internal, no access check)."""
    return Allocation.objects.filter(project_id=project_id).order_by("start", "pk")


def project_requests(project_id: int) -> QuerySet[AllocationRequest]:
    """The project's allocation requests, oldest first (internal, no access check)."""
    return AllocationRequest.objects.filter(project_id=project_id).order_by("pk")


@dataclass(frozen=True)
class RequestFlow:
    """Allocation requests through review, per month (site time zone): submitted, decided
    (approved or rejected for the first time) and the waiting time of those decided, submission to
    decision; and those waiting now (submitted or sent back for changes), with their ages."""

    submitted: dict[date, int]
    decided: dict[date, int]
    decided_wait_s: dict[date, float]  # the sum of the waits of the month's decisions
    pending: int
    pending_mean_age_s: float | None
    pending_oldest_age_s: float | None


_FINAL = (Decision.APPROVED, Decision.REJECTED)


def request_flow(*, access: Access, month_from: date, month_to: date) -> RequestFlow:
    """The request flow between two months (aggregates: the factory's figures)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    start = _month_start(month_from)
    end = _month_start(add_months(month_to.replace(day=1), 1))
    submitted: dict[date, int] = {}
    for row in (AllocationRequest.objects.filter(created_at__gte=start, created_at__lt=end)
                .order_by().annotate(m=TruncMonth("created_at")).values("m")
                .annotate(n=Count("id"))):
        submitted[timezone.localtime(row["m"]).date()] = int(row["n"])
    decided: dict[date, int] = {}
    waits: dict[date, float] = {}
    firsts = (ReviewEvent.objects.filter(decision__in=_FINAL).order_by()
              .values("request_id").annotate(first=Min("at"))
              .filter(first__gte=start, first__lt=end))
    created = dict(AllocationRequest.objects.filter(
        pk__in=[decision["request_id"] for decision in firsts]).values_list("pk", "created_at"))
    for decision in firsts:
        month = timezone.localtime(decision["first"]).date().replace(day=1)
        decided[month] = decided.get(month, 0) + 1
        waits[month] = waits.get(month, 0.0) + (
            decision["first"] - created[decision["request_id"]]).total_seconds()
    now = timezone.now()
    ages = [(now - at).total_seconds() for at in AllocationRequest.objects.filter(
        status__in=OPEN_STATUSES).values_list("created_at", flat=True)]
    return RequestFlow(submitted=submitted, decided=decided, decided_wait_s=waits,
                       pending=len(ages), pending_mean_age_s=sum(ages) / len(ages) if ages
                       else None, pending_oldest_age_s=max(ages, default=None))


def _month_start(month: date) -> datetime:
    return timezone.make_aware(datetime(month.year, month.month, 1))
