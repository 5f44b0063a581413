"""REST endpoints of the cashback: claims (organisation admins compute and submit, operators mark
paid or refuse) and the de minimis total of an organisation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.config.apitypes import Id
from laif.fund import schemas as s
from laif.fund import selectors, services
from laif.fund.models import CashbackClaim

router = Router(tags=["cashback"])


def _claim(c: CashbackClaim, credited_since: int | None = None) -> s.ClaimOut:
    return s.ClaimOut(
        id=c.pk, organisation_id=c.organisation_id, statement_id=c.statement_id, month=c.month,
        state=c.state, statement_total_cents=c.statement_total_cents,
        credited_cents=c.credited_cents, eligible_cents=c.eligible_cents,
        rate_percent=c.rate_percent, gross_cents=c.gross_cents, amount_cents=c.amount_cents,
        limited_by=c.limited_by, computed_at=c.computed_at, submitted_at=c.submitted_at,
        paid_at=c.paid_at, payment_reference=c.payment_reference, refused_at=c.refused_at,
        refusal_reason=c.refusal_reason,
        credited_since_cents=selectors.credited_since(c) if credited_since is None
        else credited_since)


@router.get("/organisations/{org_id}/cashback-claims", response=list[s.ClaimOut],
            summary="Cashback claims of an organisation (reimbursements, not discounts)")
def claim_list(request: HttpRequest, org_id: Id) -> list[s.ClaimOut]:
    return [_claim(c, credited) for c, credited in selectors.claims_with_credits(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id)]


@router.post("/statements/{statement_id}/cashback-claim", response={201: s.ClaimOut},
             summary="Compute the cashback claim of an issued statement (organisation admins)",
             description="80% of the statement's eligible amount, limited by the yearly cap and "
             "the de minimis ceiling; refused (409) with the figures when nothing is left.")
def claim_compute(request: HttpRequest, statement_id: Id) -> Status[Any]:
    claim = services.cashback_claim_compute(access=access_of(request), actor=actor_of(request),
                                            statement_id=statement_id)
    return Status(201, _claim(claim))


@router.post("/cashback-claims/{claim_id}/submit", response=s.ClaimOut,
             summary="Submit a computed claim (organisation admins)")
def claim_submit(request: HttpRequest, claim_id: Id) -> s.ClaimOut:
    return _claim(services.cashback_claim_submit(access=access_of(request),
                                                 actor=actor_of(request), claim_id=claim_id))


@router.post("/cashback-claims/{claim_id}/recompute", response=s.ClaimOut,
             summary="Compute a claim not yet submitted again (organisation admins)",
             description="After a credit note on its statement (see credited_since_cents): the "
             "claim is replaced by one with today's figures (a new id); 409 with the figures when "
             "nothing could be claimed any more, the old claim then kept.")
def claim_recompute(request: HttpRequest, claim_id: Id) -> s.ClaimOut:
    return _claim(services.cashback_claim_recompute(access=access_of(request),
                                                    actor=actor_of(request), claim_id=claim_id))


@router.post("/cashback-claims/{claim_id}/paid", response=s.ClaimOut,
             summary="Mark a submitted claim paid (factory operators): recorded as aid")
def claim_paid(request: HttpRequest, claim_id: Id, data: s.PaidIn) -> s.ClaimOut:
    return _claim(services.cashback_claim_mark_paid(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        payment_reference=data.payment_reference, paid_on=data.paid_on))


@router.post("/cashback-claims/{claim_id}/refuse", response=s.ClaimOut,
             summary="Refuse a submitted claim (factory operators), with the funding body's "
             "reason",
             description="Final: a refused claim no longer counts against the yearly cap or the "
             "de minimis ceiling; the organisation's admins are told the reason.")
def claim_refuse(request: HttpRequest, claim_id: Id, data: s.RefuseIn) -> s.ClaimOut:
    return _claim(services.cashback_claim_refuse(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        reason=data.reason))


@router.get("/organisations/{org_id}/de-minimis", response=s.DeMinimisOut,
            summary="De minimis aid over the last three years (Regulation (EU) 2023/2831)")
def de_minimis(request: HttpRequest, org_id: Id) -> s.DeMinimisOut:
    total = selectors.de_minimis_for(access=access_of(request), actor=actor_of(request),
                                     organisation_id=org_id, on=timezone.localdate())
    return s.DeMinimisOut(**total.__dict__)
