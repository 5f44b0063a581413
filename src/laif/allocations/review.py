"""The review of allocation requests (services): new allocations and their changes (renewal,
extension, top-up, see ``changes``) are decided the same way, by a reviewer, with the same
history. Approval applies the request under row locks taken in one order: request, allocation,
pool, audit checkpoint. GPU-hours granted are checked against the pool's capacity x overbooking
while the pool row is locked, so concurrent approvals never take a pool past its ceiling.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, PermissionDenied
from laif.accounts.notices import mail_on_commit, site_link
from laif.allocations import capacity, lifecycle
from laif.allocations.choices import (
    LIMIT_STATES,
    DataSensitivity,
    Decision,
    RequestKind,
    RequestStatus,
)
from laif.allocations.hooks import grants_changed
from laif.allocations.models import (
    Allocation,
    AllocationChange,
    AllocationPeriod,
    AllocationRequest,
    Pool,
    ReviewEvent,
)
from laif.allocations.notices import project_people
from laif.allocations.permissions import can_review
from laif.allocations.services import (
    MAX_TEXT,
    access_type_get,
    capacity_message,
    granted_in,
    hours,
    request_event,
    request_for_update,
    today_or,
)

if TYPE_CHECKING:
    from laif.accounts.models import Project

REVIEW_DECISIONS = ("approve", "reject", "request_changes")


def _allocation_dates(req: AllocationRequest, period: AllocationPeriod, today: date,
                      not_before: date | None = None) -> tuple[date, date]:
    if today > period.end:
        raise Conflict(_("The period of this request ended on %(end)s; it can no longer be "
                         "approved.") % {"end": date_format(period.end)})
    start = max(today, period.start, not_before or period.start)
    months = req.requested_months or access_type_get(req.access_type).max_duration_months
    end = min(capacity.allocation_end(start, months), period.end)
    return start, end


def dates_if_approved(req: AllocationRequest, today: date) -> tuple[date, date] | None:
    """The dates a new allocation would have if the request were approved today, shown on the
    reviewer's form (None for a change of an allocation, or a period already over)."""
    if req.kind != RequestKind.NEW or today > req.period.end:
        return None
    return _allocation_dates(req, req.period, today)


def review_flags(req: AllocationRequest, *, today: date,
                 pool_left: int | None = None) -> list[str]:
    """What a reviewer must not miss on a request, in words: personal data, more hours than the
    pool can still grant, a duration the period cuts short if approved today."""
    flags: list[str] = []
    if req.data_sensitivity == DataSensitivity.PERSONAL:
        flags.append(_("Personal data: the jobs may read it only through a data sandbox "
                       "(pseudonymised copies); check the legal basis in the case."))
    if pool_left is not None and req.requested_gpu_hours > pool_left:
        flags.append(_("More GPU-hours than the pool can still grant: %(left)s are left.")
                     % {"left": hours(max(pool_left, 0))})
    cut = cut_short(req, today)
    if cut is not None:
        flags.append(cut)
    return flags


def cut_short(req: AllocationRequest, today: date) -> str | None:
    """Said to the project when it submits and to the reviewer: approved today, the allocation
    would end with its period before the months asked for (None when it would not)."""
    dates = dates_if_approved(req, today)
    if dates is None or not req.requested_months:
        return None
    start, end = dates
    if end >= capacity.allocation_end(start, req.requested_months):
        return None
    return (_("Approved today, the allocation would end on %(end)s with its period, before the "
              "%(months)d months asked for.")
            % {"end": date_format(end), "months": req.requested_months})


def _check_capacity(pool: Pool, granted: int) -> int:
    """GPU-hours left in the (locked) pool after this grant; Conflict with the figures if none."""
    try:
        return capacity.check_grant(
            capacity=pool.capacity_gpu_hours, overbooking=pool.overbooking_factor,
            granted=granted_in(pool), requested=granted)
    except capacity.CapacityExceeded as exc:
        raise Conflict(capacity_message(exc, pool), field="gpu_hours") from exc


