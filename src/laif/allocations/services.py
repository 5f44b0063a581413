"""Writes of the compute context: allocation periods and pools, requests and their review,
EuroHPC award imports. Keyword-only; each owns its transaction and records its audit entry in
it; e-mail goes out with ``transaction.on_commit``.

Capacity: a grant locks its pool row (``SELECT ... FOR UPDATE``) before adding up what the pool
has granted, so two approvals (or an approval and an import) can never together take a pool past
capacity x overbooking. Locks are taken in one order: request, pool, audit checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import SYSTEM, Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit, site_link
from laif.allocations import capacity
from laif.allocations.choices import DataSensitivity, Decision, PoolKind, RequestKind, RequestStatus
from laif.allocations.models import (
    Allocation,
    AllocationPeriod,
    AllocationRequest,
    Pool,
    ReviewEvent,
)
from laif.allocations.notices import reviewers
from laif.catalogue.cluster import AccessType, ClusterCatalogue

if TYPE_CHECKING:
    from laif.accounts.models import Project

logger = logging.getLogger(__name__)

MAX_TEXT = 5000


def cluster() -> ClusterCatalogue:
    """The cluster, access types and policy in force (``cluster.json`` + environment)."""
    catalogue: ClusterCatalogue = settings.LAIF_CLUSTER
    return catalogue


def today_or(today: date | None) -> date:
    return today or timezone.localdate()


def hours(value: int) -> str:
    """A number of GPU-hours with the current language's digit grouping."""
    return number_format(value, force_grouping=True)


# --------------------------------------------------------------------------- periods and pools


def _period_bounds(day: date) -> tuple[date, date]:
    """The policy's period around ``day``, trimmed so that it never overlaps a period created
    earlier under another policy (a changed period length applies from the next period on)."""
    policy = cluster().policy
    start, end = capacity.period_containing(day, anchor=policy.first_period_start,
                                            months=policy.period_months)
    before = (AllocationPeriod.objects.filter(end__gte=start, end__lt=day)
              .order_by("-end").values_list("end", flat=True).first())
    if before is not None:
        start = before + timedelta(days=1)
    after = (AllocationPeriod.objects.filter(start__lte=end, start__gt=day)
             .order_by("start").values_list("start", flat=True).first())
    if after is not None:
        end = after - timedelta(days=1)
    return start, end


def period_preview(*, day: date) -> tuple[date, date]:
    """First and last day of the period that contains ``day``, without creating it."""
    existing = AllocationPeriod.objects.filter(start__lte=day, end__gte=day).first()
    if existing is not None:
        return existing.start, existing.end
    return _period_bounds(day)


def period_choices(today: date | None = None) -> list[tuple[str, tuple[date, date]]]:
    """The periods a request can be made for: the current one and the next one."""
    current = period_preview(day=today_or(today))
    return [("current", current), ("next", period_preview(day=current[1] + timedelta(days=1)))]


def allocation_period_ensure(*, day: date) -> AllocationPeriod:
    """The allocation period that contains ``day``, created with its pools from the policy in
    force when it does not exist yet."""
    existing = AllocationPeriod.objects.filter(start__lte=day, end__gte=day).first()
    if existing is not None:
        return existing
    catalogue = cluster()
    policy = catalogue.policy
    start, end = _period_bounds(day)
    total = capacity.gpu_hours(catalogue.total_gpus, start, end)
    capacities = capacity.pool_capacities(total, policy.pool_shares_percent)
    with transaction.atomic():
        period, created = AllocationPeriod.objects.get_or_create(
            start=start, defaults={"end": end, "total_gpus": catalogue.total_gpus})
        if created:
            for kind in PoolKind.values:
                Pool.objects.create(
                    period=period, kind=kind, share_percent=policy.pool_shares_percent[kind],
                    capacity_gpu_hours=capacities[kind],
                    overbooking_factor=policy.overbooking_factor,
                )
            audit_record(
                actor=SYSTEM, action="allocation_period.created",
                target=f"allocation_period:{period.pk}",
                detail={"start": start.isoformat(), "end": end.isoformat(),
                        "gpus": catalogue.total_gpus, "capacity_gpu_hours": capacities,
                        "overbooking": str(policy.overbooking_factor)},
            )
    return period


