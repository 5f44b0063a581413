"""Writes of funding: compute, submit, pay and refuse cashback claims.

The statement stays at full price; a claim is a separate reimbursement. ``cashback_claim_compute``
locks the organisation's row so two claims of one organisation are computed one after the other
(the cap and the de minimis ceiling hold); a statement has at most one claim (unique). Paying a
claim records it as aid received (``AidRecord``, granted on the payment date); a refused claim
(the funding body's reason kept) is final and no longer counts against the cap or the ceiling, and
the organisation's admins are told (an in-app notice with the action, an e-mail after the commit).
Each write is recorded in the audit log in its transaction.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit, notify, site_link
from laif.accounts.selectors import (
    org_admins,
    organisation_for_update,
    organisation_of,
    staff_with_role,
)
from laif.billing import selectors as statement_selectors
from laif.billing.money import money_text
from laif.billing.selectors import can_bill
from laif.fund import rules
from laif.fund.models import AidInstrument, AidRecord, CashbackClaim, ClaimState, LegalBasis
from laif.fund.selectors import (
    cashback_rule,
    claim_preview_of,
    credited_since,
    de_minimis_total,
)

MAX_REFERENCE = 100
MAX_REASON = 1000


def cashback_claim_compute(*, access: Access, actor: Actor, statement_id: int,
                           now: datetime | None = None) -> CashbackClaim:
    """The claim of an issued statement (its organisation's admins)."""
    now = now or timezone.now()
    statement = statement_selectors.statement_get(access=access, actor=None,
                                                  statement_id=statement_id)
    org_id = statement.organisation_id
    if not access.is_org_admin(org_id):
        raise PermissionDenied(_("Only the organisation's admins claim the cashback."))
    try:
        with transaction.atomic():
            if organisation_for_update(org_id) is None:
                raise NotFound(_("Organisation not found."))
            if CashbackClaim.objects.filter(statement=statement).exists():
                raise Conflict(_("This statement already has a cashback claim."))
            preview = claim_preview_of(statement, timezone.localdate(now))
            if not preview.eligible or preview.figures is None:
                raise Conflict(preview.reason)
            f = preview.figures
            if f.amount_cents <= 0:
                raise Conflict(_(
                    "Nothing can be claimed: 80%% of the eligible amount is %(gross)s, what is "
                    "left of the yearly cap is %(cap)s and what is left under the de minimis "
                    "ceiling is %(dm)s.") % {"gross": money_text(f.gross_cents),
                                             "cap": money_text(f.cap_left_cents),
                                             "dm": money_text(f.de_minimis_left_cents)})
            claim = CashbackClaim.objects.create(
                organisation_id=org_id, statement=statement, month=statement.month,
                statement_total_cents=statement.total_cents,
                credited_cents=statement.total_cents - f.eligible_cents,
                eligible_cents=f.eligible_cents, rate_percent=f.rate_percent,
                gross_cents=f.gross_cents, amount_cents=f.amount_cents,
                limited_by=str(f.limited_by), cap_left_cents=f.cap_left_cents,
                de_minimis_left_cents=f.de_minimis_left_cents,
                rule_version=cashback_rule().version, computed_at=now,
                computed_by_id=actor.user_id or 0, sme_class=preview.sme_class,
                sme_declaration_id=preview.sme_declaration_id)
            audit_record(actor=actor, action="cashback.computed",
                         target=f"cashback_claim:{claim.pk}", organisation_id=org_id,
                         detail={"statement": statement.number, "amount_cents": f.amount_cents,
                                 "eligible_cents": f.eligible_cents,
                                 "limited_by": str(f.limited_by),
                                 "over_de_minimis_cents": f.over_de_minimis_cents,
                                 "sme_class": preview.sme_class,
                                 "sme_declaration": preview.sme_declaration_id})
    except IntegrityError as exc:
        raise Conflict(_("This statement already has a cashback claim.")) from exc
    return claim


def _claim_for_update(access: Access, claim_id: int) -> CashbackClaim:
    claim = CashbackClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or not (access.can_view_org(claim.organisation_id) or can_bill(access)):
        raise NotFound(_("Cashback claim not found."))
    return claim


def cashback_claim_submit(*, access: Access, actor: Actor, claim_id: int,
                          now: datetime | None = None) -> CashbackClaim:
    """Submit a computed claim (the organisation's admins)."""
    with transaction.atomic():
        claim = _claim_for_update(access, claim_id)
        if not access.is_org_admin(claim.organisation_id):
            raise PermissionDenied(_("Only the organisation's admins submit the claim."))
        if claim.state != ClaimState.COMPUTED:
            raise Conflict(_("This claim is already %(state)s.")
                           % {"state": claim.get_state_display()})
        credited = credited_since(claim)
        if credited:
            raise Conflict(_("The statement was credited by %(amount)s after this claim was "
                             "computed: compute the claim again before submitting it.")
                           % {"amount": money_text(credited)})
        claim.state, claim.submitted_at = ClaimState.SUBMITTED, now or timezone.now()
        claim.submitted_by_id = actor.user_id
        claim.save(update_fields=["state", "submitted_at", "submitted_by"])
        audit_record(actor=actor, action="cashback.submitted", target=f"cashback_claim:{claim.pk}",
                     organisation_id=claim.organisation_id,
                     detail={"amount_cents": claim.amount_cents})
        _tell_operators_submitted(claim)
    return claim


def _tell_operators_submitted(claim: CashbackClaim) -> None:
    """A notice to every operator: a claim waits in their queue."""
    org = organisation_of(claim.organisation_id)
    name = org.name if org is not None else str(claim.organisation_id)

    def text() -> str:
        return _("%(organisation)s submitted a cashback claim of %(amount)s for %(month)s: "
                 "it waits in the claims to pay.") % {
            "organisation": name, "amount": money_text(claim.amount_cents),
            "month": date_format(claim.month, "YEAR_MONTH_FORMAT")}

    notify(staff_with_role(StaffRoleName.OPERATOR), kind="cashback.submitted", text=text,
           link=site_link("staff_cashback_queue").removeprefix(settings.LAIF_SITE_URL))


def cashback_claim_recompute(*, access: Access, actor: Actor, claim_id: int,
                             now: datetime | None = None) -> CashbackClaim:
    """Compute a claim not yet submitted again (the organisation's admins), e.g. after a credit
    note on its statement: the claim is replaced by a new one with today's figures; when nothing
    could be claimed any more, the old one stays and the refusal says why."""
    with transaction.atomic():
        claim = _claim_for_update(access, claim_id)
        if not access.is_org_admin(claim.organisation_id):
            raise PermissionDenied(_("Only the organisation's admins claim the cashback."))
        if claim.state != ClaimState.COMPUTED:
            raise Conflict(_("This claim is already %(state)s.")
                           % {"state": claim.get_state_display()})
        previous = {"claim": claim.pk, "amount_cents": claim.amount_cents,
                    "eligible_cents": claim.eligible_cents}
        statement_id = claim.statement_id
        claim.delete()
        fresh = cashback_claim_compute(access=access, actor=actor, statement_id=statement_id,
                                       now=now)
        audit_record(actor=actor, action="cashback.recomputed",
                     target=f"cashback_claim:{fresh.pk}", organisation_id=fresh.organisation_id,
                     detail={"previous": previous, "amount_cents": fresh.amount_cents,
                             "eligible_cents": fresh.eligible_cents})
    return fresh


def _grant_refusal_text(why: rules.GrantRefusal, *, amount: int, headroom: int) -> str:
    if why is rules.GrantRefusal.OVER_CEILING:
        return _("The full amount, %(amount)s, cannot be granted under de minimis: the single "
                 "undertaking's headroom under the ceiling is %(headroom)s. Grant a reduced "
                 "amount (a decision recorded as such, with its reason) or refuse the claim.") % {
            "amount": money_text(amount), "headroom": money_text(max(0, headroom))}
    if why is rules.GrantRefusal.NOT_NEEDED:
        return _("The full amount, %(amount)s, fits under the de minimis ceiling "
                 "(headroom %(headroom)s): nothing to reduce.") % {
            "amount": money_text(amount), "headroom": money_text(max(0, headroom))}
    if why is rules.GrantRefusal.REDUCED_TOO_HIGH:
        return _("A reduced grant is more than zero and at most the headroom under the de "
                 "minimis ceiling, %(headroom)s.") % {"headroom": money_text(max(0, headroom))}
    return _("Say why the grant is reduced (the decision's reason).")


def cashback_claim_mark_paid(*, access: Access, actor: Actor, claim_id: int,
                             payment_reference: str, paid_on: date | None = None,
                             reduced_to_cents: int | None = None, reduction_reason: str = "",
                             now: datetime | None = None) -> CashbackClaim:
    """Grant and mark paid a submitted claim (factory operators): recorded as de minimis aid
    granted today. The ceiling is checked again under the organisation's lock; a claim whose
    full amount no longer fits is granted only as a reduced amount the operator decides."""
    reference = payment_reference.strip()
    if len(reference) > MAX_REFERENCE or "\x00" in reference:
        raise DomainError(_("The payment reference is at most 100 characters."),
                          field="payment_reference")
    reason = " ".join(reduction_reason.split())
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise DomainError(_("The reason is at most 1000 characters."), field="reduction_reason")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        found = CashbackClaim.objects.filter(pk=claim_id).values_list("organisation_id",
                                                                        flat=True).first()
        if found is not None:
            organisation_for_update(found)  # serialises the organisation's grants
        claim = _claim_for_update(access, claim_id)
        if not can_bill(access):
            raise PermissionDenied(_("Only factory operators mark claims paid."))
        if claim.state != ClaimState.SUBMITTED:
            raise Conflict(_("Only a submitted claim can be paid; this one is %(state)s.")
                           % {"state": claim.get_state_display()})
        submitted = timezone.localdate(claim.submitted_at) if claim.submitted_at else today
        if paid_on is not None and not submitted <= paid_on <= today:
            raise DomainError(_("The payment date is between the claim's submission "
                                "(%(first)s) and today (%(today)s).")
                              % {"first": date_format(submitted), "today": date_format(today)},
                              field="paid_on")
        headroom = de_minimis_total(claim.organisation_id, today).headroom_for(claim)
        granted, why = rules.reduced_grant(amount_cents=claim.amount_cents,
                                           headroom_cents=headroom,
                                           reduced_to_cents=reduced_to_cents, reason=reason)
        if why is not None:
            raise Conflict(_grant_refusal_text(why, amount=claim.amount_cents,
                                               headroom=headroom),
                           field="reduced_to_cents")
        fields = ["state", "paid_at", "paid_by", "payment_reference"]
        if granted != claim.amount_cents:
            claim.reduced_from_cents, claim.amount_cents = claim.amount_cents, granted
            claim.reduction_reason = reason
            fields += ["reduced_from_cents", "amount_cents", "reduction_reason"]
        claim.state, claim.paid_at, claim.paid_by_id = ClaimState.PAID, now, actor.user_id
        claim.payment_reference = reference
        claim.save(update_fields=fields)
        AidRecord.objects.create(
            organisation_id=claim.organisation_id, amount_cents=claim.amount_cents,
            granted_on=today, paid_on=paid_on or today, legal_basis=LegalBasis.DE_MINIMIS,
            instrument=AidInstrument.COMPUTE_CASHBACK, claim=claim, recorded_by_id=actor.user_id,
            source=f"cashback claim {claim.pk}, statement {claim.statement_id}"[:300])
        if claim.reduced_from_cents is not None:
            audit_record(actor=actor, action="cashback.reduced",
                         target=f"cashback_claim:{claim.pk}",
                         organisation_id=claim.organisation_id,
                         detail={"from_cents": claim.reduced_from_cents,
                                 "to_cents": claim.amount_cents, "headroom_cents": headroom,
                                 "reason": reason})
        audit_record(actor=actor, action="cashback.paid", target=f"cashback_claim:{claim.pk}",
                     organisation_id=claim.organisation_id,
                     detail={"amount_cents": claim.amount_cents, "reference": reference})
    return claim


def aid_declare(*, access: Access, actor: Actor, organisation_id: int, amount_cents: int,
                granted_on: date, legal_basis: str, source: str, recipient: str = "",
                today: date | None = None) -> AidRecord:
    """Record aid received elsewhere (the organisation's admins, or factory operators): its
    legal basis and the date the legal right to it was conferred; de minimis aid of a linked
    enterprise counts for the single undertaking (``recipient`` names it)."""
    today = today or timezone.localdate()
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not (access.is_org_admin(organisation_id) or can_bill(access)):
        raise PermissionDenied(_("Only the organisation's admins and factory operators record "
                                 "aid."))
    if not 0 < amount_cents < 10**15:
        raise DomainError(_("The amount is more than zero."), field="amount_cents")
    if legal_basis not in LegalBasis.values:
        raise DomainError(_("Unknown legal basis."), field="legal_basis")
    earliest = date(today.year - 10, 1, 1)
    if not earliest <= granted_on <= today:
        raise DomainError(_("The grant date is between %(first)s and today (%(today)s).")
                          % {"first": date_format(earliest), "today": date_format(today)},
                          field="granted_on")
    source, recipient = " ".join(source.split()), " ".join(recipient.split())
    if not source or len(source) > 300 or "\x00" in source:
        raise DomainError(_("Name the granting authority and its reference (at most 300 "
                            "characters)."), field="source")
    if len(recipient) > 200 or "\x00" in recipient:
        raise DomainError(_("The recipient is at most 200 characters."), field="recipient")
    with transaction.atomic():
        if organisation_for_update(organisation_id) is None:
            raise NotFound(_("Organisation not found."))
        aid = AidRecord.objects.create(
            organisation_id=organisation_id, amount_cents=amount_cents, granted_on=granted_on,
            legal_basis=legal_basis, instrument=AidInstrument.OTHER, source=source,
            recipient=recipient, recorded_by_id=actor.user_id)
        audit_record(actor=actor, action="aid.declared", target=f"aid:{aid.pk}",
                     organisation_id=organisation_id,
                     detail={"amount_cents": amount_cents, "granted_on": granted_on.isoformat(),
                             "legal_basis": legal_basis, "recipient": recipient})
    return aid


def _clean_reason(reason: str) -> str:
    text = reason.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError(_("Give the funding body's reason for the refusal."), field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(_("The reason is at most %(max)d characters.") % {"max": MAX_REASON},
                          field="reason")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise DomainError(_("The reason must not contain control characters."), field="reason")
    return text


def _tell_admins_refused(claim: CashbackClaim) -> None:
    """The organisation's admins: an in-app notice now (with the action), an e-mail after the
    commit, each in the recipient's language."""
    admins = org_admins(claim.organisation_id)
    target = site_link("cashback_claims", org_id=claim.organisation_id)
    month = f"{claim.month:%Y-%m}"

    def text() -> str:
        return _("Your cashback claim of %(month)s was refused: %(reason)s") % {
            "month": month, "reason": " ".join(claim.refusal_reason.split())}

    def subject() -> str:
        return _("Cashback claim of %(month)s refused") % {"month": month}

    def body() -> str:
        return _("The funding body refused your cashback claim of %(month)s (%(amount)s). Its "
                 "reason:\n\n%(reason)s\n\nA refused claim is final; it no longer counts "
                 "against the yearly cap or the de minimis ceiling.\n\n%(link)s") % {
            "month": month, "amount": money_text(claim.amount_cents),
            "reason": claim.refusal_reason, "link": target}

    notify(admins, kind="cashback.refused", text=text,
           link=target.removeprefix(settings.LAIF_SITE_URL))
    mail_on_commit(admins, subject, body)


def cashback_claim_refuse(*, access: Access, actor: Actor, claim_id: int, reason: str,
                          now: datetime | None = None) -> CashbackClaim:
    """Refuse a submitted claim (factory operators), with the funding body's reason: final."""
    now = now or timezone.now()
    with transaction.atomic():
        claim = _claim_for_update(access, claim_id)
        if not can_bill(access):
            raise PermissionDenied(_("Only factory operators refuse claims."))
        if claim.state != ClaimState.SUBMITTED:
            raise Conflict(_("Only a submitted claim can be refused; this one is %(state)s.")
                           % {"state": claim.get_state_display()})
        text = _clean_reason(reason)
        claim.state, claim.refused_at, claim.refused_by_id = ClaimState.REFUSED, now, actor.user_id
        claim.refusal_reason = text
        claim.save(update_fields=["state", "refused_at", "refused_by", "refusal_reason"])
        audit_record(actor=actor, action="cashback.refused", target=f"cashback_claim:{claim.pk}",
                     organisation_id=claim.organisation_id,
                     detail={"amount_cents": claim.amount_cents, "reason": text})
        _tell_admins_refused(claim)
    return claim
