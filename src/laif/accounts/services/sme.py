"""SME declarations: an organisation admin declares a year's figures and ownership, a factory
operator verifies (or rejects) it; the status of every verified year is then recomputed with the
two-year rule (``sme_status``), and kept with each declaration for the decisions that use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts import sme_status
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import (
    SmeDeclarationState,
    SmeHolderKind,
    SmeStakeDirection,
    StaffRoleName,
)
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import Organisation, SmeDeclaration, SmeStake
from laif.accounts.notices import notify
from laif.accounts.selectors import org_admins, staff_with_role
from laif.accounts.sme_text import sme_label

YEAR_MIN = 1990
MAX_STAKES = 50
MAX_STAFF = Decimal("9999999.99")
MAX_EUR = Decimal("9999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SmeStakeData:
    name: str
    direction: str
    holder_kind: str
    capital_percent: Decimal
    votes_percent: Decimal
    control: bool = False
    staff_awu: Decimal = Decimal(0)
    turnover_eur: Decimal = Decimal(0)
    balance_sheet_eur: Decimal = Decimal(0)
    invested_eur: Decimal | None = None


@dataclass(frozen=True)
class SmeDeclarationData:
    year: int
    staff_awu: Decimal
    turnover_eur: Decimal
    balance_sheet_eur: Decimal
    estimated: bool = False
    ownership_changed: bool = False
    stakes: tuple[SmeStakeData, ...] = field(default_factory=tuple)


def _amount(value: Decimal, limit: Decimal, field_name: str, label: str) -> Decimal:
    if not value.is_finite() or value < 0 or value > limit:
        raise DomainError(_("%(label)s must be between 0 and %(limit)s.")
                          % {"label": label, "limit": limit}, field=field_name)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _clean_stake(stake: SmeStakeData, n: int) -> SmeStakeData:
    where = f"stakes.{n}"
    name = stake.name.strip()
    if not name or "\x00" in name or len(name) > 200:
        raise DomainError(_("Each holding needs the enterprise's name (at most 200 characters)."),
                          field=f"{where}.name")
    if stake.direction not in SmeStakeDirection.values:
        raise DomainError(_("Unknown direction of a holding."), field=f"{where}.direction")
    if stake.holder_kind not in SmeHolderKind.values:
        raise DomainError(_("Unknown kind of holder."), field=f"{where}.holder_kind")
    percents = [_amount(p, Decimal(100), f"{where}.{f}", _("A share"))
                for p, f in ((stake.capital_percent, "capital_percent"),
                             (stake.votes_percent, "votes_percent"))]
    invested = None
    if stake.holder_kind == SmeHolderKind.BUSINESS_ANGEL:
        if stake.invested_eur is None:
            raise DomainError(_("A business angel's holding needs the amount invested in the "
                                "enterprise (the exception is for less than EUR 1,250,000)."),
                              field=f"{where}.invested_eur")
        invested = _amount(stake.invested_eur, MAX_EUR, f"{where}.invested_eur",
                           _("The amount invested"))
    return SmeStakeData(
        name=name, direction=stake.direction, holder_kind=stake.holder_kind,
        capital_percent=percents[0], votes_percent=percents[1], control=stake.control,
        staff_awu=_amount(stake.staff_awu, MAX_STAFF, f"{where}.staff_awu", _("Staff")),
        turnover_eur=_amount(stake.turnover_eur, MAX_EUR, f"{where}.turnover_eur",
                             _("Turnover")),
        balance_sheet_eur=_amount(stake.balance_sheet_eur, MAX_EUR,
                                  f"{where}.balance_sheet_eur", _("Balance sheet")),
        invested_eur=invested)


def sme_declaration_clean(data: SmeDeclarationData, today: date) -> SmeDeclarationData:
    if not YEAR_MIN <= data.year <= today.year:
        raise DomainError(_("The accounting year must be between %(min)s and %(max)s.")
                          % {"min": YEAR_MIN, "max": today.year}, field="year")
    if data.year == today.year and not data.estimated:
        raise DomainError(_("The current year has no approved accounts yet: declare the last "
                            "closed year, or tick the box for bona fide estimates (a new "
                            "enterprise)."), field="estimated")
    if len(data.stakes) > MAX_STAKES:
        raise DomainError(_("At most %(n)s holdings per declaration.") % {"n": MAX_STAKES},
                          field="stakes")
    return SmeDeclarationData(
        year=data.year, estimated=data.estimated, ownership_changed=data.ownership_changed,
        staff_awu=_amount(data.staff_awu, MAX_STAFF, "staff_awu", _("Staff")),
        turnover_eur=_amount(data.turnover_eur, MAX_EUR, "turnover_eur", _("Turnover")),
        balance_sheet_eur=_amount(data.balance_sheet_eur, MAX_EUR, "balance_sheet_eur",
                                  _("Balance sheet")),
        stakes=tuple(_clean_stake(s, n) for n, s in enumerate(data.stakes)))


def _link(org_id: int) -> str:
    """The notices' link: the organisation's SME status page (a path: notices are in-app)."""
    return reverse("sme_declarations", kwargs={"org_id": org_id})


def sme_declaration_submit(*, access: Access, actor: Actor, organisation_id: int,
                           data: SmeDeclarationData,
                           today: date | None = None) -> SmeDeclaration:
    """Declare a year (organisation admins). A declaration of that year not verified yet is
    replaced; a verified one stands until an operator rejects it."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin declares its SME figures."))
    if actor.user_id is None:
        raise PermissionDenied(_("Only an organisation admin declares its SME figures."))
    clean = sme_declaration_clean(data, today or timezone.localdate())
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation_id)
        standing = SmeDeclaration.objects.filter(organisation=org, year=clean.year).exclude(
            state=SmeDeclarationState.REJECTED).first()
        if standing is not None and standing.state == SmeDeclarationState.VERIFIED:
            raise Conflict(_("The declaration for %(year)s is verified. Ask the factory to "
                             "reopen it (reject it) before declaring that year again.")
                           % {"year": clean.year}, field="year")
        replaced = standing.pk if standing is not None else None
        if standing is not None:
            standing.delete()
        declaration = SmeDeclaration.objects.create(
            organisation=org, year=clean.year, estimated=clean.estimated,
            ownership_changed=clean.ownership_changed, staff_awu=clean.staff_awu,
            turnover_eur=clean.turnover_eur, balance_sheet_eur=clean.balance_sheet_eur,
            declared_by_id=actor.user_id)
        SmeStake.objects.bulk_create([
            SmeStake(declaration=declaration, name=s.name, direction=s.direction,
                     holder_kind=s.holder_kind, capital_percent=s.capital_percent,
                     votes_percent=s.votes_percent, control=s.control, staff_awu=s.staff_awu,
                     turnover_eur=s.turnover_eur, balance_sheet_eur=s.balance_sheet_eur,
                     invested_eur=s.invested_eur) for s in clean.stakes])
        audit_record(actor=actor, action="sme.declared", target=f"sme_declaration:{declaration.pk}",
                     organisation_id=org.pk,
                     detail={"year": clean.year, "stakes": len(clean.stakes),
                             "replaced": replaced})
        name, year = org.name, clean.year
        notify(staff_with_role(StaffRoleName.OPERATOR), kind="sme.declared",
               text=lambda: _("%(org)s declared its SME figures for %(year)s: to verify.")
               % {"org": name, "year": year}, link=_link(org.pk))
    return declaration