def _period_for(choice: str, today: date) -> AllocationPeriod:
    current = allocation_period_ensure(day=today)
    if choice == "current":
        return current
    if choice == "next":
        return allocation_period_ensure(day=current.end + timedelta(days=1))
    raise DomainError(_("Choose the current or the next period."), field="period")


def granted_in(pool: Pool) -> int:
    total = Allocation.objects.filter(pool=pool).aggregate(total=Sum("granted_gpu_hours"))
    return int(total["total"] or 0)


def capacity_message(exc: capacity.CapacityExceeded, pool: Pool) -> str:
    f = exc.figures
    names = {PoolKind.NATIONAL: _("the national pool"), PoolKind.EUROHPC: _("the EuroHPC pool")}
    return _(
        "Not enough GPU-hours left in %(pool)s of %(start)s to %(end)s: capacity "
        "%(capacity)s x overbooking %(overbooking)s = %(ceiling)s GPU-hours; already granted "
        "%(granted)s, requested %(requested)s; only %(left)s are left."
    ) % {
        "pool": names.get(PoolKind(pool.kind), pool.kind),
        "start": date_format(pool.period.start), "end": date_format(pool.period.end),
        "capacity": hours(f.capacity), "overbooking": number_format(f.overbooking.normalize()),
        "ceiling": hours(f.ceiling), "granted": hours(f.granted),
        "requested": hours(exc.requested), "left": hours(f.left),
    }


# --------------------------------------------------------------------------- notices


def notify_reviewers(req: AllocationRequest, project: Project, *, again: bool) -> None:
    link = site_link("compute_request", request_id=req.pk)

    def subject() -> str:
        if again:
            return _("Allocation request resubmitted: %(title)s") % {"title": req.title}
        if req.kind != RequestKind.NEW:
            return _("%(kind)s requested: %(title)s") % {"kind": req.get_kind_display(),
                                                          "title": req.title}
        return _("New allocation request: %(title)s") % {"title": req.title}

    def body() -> str:
        if req.kind == RequestKind.EXTENSION and req.amends is not None:
            return _("%(project)s (%(org)s) asks to extend its allocation from %(end)s to "
                     "%(new_end)s.\n\nReview it: %(link)s") % {
                "project": project.name, "org": project.organisation.name,
                "end": date_format(req.amends.end),
                "new_end": date_format(req.requested_end or req.amends.end), "link": link}
        if req.kind == RequestKind.TOP_UP:
            return _("%(project)s (%(org)s) asks for %(hours)s more GPU-hours on its "
                     "allocation.\n\nReview it: %(link)s") % {
                "project": project.name, "org": project.organisation.name,
                "hours": hours(req.requested_gpu_hours), "link": link}
        return _(
            "%(project)s (%(org)s) asks for %(hours)s GPU-hours (%(access)s) from the national "
            "pool of %(start)s to %(end)s.\n\nReview it: %(link)s"
        ) % {"project": project.name, "org": project.organisation.name,
             "hours": hours(req.requested_gpu_hours),
             "access": access_type_get(req.access_type).title_in(translation.get_language() or "en"),
             "start": date_format(req.period.start), "end": date_format(req.period.end),
             "link": link}

    mail_on_commit(reviewers(), subject, body, kind="allocation.request", link=link)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class RequestData:
    title: str
    access_type: str
    requested_gpu_hours: int
    justification: str
    expected_outputs: str
    data_sensitivity: str
    requested_months: int | None = None  # None: as long as the access type allows


def access_type_get(key: str) -> AccessType:
    found = cluster().access_type(key)
    if found is None:
        raise DomainError(
            _("Unknown access type %(key)s; choose one of: %(keys)s.")
            % {"key": key[:40], "keys": ", ".join(a.key for a in cluster().access_types)},
            field="access_type",
        )
    return found


