"""Reads of funding: cashback claims, the preview of a statement's claim, the de minimis total.

An organisation's members and the client-facing staff read its claims and aid; others get 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import audit_staff_read, organisation_of, sme_status_of
from laif.accounts.sme_status import Reason
from laif.accounts.sme_text import sme_label
from laif.allocations.capacity import add_months
from laif.allocations.permissions import sees_pools
from laif.billing import selectors as statement_selectors
from laif.catalogue.cashback import CashbackRule, load_cashback
from laif.fund import eligibility, rules
from laif.fund.instruments import funding_in_force
from laif.fund.models import AidRecord, CashbackClaim, ClaimState, FundingApplication, LegalBasis

if TYPE_CHECKING:
    from laif.billing.models import Statement


def cashback_rule() -> CashbackRule:
    return load_cashback()


def cap_cents() -> int:
    return int(settings.LAIF_CASHBACK_CAP_EUR) * 100


def _visible_org(access: Access, actor: Actor | None, org_id: int, what: str) -> None:
    if not access.can_view_org(org_id):
        raise NotFound(_("Organisation not found."))
    if actor is not None:
        audit_staff_read(access, actor, f"{what}:{org_id}", org_id)


def claims_for(*, access: Access, actor: Actor | None,
               organisation_id: int) -> QuerySet[CashbackClaim]:
    _visible_org(access, None, organisation_id, "cashback_claims")
    statement_selectors.statements_readable(access, organisation_id)
    if actor is not None:
        audit_staff_read(access, actor, f"cashback_claims:{organisation_id}", organisation_id)
    return CashbackClaim.objects.filter(organisation_id=organisation_id).select_related(
        "statement")


def credited_since(claim: CashbackClaim, credited_now: int | None = None) -> int:
    """Cents credited on the claim's statement by credit notes issued after the claim was
    computed: its eligible amount is then too high (a computed claim is computed again).
    ``credited_now``: the statement's credited total when already known."""
    if credited_now is None:
        credited_now = statement_selectors.credited_cents(claim.statement)
    return max(0, credited_now - claim.credited_cents)


def claims_with_credits(*, access: Access, actor: Actor | None, organisation_id: int,
                        limit: int = 500) -> list[tuple[CashbackClaim, int]]:
    """The organisation's claims, newest month first, each with ``credited_since``."""
    found = list(claims_for(access=access, actor=actor, organisation_id=organisation_id)[:limit])
    credited = statement_selectors.credited_cents_of([claim.statement_id for claim in found])
    return [(claim, credited_since(claim, credited[claim.statement_id])) for claim in found]


def claims_to_pay(*, access: Access) -> QuerySet[CashbackClaim]:
    """Submitted claims of every organisation, oldest first: the operators' queue (they mark
    them paid or refuse them). Others get 404."""
    if not statement_selectors.can_bill(access):
        raise NotFound(_("Page not found."))
    return (CashbackClaim.objects.filter(state=ClaimState.SUBMITTED)
            .select_related("organisation", "statement", "submitted_by")
            .order_by("submitted_at", "id"))


def claim_get(*, access: Access, actor: Actor | None, claim_id: int) -> CashbackClaim:
    claim = CashbackClaim.objects.select_related("statement", "organisation").filter(
        pk=claim_id).first()
    if claim is None or not access.can_view_org(claim.organisation_id):
        raise NotFound(_("Cashback claim not found."))
    statement_selectors.statements_readable(access, claim.organisation_id)
    if actor is not None:
        audit_staff_read(access, actor, f"cashback_claim:{claim.pk}", claim.organisation_id)
    return claim


@dataclass(frozen=True)
class DeMinimisTotal:
    on: date
    since: date  # the day before the three years that end ``on``
    ceiling_cents: int
    received_cents: int  # de minimis aid granted in the period (the single undertaking's)
    pending_cents: int  # cashback claims not yet granted nor refused (so the ceiling holds)
    left_cents: int
    source: str

    def headroom_for(self, claim: CashbackClaim) -> int:
        """What is left under the ceiling for this pending claim: the others counted, not it."""
        pending = claim.state in (ClaimState.COMPUTED, ClaimState.SUBMITTED)
        return (self.ceiling_cents - self.received_cents - self.pending_cents
                + (claim.amount_cents if pending else 0))

    def over_for(self, claim: CashbackClaim) -> int:
        """How far a pending claim goes past its headroom: what cannot be granted under de
        minimis (0 when it fits, or when the claim is paid or refused)."""
        if claim.state not in (ClaimState.COMPUTED, ClaimState.SUBMITTED):
            return 0
        return max(0, claim.amount_cents - self.headroom_for(claim))