def _for_review(access: Access, declaration_id: int) -> SmeDeclaration:
    declaration = SmeDeclaration.objects.filter(pk=declaration_id).first()
    if declaration is None or not access.can_view_org(declaration.organisation_id):
        raise NotFound(_("Declaration not found."))
    if StaffRoleName.OPERATOR not in access.staff_roles:
        raise PermissionDenied(_("Only factory operators verify SME declarations."))
    Organisation.objects.select_for_update().get(pk=declaration.organisation_id)
    return SmeDeclaration.objects.select_for_update().get(pk=declaration_id)


def assessment_of(declaration: SmeDeclaration) -> sme_status.YearAssessment:
    """The year's class from the stored figures and holdings (verified or not)."""
    own = sme_status.Figures(declaration.staff_awu, declaration.turnover_eur,
                             declaration.balance_sheet_eur)
    return sme_status.assess_year(own, [
        sme_status.Stake(
            name=s.name, direction=sme_status.Direction(s.direction),
            kind=sme_status.HolderKind(s.holder_kind), capital_percent=s.capital_percent,
            votes_percent=s.votes_percent, control=s.control, invested_eur=s.invested_eur,
            figures=sme_status.Figures(s.staff_awu, s.turnover_eur, s.balance_sheet_eur))
        for s in declaration.stakes.all()])


