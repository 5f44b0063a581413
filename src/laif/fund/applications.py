"""Funding applications: an organisation's admins draft and submit an application to an
instrument of the catalogue; the factory's operators grant it (with the legal basis and the date
the right is conferred: the grant becomes aid, a de minimis one counting in the total, checked
against the ceiling under the organisation's lock) or refuse it. Never trimmed silently: an
amount past the de minimis headroom is refused with the headroom, and a grant below the amount
applied for needs its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit, notify, site_link
from laif.accounts.selectors import org_admins, organisation_for_update, staff_with_role
from laif.billing.money import money_text
from laif.billing.selectors import can_bill
from laif.fund import selectors
from laif.fund.instruments import funding_in_force
from laif.fund.models import (
    AidInstrument,
    AidRecord,
    ApplicationState,
    FundingApplication,
    LegalBasis,
)

MAX_CENTS = 10**13


def _instrument_name(code: str) -> str:
    found = next((i for i in funding_in_force(timezone.localdate()).instruments if i.code == code), None)
    return found.name.en if found else code


def _admin(access: Access, organisation_id: int) -> None:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("An administrator of the organisation applies for funding."))


def application_create(*, access: Access, actor: Actor, organisation_id: int, instrument: str,
                       title: str, amount_cents: int) -> FundingApplication:
    """A draft application of the organisation to an instrument of the catalogue."""
    _admin(access, organisation_id)
    codes = {i.code for i in funding_in_force(timezone.localdate()).instruments if i.kind != "compute_cashback"}
    if instrument not in codes:  # the cashback is claimed from a statement, not applied for
        raise DomainError(_("Choose an instrument of the catalogue (the compute cashback is "
                            "claimed from a statement)."), field="instrument")
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise DomainError(_("Name the project (at most 200 characters)."), field="title")
    if not 0 < amount_cents < MAX_CENTS:
        raise DomainError(_("The amount is more than zero."), field="amount_cents")
    with transaction.atomic():
        found = FundingApplication.objects.create(
            organisation_id=organisation_id, instrument=instrument, title=title,
            amount_cents=amount_cents, created_by_id=actor.user_id)
        audit_record(actor=actor, action="funding.application_created",
                     target=f"application:{found.pk}", organisation_id=organisation_id,
                     detail={"instrument": instrument, "amount_cents": amount_cents})
    return found


def _locked(application_id: int) -> FundingApplication:
    found = FundingApplication.objects.select_for_update().filter(pk=application_id).first()
    if found is None:
        raise NotFound(_("No such application."))
    return found


def application_submit(*, access: Access, actor: Actor, application_id: int) -> FundingApplication:
    with transaction.atomic():
        found = _locked(application_id)
        _admin(access, found.organisation_id)
        if found.state != ApplicationState.DRAFT:
            raise Conflict(_("Only a draft is submitted."))
        found.state, found.submitted_at = ApplicationState.SUBMITTED, timezone.now()
        found.save(update_fields=["state", "submitted_at"])
        audit_record(actor=actor, action="funding.application_submitted",
                     target=f"application:{found.pk}", organisation_id=found.organisation_id)
        link = reverse("funding_applications", kwargs={"org_id": found.organisation_id})
        notify(staff_with_role(StaffRoleName.OPERATOR), kind="funding.submitted",
               text=lambda: _("A funding application to decide: %(title)s") % {
                   "title": found.title}, link=link)
    return found


def _decidable(access: Access, application_id: int) -> FundingApplication:
    found = _locked(application_id)
    if not access.can_view_org(found.organisation_id):
        raise NotFound(_("No such application."))
    if not can_bill(access):
        raise PermissionDenied(_("The factory's operators decide on applications."))
    if found.state != ApplicationState.SUBMITTED:
        raise Conflict(_("Only a submitted application is decided."))
    return found


def application_grant(*, access: Access, actor: Actor, application_id: int, granted_cents: int,
                      granted_on: date, legal_basis: str, reference: str,
                      reduction_reason: str = "", today: date | None = None
                      ) -> FundingApplication:
    """Grant an application: recorded as aid with its legal basis and grant date. Under de
    minimis the amount must fit the headroom on that date (re-checked under the organisation's
    lock); less than applied for needs the reason."""
    today = today or timezone.localdate()
    if legal_basis not in LegalBasis.values:
        raise DomainError(_("Unknown legal basis."), field="legal_basis")
    earliest = date(today.year - 10, 1, 1)
    if not earliest <= granted_on <= today:
        raise DomainError(_("The grant date is between %(first)s and today (%(today)s).")
                          % {"first": date_format(earliest), "today": date_format(today)},
                          field="granted_on")
    reference, reduction_reason = " ".join(reference.split()), reduction_reason.strip()
    if not reference or len(reference) > 200 or "\x00" in reference:
        raise DomainError(_("Give the decision's reference (at most 200 characters)."),
                          field="reference")
    if "\x00" in reduction_reason or len(reduction_reason) > 1000:
        raise DomainError(_("The reason is at most 1,000 characters."), field="reduction_reason")
    with transaction.atomic():
        found = _decidable(access, application_id)
        if organisation_for_update(found.organisation_id) is None:
            raise NotFound(_("Organisation not found."))
        if not 0 < granted_cents <= found.amount_cents:
            raise DomainError(_("The amount granted is more than zero and at most the amount "
                                "applied for."), field="granted_cents")
        if granted_cents < found.amount_cents and not reduction_reason:
            raise DomainError(_("A grant below the amount applied for is a decision: give its "
                                "reason."), field="reduction_reason")
        if legal_basis == LegalBasis.DE_MINIMIS:
            total = selectors.de_minimis_total(found.organisation_id, granted_on)
            if granted_cents > total.left_cents:
                raise Conflict(_(
                    "%(amount)s cannot be granted under de minimis: %(left)s is left under the "
                    "ceiling on %(day)s. Grant at most that, with the reason, or another legal "
                    "basis.") % {"amount": money_text(granted_cents), "left": money_text(total.left_cents),
                                 "day": date_format(granted_on)}, field="granted_cents")
        aid = AidRecord.objects.create(
            organisation_id=found.organisation_id, amount_cents=granted_cents,
            granted_on=granted_on, legal_basis=legal_basis, instrument=AidInstrument.OTHER,
            source=f"{_instrument_name(found.instrument)}: {reference}"[:300],
            recorded_by_id=actor.user_id)
        found.state, found.decided_at, found.decided_by_id = (
            ApplicationState.GRANTED, timezone.now(), actor.user_id)
        found.granted_cents, found.aid, found.decision_note = granted_cents, aid, reduction_reason
        found.save(update_fields=["state", "decided_at", "decided_by", "granted_cents", "aid",
                                  "decision_note"])
        audit_record(actor=actor, action="funding.application_granted",
                     target=f"application:{found.pk}", organisation_id=found.organisation_id,
                     detail={"granted_cents": granted_cents, "applied_cents": found.amount_cents,
                             "legal_basis": legal_basis, "granted_on": granted_on.isoformat(),
                             "aid": aid.pk, "reduction_reason": reduction_reason})
        _tell_admins(found, lambda: _("Your funding application is granted: %(title)s") % {
            "title": found.title})
    return found


def application_refuse(*, access: Access, actor: Actor, application_id: int,
                       reason: str) -> FundingApplication:
    reason = reason.strip()
    if not reason or len(reason) > 1000 or "\x00" in reason:
        raise DomainError(_("Give the reason (at most 1,000 characters)."), field="reason")
    with transaction.atomic():
        found = _decidable(access, application_id)
        found.state, found.decided_at, found.decided_by_id = (
            ApplicationState.REFUSED, timezone.now(), actor.user_id)
        found.decision_note = reason
        found.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
        audit_record(actor=actor, action="funding.application_refused",
                     target=f"application:{found.pk}", organisation_id=found.organisation_id,
                     detail={"reason": reason})
        _tell_admins(found, lambda: _("Your funding application is refused: %(title)s") % {
            "title": found.title})
    return found


def _tell_admins(found: FundingApplication, subject: Callable[[], str]) -> None:
    link = site_link("funding_applications", org_id=found.organisation_id)
    mail_on_commit(org_admins(found.organisation_id), subject,
                   lambda: f"{subject()}\n\n{found.decision_note}\n\n{link}\n".replace(
                       "\n\n\n\n", "\n\n"), kind="funding.decided", link=link,
                   notice=lambda: f"{subject()}\n{found.decision_note}".strip())