def clean_request(data: RequestData) -> RequestData:
    title = " ".join(data.title.split())[:200]
    if not title:
        raise DomainError(_("Give the request a title."), field="title")
    access = access_type_get(data.access_type)
    if not 1 <= data.requested_gpu_hours <= access.max_gpu_hours:
        raise DomainError(
            _("%(access)s requests are for 1 to %(max)s GPU-hours.")
            % {"access": access.title_in(translation.get_language() or "en"),
               "max": hours(access.max_gpu_hours)},
            field="requested_gpu_hours",
        )
    months = data.requested_months
    if months is not None and not 1 <= months <= access.max_duration_months:
        raise DomainError(
            _("%(access)s allocations last at most %(max)d months: ask for 1 to %(max)d months, "
              "or choose an access type that lasts longer.")
            % {"access": access.title_in(translation.get_language() or "en"),
               "max": access.max_duration_months},
            field="requested_months",
        )
    justification = data.justification.strip()
    if len(justification) < 20:
        raise DomainError(_("Explain in a few sentences what the GPU-hours are for."),
                          field="justification")
    outputs = data.expected_outputs.strip()
    if not outputs:
        raise DomainError(_("Say what the project expects to produce."),
                          field="expected_outputs")
    if len(justification) > MAX_TEXT or len(outputs) > MAX_TEXT:
        raise DomainError(_("At most %(max)d characters per text.") % {"max": MAX_TEXT})
    if data.data_sensitivity not in DataSensitivity.values:
        raise DomainError(_("Choose the sensitivity of the data."), field="data_sensitivity")
    return RequestData(title=title, access_type=access.key,
                       requested_gpu_hours=data.requested_gpu_hours, justification=justification,
                       expected_outputs=outputs, data_sensitivity=data.data_sensitivity,
                       requested_months=months)


def check_fits_period(months: int | None, period: AllocationPeriod, today: date) -> None:
    """A duration that the period cannot hold is refused, never shortened behind the
    project's back: an allocation ends with its period at the latest."""
    if months is None:
        return
    start = max(today, period.start)
    room = capacity.months_within(start, period.end)
    if months > room:
        raise DomainError(
            _("This period ends on %(end)s: an allocation starting on %(start)s can last "
              "%(room)d months at most, the last one ending with the period. Ask for fewer "
              "months, or for the next period.")
            % {"end": date_format(period.end), "start": date_format(start), "room": room},
            field="requested_months",
        )


def managed_project(access: Access, project_id: int, refused: str) -> Project:
    project = account_selectors.project_of(project_id)
    if project is None or not access.can_view_project(project.pk, project.organisation_id):
        raise NotFound(_("Project not found."))
    if not access.can_manage_project(project.pk, project.organisation_id):
        raise PermissionDenied(refused)
    return project


def request_event(req: AllocationRequest, actor: Actor, decision: str, *, gpu_hours: int | None = None,
           comment: str = "") -> ReviewEvent:
    return ReviewEvent.objects.create(
        request=req, actor_id=actor.user_id, actor_label=actor.label[:254], at=timezone.now(),
        decision=decision, gpu_hours=gpu_hours, comment=comment,
    )


