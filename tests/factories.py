"""Test data built through the services, as users would create it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from django.utils import timezone

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import SYSTEM, Actor
from laif.accounts.models import Organisation, Project, User

PASSWORD = "correct-horse-battery-staple-42"
_seq = count(1)


def org_data(name: str = "", **overrides: object) -> services.OrganisationData:
    n = next(_seq)
    values: dict[str, object] = {
        "name": name or f"Acme {n}",
        "country": "LU",
        "sector": "industry",
        "kind": "company",
        "staff_headcount": 12,
        "annual_turnover_eur": Decimal(3_000_000),
        "balance_sheet_eur": Decimal(2_500_000),
    }
    values.update(overrides)
    return services.OrganisationData(**values)  # type: ignore[arg-type]


def sign_up(name: str = "", email: str = "", **overrides: object) -> tuple[Organisation, User]:
    """Sign up, then follow the confirmation link: the organisation is registered."""
    n = next(_seq)
    _pending, user = services.organisation_sign_up(
        organisation=org_data(name, **overrides),
        email=email or f"admin{n}@example.lu",
        password=PASSWORD,
        first_name="Ada",
        last_name=f"Admin{n}",
    )
    verified = services.email_verify(user=user, token=services.verification_token(user))
    assert verified.organisation is not None, verified.problem
    return verified.organisation, user


def verified_user(email: str, password: str | None = PASSWORD, **extra: object) -> User:
    """An account whose address is confirmed, as every account before e-mail verification."""
    return User.objects.create_user(email, password, email_verified_at=timezone.now(), **extra)


def add_member(org: Organisation, email: str = "", role: str = "member",
               first_name: str = "Marie", last_name: str = "") -> User:
    n = next(_seq)
    user = verified_user(email or f"member{n}@example.lu", first_name=first_name,
                         last_name=last_name or f"Dupont{n}")
    org.memberships.create(user=user, role=role)
    return user


def admin_of(org: Organisation) -> User:
    return org.memberships.get(role="admin").user


def create_project(org: Organisation, name: str = "", lead: User | None = None) -> Project:
    admin = admin_of(org)
    return services.project_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org.pk,
        name=name or f"Vision {next(_seq)}", lead_id=(lead or admin).pk,
    )


def staff(role: str, email: str = "") -> User:
    user = verified_user(email or f"{role}{next(_seq)}@ai-factory.lu",
                         first_name="Staff", last_name=role.title())
    services.staff_role_grant(actor=SYSTEM, user=user, role=role)
    return user


def sme_verified(org: Organisation, operator: User | None = None, *, year: int | None = None,
                 staff_awu: int = 12, turnover_eur: int = 3_000_000,
                 balance_sheet_eur: int = 2_500_000,
                 stakes: tuple[services.SmeStakeData, ...] = ()) -> str:
    """The organisation's figures for an accounting year (last year by default), declared by its
    admin and verified by an operator, as every decision on its SME status needs; its status."""
    admin = admin_of(org)
    declaration = services.sme_declaration_submit(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org.pk,
        data=services.SmeDeclarationData(
            year=year or timezone.localdate().year - 1, staff_awu=Decimal(staff_awu),
            turnover_eur=Decimal(turnover_eur), balance_sheet_eur=Decimal(balance_sheet_eur),
            stakes=stakes))
    checker = operator or User.objects.filter(staff_roles__role="operator").first() \
        or staff("operator")
    verified = services.sme_declaration_verify(access=access_for(checker),
                                               actor=Actor.of(checker),
                                               declaration_id=declaration.pk)
    return verified.sme_class


@dataclass
class World:
    """Two client organisations and factory staff: one user per role of the tenancy matrix."""

    org: Organisation
    other_org: Organisation
    project: Project
    other_project: Project
    org_admin: User
    member: User
    project_lead: User
    other_member: User
    operator: User
    reviewer: User
    trainer: User
    auditor: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def make_world() -> World:
    org, org_admin = sign_up("Acme Vision", "admin@acme.lu")
    member = add_member(org, "member@acme.lu")
    lead = add_member(org, "lead@acme.lu", first_name="Luc", last_name="Lead")
    project = create_project(org, "Quality control line 3", lead=lead)
    other_org, other_admin = sign_up("Globex Finance", "admin@globex.lu", sector="finance")
    other_project = create_project(other_org, "AML federated")
    operator = staff("operator")
    sme_verified(org, operator)  # Acme is a small enterprise, verified; Globex has declared none
    return World(
        org=org, other_org=other_org, project=project, other_project=other_project,
        org_admin=org_admin, member=member, project_lead=lead, other_member=other_admin,
        operator=operator, reviewer=staff("reviewer"), trainer=staff("trainer"),
        auditor=staff("auditor"),
    )
