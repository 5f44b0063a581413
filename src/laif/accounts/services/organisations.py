"""Organisations: sign-up of a new organisation and its first admin, legal data updates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from laif.accounts import sme
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.language import active_language
from laif.accounts.models import (
    Membership,
    Organisation,
    OrgRole,
    User,
)
from laif.accounts.services._common import RCS_RE, _validate_password


@dataclass(frozen=True)
class OrganisationData:
    name: str
    country: str
    sector: str
    kind: str
    staff_headcount: int
    annual_turnover_eur: Decimal
    balance_sheet_eur: Decimal
    rcs_number: str = ""
    vat_number: str = ""


def _clean_organisation(data: OrganisationData) -> OrganisationData:
    name = data.name.strip()
    if not name:
        raise DomainError(_("The organisation needs a name."), field="name")
    country = data.country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError(_("Country must be a two-letter ISO code, e.g. LU."), field="country")
    rcs = data.rcs_number.strip().upper().replace(" ", "")
    if rcs and not RCS_RE.match(rcs):
        raise DomainError(
            _("RCS number must look like B123456 (a section letter and digits)."),
            field="rcs_number",
        )
    vat = data.vat_number.strip().upper().replace(" ", "").replace(".", "")
    if vat:
        if not vat[:2].isalpha():
            vat = country + vat
        try:
            vat = eu_vat.validate(vat)
        except StdnumError as exc:
            raise DomainError(
                _("VAT number %(vat)s is not valid: %(why)s") % {"vat": vat, "why": str(exc)},
                field="vat_number",
            ) from exc
    return OrganisationData(
        name=name,
        country=country,
        sector=data.sector,
        kind=data.kind,
        staff_headcount=data.staff_headcount,
        annual_turnover_eur=data.annual_turnover_eur,
        balance_sheet_eur=data.balance_sheet_eur,
        rcs_number=rcs,
        vat_number=vat,
    )


def _apply_organisation(org: Organisation, data: OrganisationData) -> None:
    for key, value in data.__dict__.items():
        setattr(org, key, value)
    org.sme_class = sme.sme_class(
        headcount=data.staff_headcount,
        turnover_eur=data.annual_turnover_eur,
        balance_sheet_eur=data.balance_sheet_eur,
    ).value




def organisation_sign_up(
    *,
    organisation: OrganisationData,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    ip: str = "",
) -> tuple[Organisation, User]:
    """Register a new organisation and its first admin."""
    data = _clean_organisation(organisation)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("An account with this e-mail address already exists."), field="email")
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    _validate_password(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=first_name.strip(), last_name=last_name.strip(),
                language=active_language(),
            )
            org = Organisation()
            _apply_organisation(org, data)
            org.save()
            Membership.objects.create(user=user, organisation=org, role=OrgRole.ADMIN)
            audit_record(
                actor=Actor(user.pk, user.email, ip),
                action="organisation.signed_up",
                target=f"organisation:{org.pk}",
                organisation_id=org.pk,
                detail={"name": org.name, "sme_class": org.sme_class},
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This organisation (VAT number) or e-mail address is already registered.")
        ) from exc
    return org, user


def organisation_update(
    *, access: Access, actor: Actor, organisation_id: int, data: OrganisationData
) -> Organisation:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can change the organisation."))
    clean = _clean_organisation(data)
    try:
        with transaction.atomic():
            org = Organisation.objects.select_for_update().get(pk=organisation_id)
            before = org.sme_class
            _apply_organisation(org, clean)
            org.save()
            audit_record(
                actor=actor,
                action="organisation.updated",
                target=f"organisation:{org.pk}",
                organisation_id=org.pk,
                detail={"sme_class_before": before, "sme_class": org.sme_class},
            )
    except IntegrityError as exc:
        raise Conflict(_("Another organisation is registered with this VAT number."),
                       field="vat_number") from exc
    return org