def allocation_request_submit(
    *, access: Access, actor: Actor, project_id: int, data: RequestData,
    period: str = "current", today: date | None = None,
) -> AllocationRequest:
    """A project asks for GPU-hours from the national pool (lead or organisation admin)."""
    project = managed_project(access, project_id, _(
        "Only the project lead or an organisation admin can request GPU-hours."))
    clean = clean_request(data)
    if actor.user_id is None:  # anonymous people manage no project; kept for the type checker
        raise PermissionDenied(_("Log in first."))
    with transaction.atomic():
        day = today_or(today)
        target = _period_for(period, day)
        check_fits_period(clean.requested_months, target, day)
        pool = Pool.objects.get(period=target, kind=PoolKind.NATIONAL)
        req = AllocationRequest.objects.create(
            project=project, period=target, pool=pool, submitted_by_id=actor.user_id,
            status=RequestStatus.SUBMITTED, **clean.__dict__,
        )
        request_event(req, actor, Decision.SUBMITTED, gpu_hours=req.requested_gpu_hours)
        audit_record(
            actor=actor, action="allocation_request.submitted",
            target=f"allocation_request:{req.pk}", organisation_id=project.organisation_id,
            detail={"project": project.code, "access_type": req.access_type,
                    "gpu_hours": req.requested_gpu_hours, "period": target.start.isoformat(),
                    "months": req.requested_months,
                    "data_sensitivity": req.data_sensitivity},
        )
        notify_reviewers(req, project, again=False)
    return req


def request_for_update(access: Access, request_id: int) -> AllocationRequest:
    """The request, row-locked, if the requester may see it (else NotFound)."""
    req = (AllocationRequest.objects.select_for_update().filter(pk=request_id).first())
    if req is None:
        raise NotFound(_("Allocation request not found."))
    project = account_selectors.project_of(req.project_id)
    if project is None or not access.can_view_project(project.pk, project.organisation_id):
        raise NotFound(_("Allocation request not found."))
    req.project = project
    return req


def allocation_request_withdraw(*, access: Access, actor: Actor,
                                request_id: int) -> AllocationRequest:
    with transaction.atomic():
        req = request_for_update(access, request_id)
        if not access.can_manage_project(req.project_id, req.project.organisation_id):
            raise PermissionDenied(_("Only the project lead or an organisation admin can "
                                     "withdraw the request."))
        if not req.is_open:
            raise Conflict(_("This request is %(status)s; only an open request can be "
                             "withdrawn.") % {"status": req.get_status_display().lower()})
        req.status = RequestStatus.WITHDRAWN
        req.save(update_fields=["status", "updated_at"])
        request_event(req, actor, Decision.WITHDRAWN)
        audit_record(actor=actor, action="allocation_request.withdrawn",
                     target=f"allocation_request:{req.pk}",
                     organisation_id=req.project.organisation_id)
    return req


def allocation_request_resubmit(*, access: Access, actor: Actor, request_id: int,
                                data: RequestData) -> AllocationRequest:
    """After the reviewers asked for changes: the corrected request goes back to review. A
    top-up or an extension keeps the title, access type and data of its allocation; an
    extension asks for no GPU-hours."""
    with transaction.atomic():
        req = request_for_update(access, request_id)
        if not access.can_manage_project(req.project_id, req.project.organisation_id):
            raise PermissionDenied(_("Only the project lead or an organisation admin can "
                                     "resubmit the request."))
        if req.status != RequestStatus.CHANGES_REQUESTED:
            raise Conflict(_("Only a request on which the reviewers asked for changes can be "
                             "resubmitted."))
        if req.kind in (RequestKind.TOP_UP, RequestKind.EXTENSION):
            data = replace(data, title=req.title, access_type=req.access_type,
                           data_sensitivity=req.data_sensitivity,
                           requested_months=req.requested_months)
        if req.kind == RequestKind.EXTENSION:
            clean = replace(clean_request(replace(data, requested_gpu_hours=1)),
                            requested_gpu_hours=0)
        else:
            clean = clean_request(data)
        before = {"access_type": req.access_type, "gpu_hours": req.requested_gpu_hours}
        for name, value in clean.__dict__.items():
            setattr(req, name, value)
        req.status = RequestStatus.SUBMITTED
        req.save()
        request_event(req, actor, Decision.RESUBMITTED, gpu_hours=req.requested_gpu_hours)
        audit_record(
            actor=actor, action="allocation_request.resubmitted",
            target=f"allocation_request:{req.pk}", organisation_id=req.project.organisation_id,
            detail={"before": before, "access_type": req.access_type,
                    "gpu_hours": req.requested_gpu_hours},
        )
        notify_reviewers(req, req.project, again=True)
    return req
