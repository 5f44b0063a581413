"""Demo data for the embedded single-machine setup: two client organisations and factory staff.

Idempotent: running it again changes nothing. Never run in production (refused there).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import SYSTEM, Actor
from laif.accounts.models import Membership, Organisation, Project, User

DEMO_PASSWORD = "laif-demo-2026"
DEMO_ORGANISATION = "Acme Robotics S.à r.l."
DEMO_PROJECT = "Quality control line 3"
REVIEWER = "reviewer@ai-factory.lu"
OPERATOR = "operator@ai-factory.lu"
ORG_ADMIN = "admin@acme.lu"


def _user(email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last,
                                            email_verified_at=timezone.now())


def demo_user(email: str, first: str, last: str) -> User:
    """A demo login (the demo password, the address verified), made once."""
    return _user(email, first, last)


def _org(name: str, admin_email: str, first: str, last: str, **data: object) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.organisation_register(
        admin=_user(admin_email, first, last),
        data=services.OrganisationData(name=name, **data),  # type: ignore[arg-type]
    )


def demo_load() -> list[tuple[str, str, str]]:
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    with transaction.atomic():
        acme = _org(DEMO_ORGANISATION, ORG_ADMIN, "Claire", "Schmit",
                    country="LU", sector="industry", kind="company", staff_headcount=42,
                    annual_turnover_eur=Decimal(8_500_000), balance_sheet_eur=Decimal(6_000_000),
                    rcs_number="B123456", vat_number="LU15027442",
                    address="12, rue de l'Industrie\nL-3895 Foetz")
        _org("Stellar Data S.A.", "admin@stellar.lu", "Jean", "Weber", country="LU",
             sector="space", kind="startup", staff_headcount=7,
             annual_turnover_eur=Decimal(400_000), balance_sheet_eur=Decimal(900_000))
        admin = Membership.objects.get(organisation=acme, role="admin").user
        lead = _user("lead@acme.lu", "Luc", "Hoffmann")
        member = _user("member@acme.lu", "Sophie", "Muller")
        for person in (lead, member):
            Membership.objects.get_or_create(user=person, organisation=acme,
                                             defaults={"role": "member"})
        if not acme.projects.exists():
            project = services.project_create(
                access=access_for(admin), actor=Actor.of(admin), organisation_id=acme.pk,
                name=DEMO_PROJECT,
                description="Computer vision for quality control on line 3.", lead_id=lead.pk,
            )
            services.project_member_add(access=access_for(admin), actor=Actor.of(admin),
                                        project_id=project.pk, user_id=member.pk)
        for role in ("operator", "reviewer", "trainer", "auditor"):
            services.staff_role_grant(
                actor=SYSTEM, user=_user(f"{role}@ai-factory.lu", "Staff", role.title()), role=role
            )
        stellar = Organisation.objects.get(name="Stellar Data S.A.")
        _sme_demo(acme, stellar, operator=User.objects.get(email=OPERATOR))
    return [
        ("organisation admin", "admin@acme.lu", DEMO_PASSWORD),
        ("project lead", "lead@acme.lu", DEMO_PASSWORD),
        ("member", "member@acme.lu", DEMO_PASSWORD),
        ("start-up admin", "admin@stellar.lu", DEMO_PASSWORD),
        ("staff: operator", "operator@ai-factory.lu", DEMO_PASSWORD),
        ("staff: reviewer", "reviewer@ai-factory.lu", DEMO_PASSWORD),
        ("staff: trainer", "trainer@ai-factory.lu", DEMO_PASSWORD),
        ("staff: auditor", "auditor@ai-factory.lu", DEMO_PASSWORD),
    ]


def _sme_demo(acme: Organisation, stellar: Organisation, *, operator: User) -> None:
    """Acme: two verified years with a partner holding (small); Stellar: a declaration with a
    business angel, waiting for the operator."""
    if acme.sme_declarations.exists():
        return
    year = timezone.localdate().year - 1
    partner = services.SmeStakeData(
        name="Luxinvest Holding S.A.", direction="upstream", holder_kind="enterprise",
        capital_percent=Decimal(30), votes_percent=Decimal(30), staff_awu=Decimal(20),
        turnover_eur=Decimal(4_000_000), balance_sheet_eur=Decimal(9_000_000))
    for past, staff in ((year - 1, Decimal(38)), (year, Decimal(42))):
        admin = Membership.objects.get(organisation=acme, role="admin").user
        declaration = services.sme_declaration_submit(
            access=access_for(admin), actor=Actor.of(admin), organisation_id=acme.pk,
            data=services.SmeDeclarationData(
                year=past, staff_awu=staff, turnover_eur=Decimal(8_500_000),
                balance_sheet_eur=Decimal(6_000_000), stakes=(partner,)))
        services.sme_declaration_verify(access=access_for(operator), actor=Actor.of(operator),
                                        declaration_id=declaration.pk,
                                        note="Annual accounts and RCS extract checked.")
    admin = Membership.objects.get(organisation=stellar, role="admin").user
    services.sme_declaration_submit(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=stellar.pk,
        data=services.SmeDeclarationData(
            year=year, staff_awu=Decimal("6.5"), turnover_eur=Decimal(400_000),
            balance_sheet_eur=Decimal(900_000), stakes=(services.SmeStakeData(
                name="M. Kieffer (business angel)", direction="upstream",
                holder_kind="business_angel", capital_percent=Decimal(35),
                votes_percent=Decimal(35), invested_eur=Decimal(400_000)),)))


def demo_project() -> Project:
    """The demo organisation's project (``demo_load`` first)."""
    return Project.objects.get(name=DEMO_PROJECT, organisation__name=DEMO_ORGANISATION)
