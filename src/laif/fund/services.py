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
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit, notify, site_link
from laif.accounts.selectors import org_admins, organisation_for_update
from laif.billing import selectors as statement_selectors
from laif.billing.pricing import euros_text
from laif.billing.selectors import can_bill
from laif.fund.models import AidInstrument, AidRecord, CashbackClaim, ClaimState
from laif.fund.selectors import cashback_rule, claim_preview_of, credited_since

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
                    "ceiling is %(dm)s.") % {"gross": euros_text(f.gross_cents),
                                             "cap": euros_text(f.cap_left_cents),
                                             "dm": euros_text(f.de_minimis_left_cents)})
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
                           % {"amount": euros_text(credited)})
        claim.state, claim.submitted_at = ClaimState.SUBMITTED, now or timezone.now()
        claim.submitted_by_id = actor.user_id
        claim.save(update_fields=["state", "submitted_at", "submitted_by"])
        audit_record(actor=actor, action="cashback.submitted", target=f"cashback_claim:{claim.pk}",
                     organisation_id=claim.organisation_id,
                     detail={"amount_cents": claim.amount_cents})
    return claim


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


def cashback_claim_mark_paid(*, access: Access, actor: Actor, claim_id: int,
                             payment_reference: str, paid_on: date | None = None,
                             now: datetime | None = None) -> CashbackClaim:
    """Mark a submitted claim paid (factory operators): recorded as aid received."""
    reference = payment_reference.strip()
    if len(reference) > MAX_REFERENCE or "\x00" in reference:
        raise DomainError(_("The payment reference is at most 100 characters."),
                          field="payment_reference")
    now = now or timezone.now()
    with transaction.atomic():
        claim = _claim_for_update(access, claim_id)
        if not can_bill(access):
            raise PermissionDenied(_("Only factory operators mark claims paid."))
        if claim.state != ClaimState.SUBMITTED:
            raise Conflict(_("Only a submitted claim can be paid; this one is %(state)s.")
                           % {"state": claim.get_state_display()})
        claim.state, claim.paid_at, claim.paid_by_id = ClaimState.PAID, now, actor.user_id
        claim.payment_reference = reference
        claim.save(update_fields=["state", "paid_at", "paid_by", "payment_reference"])
        AidRecord.objects.create(
            organisation_id=claim.organisation_id, amount_cents=claim.amount_cents,
            granted_on=paid_on or timezone.localdate(now),
            instrument=AidInstrument.COMPUTE_CASHBACK, claim=claim,
            source=f"cashback claim {claim.pk}, statement {claim.statement_id}"[:300])
        audit_record(actor=actor, action="cashback.paid", target=f"cashback_claim:{claim.pk}",
                     organisation_id=claim.organisation_id,
                     detail={"amount_cents": claim.amount_cents, "reference": reference})
    return claim


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
            "month": month, "amount": euros_text(claim.amount_cents),
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
