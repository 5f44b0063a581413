"""Organisations: sign-up of a new organisation's first admin, registration once their address
is verified, legal data updates."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from laif.accounts import sme
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import OrgRole
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.language import active_language
from laif.accounts.models import Membership, Organisation, PendingOrganisation, User
from laif.accounts.services._common import RCS_RE, password_check
from laif.accounts.services._email_links import schedule_verification_mail


@dataclass(frozen=True)
class OrganisationData:
    name: str
    country: str
    sector: str
    kind: str
    # the three figures, or none (None): they decide the EU SME class shown; a funding decision
    # uses the verified SME declaration instead
    staff_headcount: int | None = None
    annual_turnover_eur: Decimal | None = None
    balance_sheet_eur: Decimal | None = None
    rcs_number: str = ""
    vat_number: str = ""
    address: str = ""  # lines separated by newlines, as on an envelope (statements show it)


ADDRESS_MAX_LINES, ADDRESS_MAX_CHARS = 6, 500


def _clean_address(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    address = "\n".join(line for line in lines if line)
    if "\x00" in address or len(address) > ADDRESS_MAX_CHARS \
            or address.count("\n") >= ADDRESS_MAX_LINES:
        raise DomainError(_("The postal address has at most 6 lines and 500 characters."),
                          field="address")
    return address


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
    figures = (data.staff_headcount, data.annual_turnover_eur, data.balance_sheet_eur)
    if any(f is None for f in figures) and not all(f is None for f in figures):
        raise DomainError(_("Give the three figures (headcount, turnover, balance sheet) or "
                            "none of them."), field="staff_headcount")
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
        address=_clean_address(data.address),
    )


def _apply_organisation(org: Organisation, data: OrganisationData) -> None:
    for key, value in data.__dict__.items():
        setattr(org, key, value)
    org.sme_class = sme_class_of(data)


def sme_class_of(data: OrganisationData) -> str:
    """The EU SME class of the organisation's own figures ("" when it gave none)."""
    if data.staff_headcount is None or data.annual_turnover_eur is None \
            or data.balance_sheet_eur is None:
        return ""
    return sme.sme_class(headcount=data.staff_headcount, turnover_eur=data.annual_turnover_eur,
                         balance_sheet_eur=data.balance_sheet_eur).value




def _stored(data: OrganisationData) -> dict[str, str | int]:
    """The cleaned data as JSON (amounts as strings: exact decimals)."""
    return {key: str(value) if isinstance(value, Decimal) else value
            for key, value in asdict(data).items()}


def organisation_data_restored(stored: dict[str, Any]) -> OrganisationData:
    values = dict(stored)
    for key in ("annual_turnover_eur", "balance_sheet_eur"):
        if values.get(key) is not None:
            values[key] = Decimal(values[key])
    return OrganisationData(**values)


def _vat_taken(data: OrganisationData) -> bool:
    return bool(data.vat_number) and Organisation.objects.filter(
        country=data.country, vat_number=data.vat_number).exists()


def organisation_sign_up(
    *,
    organisation: OrganisationData,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    ip: str = "",
) -> tuple[PendingOrganisation, User]:
    """Create the account of a new organisation's first admin, its address not yet verified,
    and mail the confirmation link. The organisation itself is registered only when the link is
    followed (``email_verify``): nobody registers a company under someone else's address."""
    data = _clean_organisation(organisation)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("An account with this e-mail address already exists."), field="email")
    if _vat_taken(data):
        raise Conflict(_("This organisation (VAT number) is already registered."),
                       field="vat_number")
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    password_check(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=first_name.strip(), last_name=last_name.strip(),
                language=active_language(), email_verification_sent_at=timezone.now(),
            )
            pending = PendingOrganisation.objects.create(user=user, data=_stored(data))
            audit_record(
                actor=Actor(user.pk, user.email, ip),
                action="user.signed_up",
                target=f"user:{user.pk}",
                detail={"organisation": data.name, "vat_number": data.vat_number},
            )
            schedule_verification_mail(user, data.name)
    except IntegrityError as exc:
        raise Conflict(_("An account with this e-mail address already exists."),
                       field="email") from exc
    return pending, user


def organisation_register(*, admin: User, data: OrganisationData, ip: str = "") -> Organisation:
    """Register an organisation with ``admin`` as its first admin. Only a person whose e-mail
    address is verified may: else anyone could register a company under a colleague's address."""
    if admin.email_verified_at is None:
        raise PermissionDenied(
            _("Confirm your e-mail address before registering an organisation."))
    clean = _clean_organisation(data)
    try:
        with transaction.atomic():
            org = Organisation()
            _apply_organisation(org, clean)
            org.save()
            Membership.objects.create(user=admin, organisation=org, role=OrgRole.ADMIN)
            audit_record(
                actor=Actor(admin.pk, admin.email, ip),
                action="organisation.signed_up",
                target=f"organisation:{org.pk}",
                organisation_id=org.pk,
                detail={"name": org.name, "sme_class": org.sme_class},
            )
    except IntegrityError as exc:
        raise Conflict(_("This organisation (VAT number) is already registered."),
                       field="vat_number") from exc
    return org


def pending_organisation_data(user: User) -> OrganisationData | None:
    pending = PendingOrganisation.objects.filter(user=user).first()
    return organisation_data_restored(pending.data) if pending is not None else None


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