def _granted(req: AllocationRequest, gpu_hours: int | None) -> int:
    granted = req.requested_gpu_hours if gpu_hours is None else gpu_hours
    if not 1 <= granted <= req.requested_gpu_hours:
        raise DomainError(_("Grant from 1 to the %(requested)s GPU-hours requested.")
                          % {"requested": hours(req.requested_gpu_hours)}, field="gpu_hours")
    return granted


def _amended(req: AllocationRequest) -> int:
    if req.amends_id is None:  # excluded by a database constraint for changes
        raise Conflict(_("This change request names no allocation."))
    return req.amends_id


def _approve_new(req: AllocationRequest, actor: Actor, gpu_hours: int | None,
                 today: date) -> tuple[int, dict[str, object]]:
    """A new allocation, or a renewal (a new allocation that follows the one it renews)."""
    granted = _granted(req, gpu_hours)
    renews = None
    if req.kind == RequestKind.RENEWAL:
        renews = Allocation.objects.select_for_update(of=("self",)).get(pk=_amended(req))
        if Allocation.objects.filter(renews=renews).exists():
            raise Conflict(_("This allocation has already been renewed."))
    pool = Pool.objects.select_for_update().select_related("period").get(pk=req.pool_id)
    start, end = _allocation_dates(
        req, pool.period, today,
        not_before=renews.end + timedelta(days=1) if renews is not None else None)
    left = _check_capacity(pool, granted)
    allocation = Allocation.objects.create(
        request=req, project=req.project, pool=pool, access_type=req.access_type,
        title=req.title, granted_gpu_hours=granted, start=start, end=end, renews=renews,
        created_by_id=actor.user_id)
    return granted, {"allocation": allocation.pk, "requested": req.requested_gpu_hours,
                     "granted": granted, "pool": pool.pk, "left_in_pool": left,
                     "start": start.isoformat(), "end": end.isoformat(),
                     "renews": renews.pk if renews is not None else None}


def _approve_change(req: AllocationRequest, actor: Actor, gpu_hours: int | None,
                    today: date) -> tuple[int | None, dict[str, object]]:
    """A top-up (more GPU-hours, same pool) or an extension (a later end, same pool)."""
    allocation = (Allocation.objects.select_for_update(of=("self",))
                  .select_related("pool__period").get(pk=_amended(req)))
    before_hours, before_end = allocation.granted_gpu_hours, allocation.end
    granted: int | None = None
    detail: dict[str, object] = {"allocation": allocation.pk}
    if allocation.state not in LIMIT_STATES:
        raise Conflict(_("The allocation has expired meanwhile; the project should request a "
                         "renewal."))
    if req.kind == RequestKind.TOP_UP:
        granted = _granted(req, gpu_hours)
        pool = Pool.objects.select_for_update().select_related("period").get(
            pk=allocation.pool_id)
        detail["left_in_pool"] = _check_capacity(pool, granted)
        allocation.granted_gpu_hours += granted
    else:
        new_end = req.requested_end or allocation.end
        if new_end > allocation.pool.period.end or new_end < today or new_end <= allocation.end:
            raise Conflict(_("The new end date %(end)s no longer fits: it must be after "
                             "%(current)s, not in the past, and at the latest %(period_end)s.")
                           % {"end": date_format(new_end), "current": date_format(allocation.end),
                              "period_end": date_format(allocation.pool.period.end)})
        allocation.end = new_end
        # back in force: active, or expiring if the new end is near
        allocation.state = lifecycle.state_on(
            end=new_end, grace_days=settings.LAIF_ALLOCATION_GRACE_DAYS, today=today)
    allocation.save(update_fields=["granted_gpu_hours", "end", "state"])
    AllocationChange.objects.create(
        allocation=allocation, request=req, kind=req.kind, at=timezone.now(),
        actor_label=actor.label[:254], gpu_hours_before=before_hours,
        gpu_hours_after=allocation.granted_gpu_hours, end_before=before_end,
        end_after=allocation.end)
    detail.update({"gpu_hours": [before_hours, allocation.granted_gpu_hours],
                   "end": [before_end.isoformat(), allocation.end.isoformat()]})
    return granted, detail


