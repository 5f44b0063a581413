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
                    rcs_number="B123456", vat_number="LU15027442")
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


def demo_project() -> Project:
    """The demo organisation's project (``demo_load`` first)."""
    return Project.objects.get(name=DEMO_PROJECT, organisation__name=DEMO_ORGANISATION)
