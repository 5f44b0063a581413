"""Change requests on an allocation: renewal, extension and top-up (services).

Each is an ``AllocationRequest`` with ``kind`` and ``amends`` set, reviewed like a new request
(``review.allocation_review``) with the same history of review events:

- **top-up**: more GPU-hours on an allocation in force, from the same pool (capacity x
  overbooking checked again at approval);
- **extension**: a later end date for an allocation in force or in its grace period, no more
  GPU-hours, never past the end of its pool's period (the pool's GPU-hours belong to it);
- **renewal**: a new allocation for the period after the current one ends (or from today when it
  has already ended), from that period's national pool. When it starts, the project's scheduler
  usage is reset to 0 (``accounts_sync``), so it starts with its full grant.

A EuroHPC award changes only by EuroHPC's decision: its top-up or extension is refused here; a
project may still ask the national pool for a renewal. One open request of each kind at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.allocations.choices import (
    IN_FORCE_STATES,
    LIMIT_STATES,
    OPEN_STATUSES,
    AllocationState,
    Decision,
    PoolKind,
    RequestKind,
    RequestStatus,
)
from laif.allocations.models import Allocation, AllocationRequest, Pool
from laif.allocations.services import (
    RequestData,
    allocation_period_ensure,
    clean_request,
    notify_reviewers,
    request_event,
    today_or,
)

KINDS = tuple(k.value for k in (RequestKind.RENEWAL, RequestKind.EXTENSION, RequestKind.TOP_UP))


@dataclass(frozen=True)
class ChangeData:
    """What a project asks to change. ``gpu_hours``: the renewal's or the top-up's GPU-hours
    (ignored for an extension); ``end``: the extension's new end date. A renewal may give a new
    title and access type; left empty, those of the allocation are kept."""

    kind: str
    justification: str
    expected_outputs: str = ""
    gpu_hours: int = 0
    end: date | None = None
    title: str = ""
    access_type: str = ""


def _allocation_for_change(access: Access, allocation_id: int) -> Allocation:
    allocation = (Allocation.objects.select_for_update(of=("self",))
                  .select_related("project", "project__organisation", "pool__period", "request")
                  .filter(pk=allocation_id).first())
    if allocation is None or not access.can_view_project(
            allocation.project_id, allocation.project.organisation_id):
        raise NotFound(_("Allocation not found."))
    if not access.can_manage_project(allocation.project_id, allocation.project.organisation_id):
        raise PermissionDenied(_("Only the project lead or an organisation admin can ask to "
                                 "change the allocation."))
    return allocation


def _check_allowed(allocation: Allocation, kind: str, end: date | None, today: date) -> None:
    """Refuse, in plain words, a change that this allocation cannot take now."""
    if kind not in KINDS:
        raise DomainError(_("Choose a renewal, an extension or a top-up."), field="kind")
    if kind != RequestKind.RENEWAL and allocation.pool.kind == PoolKind.EUROHPC:
        raise Conflict(_("This allocation is a EuroHPC award: only EuroHPC changes its hours or "
                         "dates. Ask the national pool for a renewal instead."))
    if kind == RequestKind.TOP_UP and (allocation.state not in IN_FORCE_STATES
                                       or allocation.end < today):
        raise Conflict(_("Only an allocation in force can be topped up; request a renewal."))
    if kind == RequestKind.EXTENSION:
        if allocation.state not in LIMIT_STATES:
            raise Conflict(_("An expired allocation cannot be extended; request a renewal."))
        period_end = allocation.pool.period.end
        if allocation.end >= period_end:
            raise Conflict(_("The allocation already ends with its period (%(end)s); request a "
                             "renewal for the next period.") % {"end": date_format(period_end)})
        if end is None or not allocation.end < end <= period_end or end < today:
            raise DomainError(
                _("Choose a new end date after %(end)s and at the latest %(period_end)s, the "
                  "end of the allocation's period.")
                % {"end": date_format(max(allocation.end, today - timedelta(days=1))),
                   "period_end": date_format(period_end)}, field="end")
    if kind == RequestKind.RENEWAL:
        if allocation.state == AllocationState.CLOSED:
            raise Conflict(_("A closed allocation cannot be renewed."))
        if Allocation.objects.filter(renews=allocation).exists():
            raise Conflict(_("This allocation has already been renewed."))
    if AllocationRequest.objects.filter(amends=allocation, kind=kind,
                                        status__in=OPEN_STATUSES).exists():
        raise Conflict(_("A request of this kind is already open on this allocation; wait for "
                         "its review or withdraw it."))


def _request_data(allocation: Allocation, data: ChangeData) -> RequestData:
    previous = allocation.request
    keep_own = data.kind != RequestKind.RENEWAL
    return RequestData(
        title=(allocation.title if keep_own else data.title or allocation.title)
        or _("Allocation %(id)s") % {"id": allocation.pk},
        access_type=allocation.access_type if keep_own
        else data.access_type or allocation.access_type,
        requested_gpu_hours=1 if data.kind == RequestKind.EXTENSION else data.gpu_hours,
        justification=data.justification,
        expected_outputs=data.expected_outputs
        or (previous.expected_outputs if previous is not None else ""),
        data_sensitivity=previous.data_sensitivity if previous is not None else "internal",
    )


def allocation_change_submit(*, access: Access, actor: Actor, allocation_id: int,
                             data: ChangeData, today: date | None = None) -> AllocationRequest:
    """The project lead or an organisation admin asks for a renewal, an extension or a top-up;
    the reviewers are told, as for a new request."""
    day = today_or(today)
    if actor.user_id is None:
        raise PermissionDenied(_("Log in first."))
    with transaction.atomic():
        allocation = _allocation_for_change(access, allocation_id)
        _check_allowed(allocation, data.kind, data.end, day)
        clean = clean_request(_request_data(allocation, data))
        if data.kind == RequestKind.RENEWAL:
            period = allocation_period_ensure(day=max(day, allocation.end + timedelta(days=1)))
            pool = Pool.objects.get(period=period, kind=PoolKind.NATIONAL)
        else:
            pool = allocation.pool
            period = pool.period
        req = AllocationRequest.objects.create(
            project=allocation.project, period=period, pool=pool, kind=data.kind,
            amends=allocation, submitted_by_id=actor.user_id, status=RequestStatus.SUBMITTED,
            title=clean.title, access_type=clean.access_type,
            requested_gpu_hours=0 if data.kind == RequestKind.EXTENSION
            else clean.requested_gpu_hours,
            requested_end=data.end if data.kind == RequestKind.EXTENSION else None,
            justification=clean.justification, expected_outputs=clean.expected_outputs,
            data_sensitivity=clean.data_sensitivity)
        request_event(req, actor, Decision.SUBMITTED, gpu_hours=req.requested_gpu_hours or None,
                      comment=(_("New end date: %(end)s") % {"end": date_format(data.end)}
                               if data.end and data.kind == RequestKind.EXTENSION else ""))
        audit_record(
            actor=actor, action=f"allocation_change.{data.kind}_requested",
            target=f"allocation_request:{req.pk}",
            organisation_id=allocation.project.organisation_id,
            detail={"allocation": allocation.pk, "gpu_hours": req.requested_gpu_hours,
                    "end": req.requested_end.isoformat() if req.requested_end else None,
                    "period": period.start.isoformat()})
        notify_reviewers(req, allocation.project, again=False)
    return req

