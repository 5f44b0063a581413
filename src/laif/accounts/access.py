"""Who may do what: a user's roles, loaded once per request, and the rules over them.

Rules (see docs/ARCHITECTURE.md, "Tenancy"):
- client data of an organisation is visible to its members and to staff with a client-facing role
  (operator, reviewer, auditor); trainers see no client data;
- an organisation admin manages the organisation, its members, invitations and projects;
- a project lead manages the project's members; project members see the project;
- identities are exported by operators and auditors; the audit log is read by auditors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from laif.accounts.models import (
    Membership,
    OrgRole,
    ProjectMembership,
    ProjectRole,
    StaffRole,
    StaffRoleName,
    User,
)

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
    if user is None or not user.is_authenticated or not user.is_active:
        return Access(user_id=None)
    return Access(
        user_id=user.pk,
        staff_roles=frozenset(StaffRole.objects.filter(user=user).values_list("role", flat=True)),
        org_roles=dict(Membership.objects.filter(user=user).values_list("organisation_id", "role")),
        project_roles=dict(
            ProjectMembership.objects.filter(user=user).values_list("project_id", "role")
        ),
    )
