"""REST endpoints of the cashback: claims (organisation admins compute and submit, operators mark
paid or refuse) and the de minimis total of an organisation."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Path, Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.catalogue.funding import Instrument, parse_instrument
from laif.config.apitypes import Id
from laif.fund import applications, instruments, selectors, services
from laif.fund import schemas as s
from laif.fund.eligibility_text import reason_text
from laif.fund.models import AidRecord, CashbackClaim, FundingApplication

router = Router(tags=["cashback"])


def _claim(c: CashbackClaim, credited_since: int | None = None,
           total: selectors.DeMinimisTotal | None = None) -> s.ClaimOut:
    """A claim; ``total``: its organisation's de minimis total today, when already read."""
    total = total or selectors.de_minimis_total(c.organisation_id, timezone.localdate())
    return s.ClaimOut(
        id=c.pk, organisation_id=c.organisation_id, statement_id=c.statement_id, month=c.month,
        state=c.state, statement_total_cents=c.statement_total_cents,
        credited_cents=c.credited_cents, eligible_cents=c.eligible_cents,
        rate_percent=c.rate_percent, gross_cents=c.gross_cents, amount_cents=c.amount_cents,
        limited_by=c.limited_by, de_minimis_left_cents=c.de_minimis_left_cents,
        over_de_minimis_cents=total.over_for(c),
        reduced_from_cents=c.reduced_from_cents, reduction_reason=c.reduction_reason,
        computed_at=c.computed_at, submitted_at=c.submitted_at,
        paid_at=c.paid_at, payment_reference=c.payment_reference, refused_at=c.refused_at,
        refusal_reason=c.refusal_reason,
        credited_since_cents=selectors.credited_since(c) if credited_since is None
        else credited_since)


@router.get("/organisations/{org_id}/cashback-claims", response=list[s.ClaimOut],
            summary="Cashback claims of an organisation (reimbursements, not discounts)")
def claim_list(request: HttpRequest, org_id: Id) -> list[s.ClaimOut]:
    found = selectors.claims_with_credits(access=access_of(request), actor=actor_of(request),
                                          organisation_id=org_id)
    total = selectors.de_minimis_total(org_id, timezone.localdate())
    return [_claim(c, credited, total) for c, credited in found]


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
        payment_reference=data.payment_reference, paid_on=data.paid_on,
        reduced_to_cents=data.reduced_to_cents, reduction_reason=data.reduction_reason))


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


def _aid(a: AidRecord) -> s.AidOut:
    return s.AidOut(id=a.pk, amount_cents=a.amount_cents, granted_on=a.granted_on,
                    paid_on=a.paid_on, legal_basis=a.legal_basis, instrument=a.instrument,
                    source=a.source, recipient=a.recipient, claim_id=a.claim_id)


@router.get("/organisations/{org_id}/aid", response=list[s.AidOut],
            summary="Aid recorded for the organisation (every legal basis), newest grant first")
def aid_list(request: HttpRequest, org_id: Id) -> list[s.AidOut]:
    return [_aid(a) for a in selectors.aid_for(access=access_of(request),
                                               actor=actor_of(request), organisation_id=org_id)]


@router.post("/organisations/{org_id}/aid", response={201: s.AidOut},
             summary="Record aid received elsewhere (organisation admins, factory operators)",
             description="De minimis aid counts against the ceiling from the date the legal right "
             "was conferred, for three years; aid of a linked enterprise counts too (recipient).")
def aid_declare(request: HttpRequest, org_id: Id, data: s.AidIn) -> Status[Any]:
    aid = services.aid_declare(access=access_of(request), actor=actor_of(request),
                               organisation_id=org_id, amount_cents=data.amount_cents,
                               granted_on=data.granted_on, legal_basis=data.legal_basis,
                               source=data.source, recipient=data.recipient)
    return Status(201, _aid(aid))


def funding_out(result: selectors.FundingCheck, language: str) -> s.FundingCheckOut:
    a = result.applicant
    return s.FundingCheckOut(
        sme_class=a.sme_class, sme_year=a.sme_year, kind=a.kind,
        de_minimis_headroom_cents=a.de_minimis_headroom_cents,
        warnings=[s.ReasonOut(code=w.code, text=reason_text(w)) for w in result.warnings],
        instruments=[s.InstrumentCheckOut(
            code=c.instrument.code, name=c.instrument.name.in_language(language),
            provider=c.instrument.provider, outcome=c.outcome.value,
            amount_cents=c.amount_cents, to_confirm=c.to_confirm,
            reasons=[s.ReasonOut(code=r.code, text=reason_text(r, c.instrument, language))
                     for r in c.reasons],
            source=c.instrument.source) for c in result.checks],
        catalogue_retrieved=result.retrieved)


