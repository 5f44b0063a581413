"""REST endpoints of the compute context: thin wrappers over services and selectors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status

from laif.accounts.errors import DomainError, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.allocations import awards as award_files
from laif.allocations import changes, eurohpc, review, selectors, services
from laif.allocations.permissions import can_import_awards
from laif.compute import schemas as s
from laif.config.apitypes import Id
from laif.usage import selectors as ledger_selectors
from laif.usage.balance import balances_of
from laif.usage.budget import Balance
from laif.usage.schemas import BalanceFiguresOut, balance_fields

if TYPE_CHECKING:
    from laif.allocations.models import Allocation, AllocationRequest

router = Router(tags=["compute"])


def allocations_out(allocations: Iterable[Allocation]) -> list[s.AllocationOut]:
    items = list(allocations)
    figures = balances_of(items)
    return [allocation_out(a, figures[a.pk]) for a in items]


def allocation_out(a: Allocation, b: Balance) -> s.AllocationOut:
    return s.AllocationOut(
        id=a.pk, project_id=a.project_id, project_code=a.project.code, pool=a.pool.kind,
        period_start=a.pool.period.start, period_end=a.pool.period.end,
        access_type=a.access_type, title=a.title, granted_gpu_hours=a.granted_gpu_hours,
        start=a.start, end=a.end, state=a.state, request_id=a.request_id,
        eurohpc_reference=a.eurohpc_reference, renews_id=a.renews_id,
        balance=BalanceFiguresOut(**balance_fields(b)),
    )


def _request_fields(r: AllocationRequest) -> dict[str, Any]:
    return {
        "id": r.pk, "project_id": r.project_id, "project_code": r.project.code,
        "project_name": r.project.name, "organisation_name": r.project.organisation.name,
        "period_start": r.period.start, "period_end": r.period.end, "pool": r.pool.kind,
        "title": r.title, "access_type": r.access_type,
        "requested_gpu_hours": r.requested_gpu_hours, "requested_months": r.requested_months,
        "justification": r.justification,
        "expected_outputs": r.expected_outputs, "data_sensitivity": r.data_sensitivity,
        "status": r.status, "kind": r.kind, "amends_id": r.amends_id,
        "requested_end": r.requested_end,
        "submitted_by": r.submitted_by.email, "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def _request_detail(r: AllocationRequest) -> s.RequestDetailOut:
    allocation = getattr(r, "allocation", None)
    return s.RequestDetailOut(
        **_request_fields(r),
        events=[s.EventOut(at=e.at, actor=e.actor_label, decision=e.decision,
                           gpu_hours=e.gpu_hours, comment=e.comment) for e in r.events.all()],
        allocation=allocations_out([allocation])[0] if allocation is not None else None,
    )


def _data(data: s.RequestIn) -> services.RequestData:
    return services.RequestData(
        title=data.title, access_type=data.access_type,
        requested_gpu_hours=data.requested_gpu_hours, justification=data.justification,
        expected_outputs=data.expected_outputs, data_sensitivity=data.data_sensitivity,
        requested_months=data.requested_months,
    )


def _detail(request: HttpRequest, request_id: int) -> s.RequestDetailOut:
    return _request_detail(selectors.request_get(
        access=access_of(request, refresh=True), actor=actor_of(request),
        request_id=request_id))


# ---------------------------------------------------------------- the cluster and its pools


@router.get("/compute/cluster", response=s.ClusterOut,
            summary="MeluXina-AI: partitions, access types and allocation policy")
def cluster(request: HttpRequest) -> s.ClusterOut:
    c = services.cluster()
    language = get_language() or "en"
    return s.ClusterOut(
        name=c.name, operator=c.operator, location=c.location, version=c.version,
        effective_date=c.effective_date, source=c.source, total_gpus=c.total_gpus,
        announced=c.announced,
        partitions=[s.PartitionOut(gpus=p.gpus, **p.__dict__) for p in c.partitions],
        access_types=[s.AccessTypeOut(key=a.key, title=a.title_in(language),
                                      summary=a.summary_in(language),
                                      max_gpu_hours=a.max_gpu_hours,
                                      max_duration_months=a.max_duration_months)
                      for a in c.access_types],
        policy=s.PolicyOut(period_months=c.policy.period_months,
                           first_period_start=c.policy.first_period_start,
                           pool_shares_percent=c.policy.pool_shares_percent,
                           overbooking_factor=str(c.policy.overbooking_factor)),
    )


@router.get("/compute/pools", response=list[s.PoolOut],
            summary="Capacity, granted, consumed and left per pool (operators, reviewers, "
            "auditors)")
def pool_list(request: HttpRequest, period_id: Id | None = None) -> list[s.PoolOut]:
    return [
        s.PoolOut(
            id=u.pool.pk, kind=u.pool.kind, period_id=u.pool.period_id,
            period_start=u.pool.period.start, period_end=u.pool.period.end,
            share_percent=u.pool.share_percent, capacity_gpu_hours=u.figures.capacity,
            overbooking_factor=str(u.figures.overbooking), ceiling_gpu_hours=u.figures.ceiling,
            granted_gpu_hours=u.figures.granted, consumed_gpu_hours=u.figures.consumed,
            left_gpu_hours=u.figures.left, pending_gpu_hours=u.pending_gpu_hours,
            allocations=u.allocations,
        )
        for u in ledger_selectors.pool_usage(access=access_of(request), period_id=period_id)
    ]


# ---------------------------------------------------------------- requests


@router.get("/compute/requests", response=list[s.RequestOut],
            summary="Allocation requests you may see (your projects; all for staff)")
def request_list(request: HttpRequest, project_id: Id | None = None,
                 status: s.StatusName | None = None) -> list[s.RequestOut]:
    return [s.RequestOut(**_request_fields(r))
            for r in selectors.requests_for(access_of(request), project_id=project_id,
                                            status=status)[:500]]


@router.post("/projects/{project_id}/allocation-requests", response={201: s.RequestDetailOut},
             summary="Ask for GPU-hours from the national pool (project lead, organisation "
             "admin)")
def request_submit(request: HttpRequest, project_id: Id, data: s.SubmitIn) -> Status[Any]:
    req = services.allocation_request_submit(
        access=access_of(request), actor=actor_of(request), project_id=project_id,
        data=_data(data), period=data.period,
    )
    return Status(201, _detail(request, req.pk))


@router.get("/compute/requests/{request_id}", response=s.RequestDetailOut)
def request_detail(request: HttpRequest, request_id: Id) -> s.RequestDetailOut:
    return _detail(request, request_id)


@router.post("/compute/requests/{request_id}/withdraw", response=s.RequestDetailOut)
def request_withdraw(request: HttpRequest, request_id: Id) -> s.RequestDetailOut:
    services.allocation_request_withdraw(access=access_of(request), actor=actor_of(request),
                                         request_id=request_id)
    return _detail(request, request_id)


@router.post("/compute/requests/{request_id}/resubmit", response=s.RequestDetailOut,
             summary="Resubmit a request after the reviewers asked for changes")
def request_resubmit(request: HttpRequest, request_id: Id,
                     data: s.RequestIn) -> s.RequestDetailOut:
    services.allocation_request_resubmit(access=access_of(request), actor=actor_of(request),
                                         request_id=request_id, data=_data(data))
    return _detail(request, request_id)


@router.post("/compute/requests/{request_id}/review", response=s.RequestDetailOut,
             summary="Approve (possibly with fewer GPU-hours), reject or ask for changes "
             "(reviewers)")
def request_review(request: HttpRequest, request_id: Id, data: s.ReviewIn) -> s.RequestDetailOut:
    review.allocation_review(
        access=access_of(request), actor=actor_of(request), request_id=request_id,
        decision=data.decision, gpu_hours=data.gpu_hours, comment=data.comment,
    )
    return _detail(request, request_id)


# ---------------------------------------------------------------- allocations


@router.get("/compute/allocations", response=list[s.AllocationOut],
            summary="Granted GPU-hours you may see (your projects; all for staff)")
def allocation_list(request: HttpRequest, project_id: Id | None = None) -> list[s.AllocationOut]:
    return allocations_out(
        selectors.allocations_for(access_of(request), project_id=project_id)[:500])


@router.get("/compute/allocations/{allocation_id}", response=s.AllocationDetailOut,
            summary="An allocation with the history of its changes")
def allocation_detail(request: HttpRequest, allocation_id: Id) -> s.AllocationDetailOut:
    a = selectors.allocation_get(access=access_of(request, refresh=True),
                                 actor=actor_of(request), allocation_id=allocation_id)
    return s.AllocationDetailOut(
        **allocations_out([a])[0].dict(),
        changes=[s.ChangeOut(kind=c.kind, at=c.at, by=c.actor_label, request_id=c.request_id,
                             gpu_hours_before=c.gpu_hours_before,
                             gpu_hours_after=c.gpu_hours_after, end_before=c.end_before,
                             end_after=c.end_after) for c in a.changes.all()],
        change_requests=[s.RequestOut(**_request_fields(r))
                         for r in selectors.change_requests_of(a)],
        renewed_by_id=selectors.renewed_by(a),
    )


@router.post("/compute/allocations/{allocation_id}/changes", response={201: s.RequestDetailOut},
             summary="Ask for a renewal, an extension or a top-up (project lead, organisation "
             "admin); reviewed like a new request")
def allocation_change(request: HttpRequest, allocation_id: Id, data: s.ChangeIn) -> Status[Any]:
    req = changes.allocation_change_submit(
        access=access_of(request), actor=actor_of(request), allocation_id=allocation_id,
        data=changes.ChangeData(kind=data.kind, justification=data.justification,
                                expected_outputs=data.expected_outputs,
                                gpu_hours=data.gpu_hours, end=data.end, title=data.title,
                                access_type=data.access_type))
    return Status(201, _detail(request, req.pk))


@router.post("/compute/eurohpc-awards", response=s.ImportOut,
             summary="Import GPU-hours awarded by EuroHPC access calls (operators)",
             description="Idempotent by award reference: awards imported before with the same "
             "figures are listed as unchanged. All or nothing: refused when the new awards would "
             "take a EuroHPC pool past capacity x overbooking.")
def eurohpc_import(request: HttpRequest, data: s.AwardsIn) -> s.ImportOut:
    if not can_import_awards(access_of(request)):
        raise PermissionDenied(_("Only operators can import EuroHPC awards."))
    try:
        awards = award_files.parse_rows(
            [{**a.dict(), "start": a.start.isoformat(), "end": a.end.isoformat()}
             for a in data.awards])
    except award_files.AwardFileError as exc:
        raise DomainError("; ".join(exc.problems), field="awards") from exc
    result = eurohpc.eurohpc_import(access=access_of(request), actor=actor_of(request),
                                     awards=awards)
    return s.ImportOut(created=allocations_out(result.created),
                       unchanged=result.unchanged)
