"""Reads of the AI Factories network: the catalogue of factories (public), which of them offer
a set of capabilities and whether the local factory has them (``capability_check``), and the
referrals (operators, reviewers and auditors; trainers and company users see none): the list,
one with its history and the request it is linked to, the referrals of a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.catalogue.entry import load_triage
from laif.catalogue.factories import (
    Factory,
    FactoryCatalogue,
    capabilities_missing_locally,
    factories_offering,
    load_factories,
)
from laif.entry import selectors as entry_selectors
from laif.entry import triage as entry_rules
from laif.network import lifecycle
from laif.network.models import Referral, ReferralEvent, ReferralStatus
from laif.network.services import is_worker

READERS = frozenset({StaffRoleName.OPERATOR, StaffRoleName.REVIEWER, StaffRoleName.AUDITOR})
MAX_LIST = 500


def _lang() -> str:
    return (get_language() or "en")[:2]


def can_read(access: Access) -> bool:
    return bool(access.staff_roles & READERS)


def can_work(access: Access) -> bool:
    return is_worker(access)


# ------------------------------------------------------------------------------ the catalogue


def catalogue() -> FactoryCatalogue:
    return load_factories()


def factory_get(key: str) -> Factory:
    found = load_factories().factory(key)
    if found is None:
        raise NotFound(_("No factory in the network has this key."))
    return found


@dataclass(frozen=True)
class Offer:
    """A factory that offers some of the capabilities asked for."""

    factory: Factory
    offers: tuple[str, ...]  # the capabilities asked for that it offers
    operational: tuple[str, ...]  # of them, those on a system or service in operation now
    verified: tuple[str, ...]  # of them, those a verified fact states


@dataclass(frozen=True)
class CapabilityCheck:
    """What a request needs against the network: what the local factory lacks, the other
    factories offering it best first, and what no factory of the network offers."""

    required: tuple[str, ...]
    local: tuple[str, ...]  # required, and offered by the local factory
    missing_locally: tuple[str, ...]
    offering: tuple[Offer, ...]  # for the capabilities missing locally
    nowhere: tuple[str, ...]  # missing locally and offered by no other factory either

    @property
    def all_local(self) -> bool:
        return not self.missing_locally


def capability_check(required: set[str] | frozenset[str] | list[str]) -> CapabilityCheck:
    """Which of ``required`` the local factory lacks and which other factories offer them (the
    catalogue's order: those in operation first, then those offering more of them).
    ``DomainError`` on a key the vocabulary does not know."""
    cat = load_factories()
    wanted = set(required)
    try:
        missing = capabilities_missing_locally(wanted, cat)
        offering = factories_offering(missing, cat) if missing else []
    except ValueError as exc:
        raise DomainError(_("Unknown capability."), field="capabilities") from exc
    order = [k for k in cat.capabilities if k in wanted]
    offers = tuple(Offer(
        factory=f, offers=tuple(k for k in order if k in missing and k in f.capabilities),
        operational=tuple(k for k in order if k in missing and k in f.operational_capabilities),
        verified=tuple(k for k in order if k in missing and k in f.verified_capabilities))
        for f in offering)
    offered = {k for o in offers for k in o.offers}
    return CapabilityCheck(
        required=tuple(order), local=tuple(k for k in order if k not in missing),
        missing_locally=tuple(k for k in order if k in missing), offering=offers,
        nowhere=tuple(k for k in order if k in missing and k not in offered))


# ------------------------------------------------------------------------------ referrals


def _reader(access: Access) -> None:
    """The list: staff who read referrals; everyone else is forbidden (the list is no secret,
    its content is)."""
    if not can_read(access):
        raise PermissionDenied(_("Only the factory's operators, reviewers and auditors see "
                                 "referrals."))


@dataclass(frozen=True)
class ReferralFilter:
    direction: str = ""
    status: str = ""
    factory: str = ""


def referrals(access: Access, filters: ReferralFilter | None = None) -> list[Referral]:
    """Every referral, newest first, filtered by direction, status or factory."""
    _reader(access)
    f = filters or ReferralFilter()
    qs: QuerySet[Referral] = Referral.objects.select_related("created_by")
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.factory:
        qs = qs.filter(factory=f.factory)
    return list(qs.order_by("-created_at", "-pk")[:MAX_LIST])


@dataclass(frozen=True)
class IntakeSummary:
    """The request at the single point of entry a referral is linked to."""

    id: int
    status: str
    status_label: str
    who: str
    goal: str
    outcome: str
    created_at: datetime
    confirmed: bool  # in the inbox (its requester confirmed the address)

    @property
    def url(self) -> str:
        return reverse("entry_detail", kwargs={"intake_id": self.id})


def intake_summary(intake_id: int | None) -> IntakeSummary | None:
    """A request's summary by its id (the caller is staff who read referrals). Read through the
    entry app's by-id read, which also finds a request whose address is not confirmed yet (a
    converted referral's, until its requester opens the follow link)."""
    if intake_id is None:
        return None
    intake = entry_selectors.intake_sent(intake_id)
    if intake is None:
        return None
    return IntakeSummary(
        id=intake.pk, status=intake.status, status_label=str(intake.get_status_display()),
        who=intake.organisation_name or intake.contact_name,
        goal=load_triage().label("goal", intake.goal, _lang()),
        outcome=str(intake.get_outcome_display()) if intake.outcome else "",
        created_at=intake.created_at, confirmed=intake.status != entry_rules.UNVERIFIED)


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    events: list[ReferralEvent]
    intake: IntakeSummary | None
    factory: Factory | None
    next_statuses: tuple[str, ...]  # by a change of status
    can_convert: bool
    can_work: bool


def referral_get(access: Access, referral_id: int) -> ReferralView:
    """One referral with its history and the request it is linked to: operators, reviewers and
    auditors; anyone else is told it does not exist."""
    referral = Referral.objects.select_related("created_by").filter(pk=referral_id).first()
    if referral is None or not can_read(access):
        raise NotFound(_("No such referral."))
    work = can_work(access)
    return ReferralView(
        referral=referral, events=list(referral.events.select_related("actor")),
        intake=intake_summary(referral.intake_id),
        factory=load_factories().factory(referral.factory),
        next_statuses=lifecycle.by_hand(referral.direction, referral.status) if work else (),
        can_convert=work and lifecycle.can_convert(referral.direction, referral.status),
        can_work=work)


def referrals_of_intake(access: Access, intake_id: int) -> list[Referral]:
    """The referrals linked to a request (those it went out as and the one it came from).
    Company users are told the request does not exist; trainers, who work the inbox, are
    forbidden."""
    if not can_read(access):
        if access.is_staff:
            raise PermissionDenied(_("Only the factory's operators, reviewers and auditors see "
                                     "referrals."))
        raise NotFound(_("No such request."))
    if intake_summary(intake_id) is None:
        raise NotFound(_("No such request."))
    return list(Referral.objects.filter(intake_id=intake_id).select_related("created_by")
                .order_by("-created_at", "-pk")[:MAX_LIST])


def status_label(status: str) -> str:
    return str(ReferralStatus(status).label) if status in ReferralStatus.values else status