def de_minimis_total(organisation_id: int, on: date) -> DeMinimisTotal:
    """Only aid granted under de minimis counts, from the date the legal right to it was
    conferred, over the rolling three years that end ``on``."""
    rule = cashback_rule()
    since = rules.de_minimis_since(rule, on)
    received = AidRecord.objects.filter(
        organisation_id=organisation_id, legal_basis=LegalBasis.DE_MINIMIS, granted_on__gt=since,
        granted_on__lte=on).aggregate(t=Sum("amount_cents"))["t"]
    pending = CashbackClaim.objects.filter(organisation_id=organisation_id).exclude(
        state__in=(ClaimState.PAID, ClaimState.REFUSED)).aggregate(t=Sum("amount_cents"))["t"]
    ceiling = rule.de_minimis.ceiling_eur * 100
    used = int(received or 0) + int(pending or 0)
    return DeMinimisTotal(on=on, since=since, ceiling_cents=ceiling,
                          received_cents=int(received or 0), pending_cents=int(pending or 0),
                          left_cents=max(0, ceiling - used), source=rule.de_minimis.source)


def aid_for(*, access: Access, actor: Actor | None, organisation_id: int,
            limit: int = 500) -> list[AidRecord]:
    """The aid recorded for the organisation, newest grant first (every legal basis)."""
    _visible_org(access, actor, organisation_id, "aid")
    return list(AidRecord.objects.filter(organisation_id=organisation_id)
                .order_by("-granted_on", "-id")[:limit])


def de_minimis_for(*, access: Access, actor: Actor | None, organisation_id: int,
                   on: date) -> DeMinimisTotal:
    _visible_org(access, actor, organisation_id, "de_minimis")
    return de_minimis_total(organisation_id, on)


def claimed_in_year(organisation_id: int, year: int) -> int:
    """What the organisation's claims of the year take of the cap (a refused one takes none)."""
    total = CashbackClaim.objects.filter(organisation_id=organisation_id, month__year=year).exclude(
        state=ClaimState.REFUSED).aggregate(t=Sum("amount_cents"))["t"]
    return int(total or 0)


@dataclass(frozen=True)
class ClaimPreview:
    eligible: bool
    reason: str
    figures: rules.ClaimFigures | None
    claim: CashbackClaim | None
    source: str
    sme_class: str = ""  # the verified SME status the decision used ("" when none)
    sme_declaration_id: int | None = None


def claim_preview_of(statement: Statement, on: date) -> ClaimPreview:
    """What a claim on this (visible, issued) statement is or would be, with the figures."""
    rule = cashback_rule()
    existing = CashbackClaim.objects.filter(statement=statement).first()
    org = statement.organisation
    # the verified status, never the figures the organisation types in (issue 19, point 4)
    declaration = sme_status_of(org.pk, statement.month.year)
    klass = declaration.sme_class if declaration is not None else ""
    declaration_id = declaration.pk if declaration is not None else None
    if not rules.is_eligible(rule, sme_class=klass, kind=org.kind, month=statement.month):
        if declaration is None:
            reason = _("The cashback is for SMEs (EU definition) and start-ups. This "
                       "organisation's SME status is not verified yet: an organisation admin "
                       "declares its figures and holdings on the SME status page, and the "
                       "factory verifies them.")
        else:
            reason = _("The cashback is for SMEs (EU definition) and start-ups; this "
                       "organisation's verified status (accounting year %(year)s) is "
                       "%(klass)s.") % {"year": declaration.year,
                                        "klass": sme_label(klass)}
        return ClaimPreview(False, reason, None, existing, rule.source, klass, declaration_id)
    credited = statement_selectors.credited_cents(statement)
    total = de_minimis_total(org.pk, on)
    figures = rules.claim_figures(
        rule, eligible_cents=max(0, statement.total_cents - credited), cap_cents=cap_cents(),
        claimed_in_window_cents=claimed_in_year(org.pk, statement.month.year),
        aid_in_period_cents=total.received_cents + total.pending_cents)
    return ClaimPreview(True, "", figures, existing, rule.source, klass, declaration_id)


