"""Reads of the accounts context, always scoped to the requesting user's ``Access``.

Anything outside the user's tenancy is reported as absent (``NotFound``), never as forbidden, so a
user of organisation A cannot even learn that an object of organisation B exists. Staff reads of
client data are recorded in the audit log as data access.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from laif.accounts import audit_chain
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record, audit_verify
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.models import (
    ApiToken,
    AuditEntry,
    ClusterIdentity,
    Invitation,
    Membership,
    Organisation,
    OrgRole,
    Project,
    ProjectMembership,
    SshKey,
    User,
)


def audit_staff_read(access: Access, actor: Actor, target: str, org_id: int) -> None:
    """Record a read of a client's data by factory staff who are not in that organisation
    (``data.accessed``); a read by the client's own people records nothing."""
    if access.sees_all_clients and org_id not in access.org_roles:
        audit_record(actor=actor, action="data.accessed", target=target, organisation_id=org_id)


def user_by_email(email: str) -> User:
    """The login with this e-mail address (``User.DoesNotExist`` when there is none)."""
    return User.objects.get(email=email)


def organisations_for(access: Access) -> QuerySet[Organisation]:
    qs = Organisation.objects.annotate(
        member_count=Count("memberships", distinct=True),
        project_count=Count("projects", distinct=True),
    )
    if access.sees_all_clients:
        return qs
    return qs.filter(pk__in=list(access.org_roles))


def organisation_get(*, access: Access, actor: Actor, organisation_id: int) -> Organisation:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    org = organisations_for(access).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(_("Organisation not found."))
    audit_staff_read(access, actor, f"organisation:{org.pk}", org.pk)
    return org


def members_of(*, access: Access, organisation_id: int,
               actor: Actor | None = None) -> QuerySet[Membership]:
    """The organisation's members. Pass ``actor`` when the list is shown on its own (not as part of
    a page that already recorded the staff read with ``organisation_get``)."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if actor is not None:
        audit_staff_read(access, actor, f"organisation:{organisation_id}/members", organisation_id)
    return (
        Membership.objects.filter(organisation_id=organisation_id)
        .select_related("user")
        .order_by("user__last_name", "user__email")
    )


def org_admins(organisation_id: int) -> list[User]:
    """The organisation's active admins (the people told about its billing and claims)."""
    return list(User.objects.filter(memberships__organisation_id=organisation_id,
                                    memberships__role=OrgRole.ADMIN, is_active=True))


def invitations_open(*, access: Access, organisation_id: int) -> QuerySet[Invitation]:
    """The organisation's pending invitations (neither accepted, revoked nor expired), newest
    first. Only its admins manage them."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can see the pending invitations."))
    return (
        Invitation.objects.open()
        .filter(organisation_id=organisation_id)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def projects_for(access: Access, *, organisation_id: int | None = None) -> QuerySet[Project]:
    qs = Project.objects.select_related("organisation").prefetch_related(
        Prefetch("memberships", queryset=ProjectMembership.objects.select_related("user"))
    )
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if access.sees_all_clients:
        return qs
    return qs.filter(pk__in=list(access.project_roles)) | qs.filter(organisation_id__in=access.admin_org_ids)


def project_get(*, access: Access, actor: Actor, project_id: int) -> Project:
    project = projects_for(access).filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("Project not found."))
    audit_staff_read(access, actor, f"project:{project.pk}", project.organisation_id)
    return project


def ssh_keys_of(user: User) -> QuerySet[SshKey]:
    return SshKey.objects.filter(user=user)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def identity_of(user: User) -> ClusterIdentity | None:
    return ClusterIdentity.objects.filter(user=user).first()


@dataclass(frozen=True)
class IdentityRecord:
    username: str
    uid: int
    gid: int
    full_name: str
    email: str
    active: bool
    projects: list[str]
    ssh_keys: list[str]


def _single_line(text: str) -> str:
    """Free text made safe for line-oriented files (passwd, CSV): no control or line-break
    characters, which would let a name forge extra records."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def identities_export(*, access: Access, actor: Actor) -> list[IdentityRecord]:
    """Every cluster identity with its keys and projects, for the site's provisioning.
    The primary group is the user's own (gid = uid), the usual convention for HPC sites."""
    if not access.can_export_identities:
        raise PermissionDenied(_("Only operators and auditors can export identities."))
    identities = ClusterIdentity.objects.select_related("user").order_by("uid")
    keys: dict[int, list[str]] = {}
    for user_id, key in SshKey.objects.order_by("created_at").values_list("user_id", "public_key"):
        keys.setdefault(user_id, []).append(key)
    projects: dict[int, list[str]] = {}
    for user_id, code in ProjectMembership.objects.values_list("user_id", "project__code"):
        projects.setdefault(user_id, []).append(code)
    records = [
        IdentityRecord(
            username=ident.username,
            uid=ident.uid,
            gid=ident.uid,
            full_name=_single_line(ident.user.get_full_name()),
            email=ident.user.email,
            active=ident.user.is_active and ident.disabled_at is None,
            projects=sorted(projects.get(ident.user_id, [])),
            ssh_keys=keys.get(ident.user_id, []),
        )
        for ident in identities
    ]
    audit_record(actor=actor, action="identities.exported", detail={"count": len(records)})
    return records


def audit_entries(*, access: Access, limit: int, before_seq: int | None = None,
                  action: str | None = None) -> list[AuditEntry]:
    if not access.can_read_audit:
        raise PermissionDenied(_("Only auditors can read the audit log."))
    qs = AuditEntry.objects.order_by("-seq")
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    if action:
        qs = qs.filter(action__startswith=action)
    return list(qs[:limit])


def audit_check(
    *, access: Access, known: audit_chain.KnownHead | None = None
) -> audit_chain.VerifyResult:
    if not access.can_read_audit:
        raise PermissionDenied(_("Only auditors can verify the audit log."))
    return audit_verify(known)


@dataclass(frozen=True)
class FactoryCounts:
    organisations: int
    projects: int
    identities: int


def factory_counts(*, access: Access) -> FactoryCounts:
    """Headline figures for the staff dashboard (aggregates only, no client data)."""
    if not access.is_staff:
        raise PermissionDenied(_("Only factory staff can see the factory figures."))
    return FactoryCounts(
        organisations=Organisation.objects.count(),
        projects=Project.objects.count(),
        identities=ClusterIdentity.objects.filter(
            disabled_at__isnull=True, user__is_active=True
        ).count(),
    )
