"""Who may do what: a user's roles, loaded once per request (in one query), and the rules over
them.

Rules (see docs/ARCHITECTURE.md, "Tenancy"):
- client data of an organisation is visible to its members and to staff with a client-facing role
  (operator, reviewer, auditor); trainers see no client data;
- an organisation admin manages the organisation, its members, invitations and projects;
- a project lead manages the project's members; project members see the project;
- identities are exported by operators and auditors; the audit log is read by auditors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import BigIntegerField, CharField, Count, QuerySet, Subquery, Value

from laif.accounts.choices import OrgRole, ProjectRole, StaffRoleName
from laif.accounts.models import Membership, Notice, ProjectMembership, StaffRole, User

CLIENT_DATA_STAFF = frozenset({StaffRoleName.OPERATOR, StaffRoleName.REVIEWER, StaffRoleName.AUDITOR})
IDENTITY_EXPORT_STAFF = frozenset({StaffRoleName.OPERATOR, StaffRoleName.AUDITOR})


@dataclass(frozen=True)
class Access:
    user_id: int | None
    staff_roles: frozenset[str] = frozenset()
    org_roles: dict[int, str] = field(default_factory=dict)
    project_roles: dict[int, str] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_roles)

    @property
    def sees_all_clients(self) -> bool:
        return bool(self.staff_roles & CLIENT_DATA_STAFF)

    def can_view_org(self, org_id: int) -> bool:
        return org_id in self.org_roles or self.sees_all_clients

    def is_org_admin(self, org_id: int) -> bool:
        return self.org_roles.get(org_id) == OrgRole.ADMIN

    def can_read_statements(self, org_id: int) -> bool:
        """The organisation's statements, credit notes and cashback claims: its admins and
        client-facing staff; its other members see their projects' usage instead."""
        return self.is_org_admin(org_id) or self.sees_all_clients

    @property
    def admin_org_ids(self) -> list[int]:
        """The organisations this person administers."""
        return [org for org, role in self.org_roles.items() if role == OrgRole.ADMIN]

    def can_view_project(self, project_id: int, org_id: int) -> bool:
        return (
            project_id in self.project_roles or self.is_org_admin(org_id) or self.sees_all_clients
        )

    def can_manage_project(self, project_id: int, org_id: int) -> bool:
        return self.project_roles.get(project_id) == ProjectRole.LEAD or self.is_org_admin(org_id)

    @property
    def can_export_identities(self) -> bool:
        return bool(self.staff_roles & IDENTITY_EXPORT_STAFF)

    @property
    def can_read_audit(self) -> bool:
        return StaffRoleName.AUDITOR in self.staff_roles


def access_for(user: User | None) -> Access:
    """The user's roles, read in one query (see ``access_and_unread``)."""
    return _load(user, with_unread=False)[0]


def access_and_unread(user: User | None) -> tuple[Access, int]:
    """The user's roles and their number of unread notices, read together in one query: what
    every page needs about its requester (``requestinfo.access_of``, the header's bell)."""
    return _load(user, with_unread=True)


_STAFF, _ORG, _PROJECT, _UNREAD = "s", "o", "p", "n"


def _load(user: User | None, *, with_unread: bool) -> tuple[Access, int]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Access(user_id=None), 0

    def tagged(qs: QuerySet[Any], tag: str, role: Any, ref: Any) -> QuerySet[Any]:
        return qs.order_by().values_list(Value(tag, output_field=CharField()), role, ref)

    none = Value(0, output_field=BigIntegerField())
    parts = [
        tagged(Membership.objects.filter(user=user), _ORG, "role", "organisation_id"),
        tagged(ProjectMembership.objects.filter(user=user), _PROJECT, "role", "project_id"),
    ]
    if with_unread:
        unread = Notice.objects.filter(recipient=user, read_at__isnull=True).order_by().values(
            "recipient").annotate(n=Count("id")).values("n")
        parts.append(tagged(User.objects.filter(pk=user.pk), _UNREAD,
                            Value("", output_field=CharField()),
                            Subquery(unread, output_field=BigIntegerField())))
    rows = tagged(StaffRole.objects.filter(user=user), _STAFF, "role", none).union(
        *parts, all=True)
    staff: set[str] = set()
    org_roles: dict[int, str] = {}
    project_roles: dict[int, str] = {}
    unread_count = 0
    for tag, role, ref in rows:
        if tag == _STAFF:
            staff.add(role)
        elif tag == _ORG:
            org_roles[int(ref)] = role
        elif tag == _PROJECT:
            project_roles[int(ref)] = role
        else:
            unread_count = int(ref or 0)
    return Access(user_id=user.pk, staff_roles=frozenset(staff), org_roles=org_roles,
                  project_roles=project_roles), unread_count