def allocation_review(
    *, access: Access, actor: Actor, request_id: int, decision: str,
    gpu_hours: int | None = None, comment: str = "", today: date | None = None,
) -> AllocationRequest:
    """A reviewer approves (possibly with fewer GPU-hours), rejects or asks for changes.
    Approval creates the allocation (new request, renewal) or changes it (top-up, extension),
    within the pool's capacity x overbooking."""
    if decision not in REVIEW_DECISIONS:
        raise DomainError(_("Choose approve, reject or request changes."), field="decision")
    comment = comment.strip()
    if len(comment) > MAX_TEXT:
        raise DomainError(_("At most %(max)d characters per text.") % {"max": MAX_TEXT},
                          field="comment")
    if decision != "approve" and not comment:
        raise DomainError(_("Say why in a comment: the project will read it."), field="comment")
    day = today_or(today)
    with transaction.atomic():
        req = request_for_update(access, request_id)
        if not can_review(access):
            raise PermissionDenied(_("Only reviewers decide on allocation requests."))
        if req.status != RequestStatus.SUBMITTED:
            raise Conflict(_("This request is not awaiting review (it is %(status)s).")
                           % {"status": req.get_status_display().lower()})
        org_id = req.project.organisation_id
        if decision == "approve":
            if req.kind in (RequestKind.TOP_UP, RequestKind.EXTENSION):
                granted, detail = _approve_change(req, actor, gpu_hours, day)
            else:
                granted, detail = _approve_new(req, actor, gpu_hours, day)
            req.status = RequestStatus.APPROVED
            grants_changed(req.project_id)
            event = request_event(req, actor, Decision.APPROVED, gpu_hours=granted,
                                  comment=comment)
            action = ("allocation_request.approved" if req.kind == RequestKind.NEW
                      else f"allocation_change.{req.kind}_approved")
            audit_record(actor=actor, action=action, target=f"allocation_request:{req.pk}",
                         organisation_id=org_id, detail=detail)
        else:
            outcome = (Decision.REJECTED if decision == "reject"
                       else Decision.CHANGES_REQUESTED)
            req.status = (RequestStatus.REJECTED if decision == "reject"
                          else RequestStatus.CHANGES_REQUESTED)
            event = request_event(req, actor, outcome, comment=comment)
            audit_record(actor=actor, action=f"allocation_request.{outcome}",
                         target=f"allocation_request:{req.pk}", organisation_id=org_id)
        req.save(update_fields=["status", "updated_at"])
        _notify_decision(req, req.project, event)
    return req


def _notify_decision(req: AllocationRequest, project: Project, event: ReviewEvent) -> None:
    link = site_link("compute_request", request_id=req.pk)

    def subject() -> str:
        titles = {
            Decision.APPROVED: _("Allocation approved: %(title)s"),
            Decision.REJECTED: _("Allocation request rejected: %(title)s"),
            Decision.CHANGES_REQUESTED: _("Changes requested on your allocation request: "
                                          "%(title)s"),
        }
        return titles[Decision(event.decision)] % {"title": req.title}

    def body() -> str:
        if event.decision == Decision.APPROVED and req.kind == RequestKind.EXTENSION:
            text = _("The allocation of %(project)s now ends on %(end)s.") % {
                "project": project.name,
                "end": (date_format(req.requested_end) if req.requested_end else "")}
        elif event.decision == Decision.APPROVED and req.kind == RequestKind.TOP_UP:
            text = _("%(hours)s more GPU-hours are granted to %(project)s.") % {
                "hours": hours(event.gpu_hours or 0), "project": project.name}
        elif event.decision == Decision.APPROVED:
            text = _("%(hours)s GPU-hours are granted to %(project)s.") % {
                "hours": hours(event.gpu_hours or 0), "project": project.name}
        elif event.decision == Decision.REJECTED:
            text = _("The request of %(project)s was rejected.") % {"project": project.name}
        else:
            text = _("The reviewers ask for changes before deciding on the request of "
                     "%(project)s; edit and resubmit it.") % {"project": project.name}
        if event.comment:
            text += "\n\n" + _("Reviewer's comment:") + "\n" + event.comment
        return text + "\n\n" + link

    def notice() -> str:
        if not event.comment:
            return subject()
        return subject() + "\n" + _("Reviewer's comment:") + " " + event.comment

    mail_on_commit(project_people(project, req.submitted_by_id), subject, body,
                   kind="allocation.decision", link=link, notice=notice)