@router.post("/organisations/{org_id}/funding-check", response=s.FundingCheckOut,
             summary="Which funding instruments fit a planned project, how much and why",
             description="On the organisation's verified SME status, kind and de minimis "
             "headroom; every instrument eligible, not eligible or to check, with the rule and "
             "figures; a warning when the work would start before the application. Records "
             "nothing.")
def funding_check(request: HttpRequest, org_id: Id, data: s.FundingCheckIn) -> s.FundingCheckOut:
    result = selectors.funding_check(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id,
        costs_eur=Decimal(data.costs_eur), compute_eur=Decimal(data.compute_eur),
        start_on=data.start_on, apply_on=data.apply_on or timezone.localdate())
    return funding_out(result, get_language() or "en")


# ----------------------------------------------------------------------- applications


def _application(a: FundingApplication) -> s.ApplicationOut:
    return s.ApplicationOut(
        id=a.pk, organisation_id=a.organisation_id, instrument=a.instrument, title=a.title,
        amount_cents=a.amount_cents, state=a.state, created_at=a.created_at,
        submitted_at=a.submitted_at, decided_at=a.decided_at, granted_cents=a.granted_cents,
        decision_note=a.decision_note, aid_id=a.aid_id)


@router.get("/organisations/{org_id}/funding-applications", response=list[s.ApplicationOut],
            summary="An organisation's funding applications")
def application_list(request: HttpRequest, org_id: Id) -> list[s.ApplicationOut]:
    return [_application(a) for a in selectors.applications_for(access=access_of(request),
                                                                organisation_id=org_id)]


@router.post("/organisations/{org_id}/funding-applications", response={201: s.ApplicationOut},
             summary="Draft an application to an instrument (organisation admins)")
def application_create(request: HttpRequest, org_id: Id, data: s.ApplicationIn) -> Status[Any]:
    return Status(201, _application(applications.application_create(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id,
        instrument=data.instrument, title=data.title, amount_cents=data.amount_cents)))


@router.post("/funding-applications/{application_id}/submit", response=s.ApplicationOut,
             summary="Submit a draft application (organisation admins)")
def application_submit(request: HttpRequest, application_id: Id) -> s.ApplicationOut:
    return _application(applications.application_submit(
        access=access_of(request), actor=actor_of(request), application_id=application_id))


@router.post("/funding-applications/{application_id}/grant", response=s.ApplicationOut,
             summary="Grant a submitted application (factory operators): recorded as aid",
             description="Under de minimis the amount must fit the headroom on the grant date "
             "(409 with the headroom otherwise); less than applied for needs the reason.")
def application_grant(request: HttpRequest, application_id: Id,
                      data: s.GrantIn) -> s.ApplicationOut:
    return _application(applications.application_grant(
        access=access_of(request), actor=actor_of(request), application_id=application_id,
        granted_cents=data.granted_cents, granted_on=data.granted_on,
        legal_basis=data.legal_basis, reference=data.reference,
        reduction_reason=data.reduction_reason))


@router.post("/funding-applications/{application_id}/refuse", response=s.ApplicationOut,
             summary="Refuse a submitted application (factory operators)")
def application_refuse(request: HttpRequest, application_id: Id,
                       data: s.RefuseIn) -> s.ApplicationOut:
    return _application(applications.application_refuse(
        access=access_of(request), actor=actor_of(request), application_id=application_id,
        reason=data.reason))


# ----------------------------------------------------------------------- funding rules


def _instrument(i: Instrument, language: str) -> s.InstrumentOut:
    return s.InstrumentOut(
        code=i.code, name=i.name.in_language(language), provider=i.provider, status=i.status,
        effective_from=i.effective_from, kind=i.kind, rate_percent=i.rate_percent,
        caps_eur=dict(i.caps_eur), eligible_sme_classes=sorted(i.eligible_sme_classes),
        eligible_kinds=sorted(i.eligible_kinds), source=i.source)


@router.get("/funding/instruments", response=list[s.InstrumentOut],
            summary="The funding instruments in force today (versions published by staff "
                    "included)")
def instrument_list(request: HttpRequest) -> list[s.InstrumentOut]:
    language = get_language() or "en"
    return [_instrument(i, language)
            for i in instruments.funding_in_force(timezone.localdate()).instruments]


@router.post("/funding/instruments/{code}/versions", response={201: s.InstrumentOut},
             summary="Publish a new version of an instrument (factory operators)",
             description="Checked as the catalogue file is; in force from effective_from.")
def instrument_publish(request: HttpRequest, code: Annotated[str, Path(max_length=40)],
                       data: s.InstrumentVersionIn) -> Status[Any]:
    version = instruments.instrument_publish(
        access=access_of(request), actor=actor_of(request), code=code, data=data.instrument,
        effective_from=data.effective_from, note=data.note)
    return Status(201, _instrument(parse_instrument(version.data, code),
                                   get_language() or "en"))