def _recompute(organisation_id: int) -> None:
    """Every verified year of the organisation, again: verifying or rejecting one year can
    change the status of the years after it (Art. 4(2))."""
    verified = list(SmeDeclaration.objects.filter(
        organisation_id=organisation_id, state=SmeDeclarationState.VERIFIED,
    ).prefetch_related("stakes").order_by("year"))
    assessed = {d.pk: assessment_of(d) for d in verified}
    results = sme_status.statuses([
        sme_status.Year(d.year, assessed[d.pk], ownership_changed=d.ownership_changed)
        for d in verified])
    stakes: list[SmeStake] = []
    for declaration, status in zip(verified, results, strict=True):
        year = assessed[declaration.pk]
        declaration.year_class = status.year_class.value
        declaration.sme_class = status.klass.value
        declaration.total_staff_awu = year.totals.staff_awu.quantize(CENT)
        declaration.total_turnover_eur = year.totals.turnover_eur.quantize(CENT)
        declaration.total_balance_sheet_eur = year.totals.balance_sheet_eur.quantize(CENT)
        declaration.reasons = [r.as_dict() for r in (*year.reasons, status.reason)]
        for stake, relation in zip(declaration.stakes.all(), year.relations, strict=True):
            stake.relation = relation.value
            stakes.append(stake)
    SmeDeclaration.objects.bulk_update(verified, [
        "year_class", "sme_class", "total_staff_awu", "total_turnover_eur",
        "total_balance_sheet_eur", "reasons"])
    SmeStake.objects.bulk_update(stakes, ["relation"])


def sme_declaration_verify(*, access: Access, actor: Actor, declaration_id: int,
                           note: str = "") -> SmeDeclaration:
    """Verify a submitted declaration against the accounts and register extracts (operators)."""
    with transaction.atomic():
        declaration = _for_review(access, declaration_id)
        if declaration.state != SmeDeclarationState.SUBMITTED:
            raise Conflict(_("Only a submitted declaration can be verified."))
        declaration.state = SmeDeclarationState.VERIFIED
        declaration.reviewed_by_id = actor.user_id
        declaration.reviewed_at = timezone.now()
        declaration.review_note = note.strip()[:1000]
        declaration.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        _recompute(declaration.organisation_id)
        declaration.refresh_from_db()
        audit_record(actor=actor, action="sme.verified",
                     target=f"sme_declaration:{declaration.pk}",
                     organisation_id=declaration.organisation_id,
                     detail={"year": declaration.year, "sme_class": declaration.sme_class,
                             "year_class": declaration.year_class})
        year, klass = declaration.year, declaration.sme_class
        notify(org_admins(declaration.organisation_id), kind="sme.verified",
               text=lambda: _("Your SME declaration for %(year)s is verified: %(klass)s.")
               % {"year": year, "klass": sme_label(klass)},
               link=_link(declaration.organisation_id))
    return declaration


def sme_declaration_reject(*, access: Access, actor: Actor, declaration_id: int,
                           note: str) -> SmeDeclaration:
    """Reject a declaration (operators), submitted or verified (to reopen a year), with the
    reason; the organisation can then declare that year again."""
    reason = " ".join(note.split())
    if not reason or "\x00" in reason:
        raise DomainError(_("Say why the declaration is rejected."), field="note")
    with transaction.atomic():
        declaration = _for_review(access, declaration_id)
        if declaration.state == SmeDeclarationState.REJECTED:
            raise Conflict(_("This declaration is already rejected."))
        was = declaration.state
        declaration.state = SmeDeclarationState.REJECTED
        declaration.reviewed_by_id = actor.user_id
        declaration.reviewed_at = timezone.now()
        declaration.review_note = reason[:1000]
        declaration.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        if was == SmeDeclarationState.VERIFIED:
            _recompute(declaration.organisation_id)
        audit_record(actor=actor, action="sme.rejected",
                     target=f"sme_declaration:{declaration.pk}",
                     organisation_id=declaration.organisation_id,
                     detail={"year": declaration.year, "was": was})
        year = declaration.year
        notify(org_admins(declaration.organisation_id), kind="sme.rejected",
               text=lambda: _("Your SME declaration for %(year)s was rejected: %(reason)s")
               % {"year": year, "reason": reason},
               link=_link(declaration.organisation_id))
    return declaration