def claim_preview(*, access: Access, actor: Actor | None, statement_id: int,
                  on: date) -> ClaimPreview:
    statement = statement_selectors.statement_get(access=access, actor=actor,
                                                  statement_id=statement_id)
    return claim_preview_of(statement, on)


def funding_check_visible(*, access: Access, organisation_id: int) -> None:
    """The funding check's page before a plan is given: the organisation must be visible."""
    _visible_org(access, None, organisation_id, "funding")


@dataclass(frozen=True)
class FundingCheck:
    applicant: eligibility.Applicant
    checks: list[eligibility.Check]
    warnings: tuple[Reason, ...]
    retrieved: date
    announcement: str


def funding_check(*, access: Access, actor: Actor | None, organisation_id: int,
                  costs_eur: Decimal, compute_eur: Decimal, start_on: date,
                  apply_on: date) -> FundingCheck:
    """Each funding instrument for the organisation's planned project (``eligibility``), on its
    verified SME status, kind and de minimis headroom."""
    _visible_org(access, actor, organisation_id, "funding")
    org = organisation_of(organisation_id)
    if org is None:
        raise NotFound(_("Organisation not found."))
    declaration = sme_status_of(organisation_id, apply_on.year)
    applicant = eligibility.Applicant(
        sme_class=declaration.sme_class if declaration else "",
        sme_year=declaration.year if declaration else None, kind=org.kind,
        de_minimis_headroom_cents=de_minimis_total(organisation_id, apply_on).left_cents)
    funding = funding_in_force(apply_on)
    checks, warnings = eligibility.check_all(
        funding, applicant, eligibility.Plan(costs_eur=costs_eur, compute_eur=compute_eur,
                                             start_on=start_on, apply_on=apply_on),
        cashback_rate_percent=cashback_rule().rate_percent)
    return FundingCheck(applicant=applicant, checks=checks, warnings=warnings,
                        retrieved=funding.retrieved, announcement=funding.announcement)


def applications_for(*, access: Access, organisation_id: int) -> list[FundingApplication]:
    """The organisation's funding applications, newest first (members and client-facing
    staff)."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    return list(FundingApplication.objects.filter(organisation_id=organisation_id)
                .select_related("aid"))


def application_get(*, access: Access, application_id: int) -> FundingApplication:
    """One funding application, to whoever may see its organisation."""
    found = FundingApplication.objects.filter(pk=application_id).first()
    if found is None or not access.can_view_org(found.organisation_id):
        raise NotFound(_("No such application."))
    return found


@dataclass(frozen=True)
class AidFlow:
    """Per month (site time zone): cashback paid (claims marked paid that month) and aid
    granted (aid records by their grant date, by instrument), in cents."""

    cashback_paid_cents: dict[date, int]
    aid_granted_cents: dict[date, dict[str, int]]


def aid_flow(*, access: Access, month_from: date, month_to: date) -> AidFlow:
    """Cashback paid and aid granted between two months (aggregates: the factory's figures;
    client-facing staff)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    start = timezone.make_aware(datetime(month_from.year, month_from.month, 1))
    end_month = add_months(month_to.replace(day=1), 1)
    end = timezone.make_aware(datetime(end_month.year, end_month.month, 1))
    paid: dict[date, int] = {}
    for row in (CashbackClaim.objects.filter(state=ClaimState.PAID, paid_at__gte=start,
                                             paid_at__lt=end).order_by()
                .annotate(m=TruncMonth("paid_at")).values("m")
                .annotate(total=Sum("amount_cents"))):
        paid[timezone.localtime(row["m"]).date()] = int(row["total"] or 0)
    granted: dict[date, dict[str, int]] = {}
    for row in (AidRecord.objects.filter(granted_on__gte=month_from.replace(day=1),
                                         granted_on__lt=end_month).order_by()
                .annotate(m=TruncMonth("granted_on")).values("m", "instrument")
                .annotate(total=Sum("amount_cents"))):
        granted.setdefault(row["m"], {})[row["instrument"]] = int(row["total"] or 0)
    return AidFlow(cashback_paid_cents=paid, aid_granted_cents=granted)
