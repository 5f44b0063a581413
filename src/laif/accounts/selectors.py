"""Reads of the accounts context, always scoped to the requesting user's ``Access``.

Anything outside the user's tenancy is reported as absent (``NotFound``), never as forbidden, so a
user of organisation A cannot even learn that an object of organisation B exists. Staff reads of
client data are recorded in the audit log as data access.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts import audit_chain
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record, audit_verify
from laif.accounts.audit_targets import target_namers
from laif.accounts.choices import OrgRole, ProjectRole, SmeDeclarationState, StaffRoleName
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.models import (
    ApiToken,
    AuditEntry,
    ClusterIdentity,
    Invitation,
    Membership,
    Organisation,
    Project,
    ProjectMembership,
    SmeDeclaration,
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


def sme_declarations(*, access: Access, organisation_id: int,
                     actor: Actor | None = None) -> QuerySet[SmeDeclaration]:
    """The organisation's SME declarations with their holdings, newest year first (rejected ones
    included, as a record)."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if actor is not None:
        audit_staff_read(access, actor, f"organisation:{organisation_id}/sme", organisation_id)
    return (SmeDeclaration.objects.filter(organisation_id=organisation_id)
            .select_related("declared_by", "reviewed_by").prefetch_related("stakes")
            .order_by("-year", "-id"))


def sme_declarations_to_verify(*, access: Access) -> QuerySet[SmeDeclaration]:
    """Every organisation's declarations waiting for verification, oldest first (operators)."""
    if StaffRoleName.OPERATOR not in access.staff_roles:
        raise PermissionDenied(_("Only factory operators verify SME declarations."))
    return (SmeDeclaration.objects.filter(state=SmeDeclarationState.SUBMITTED)
            .select_related("organisation", "declared_by").prefetch_related("stakes")
            .order_by("declared_at", "id"))


def sme_status_of(organisation_id: int, year: int) -> SmeDeclaration | None:
    """The verified declaration a decision of ``year`` rests on: the latest verified accounting
    year up to ``year`` (its ``sme_class`` is the status after the two-year rule); None when the
    organisation has none."""
    return (SmeDeclaration.objects.filter(organisation_id=organisation_id, year__lte=year,
                                          state=SmeDeclarationState.VERIFIED)
            .order_by("-year").first())


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


def identity_of(user_id: int, *, enabled_only: bool = False) -> ClusterIdentity | None:
    """The person's cluster identity (only if not disabled, with ``enabled_only``), or None."""
    identities = ClusterIdentity.objects.filter(user_id=user_id)
    if enabled_only:
        identities = identities.filter(disabled_at__isnull=True)
    return identities.first()


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


STAFF_READ = "data.accessed"  # a read of a client's data by staff (audit_staff_read)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to. ``kind``: ``actions`` (the default: what people did,
    without staff page views, which would bury them), ``reads`` (staff reads of client data
    only) or ``all``."""

    kind: str = "actions"
    action: str = ""  # prefix: "login." or "allocation_request.approved"
    actor: str = ""  # part of the actor's label (e-mail or "system")
    target: str = ""  # prefix: "project:12", "user:"
    since: date | None = None  # days, in the site's time zone, both included
    until: date | None = None


def _audit_query(access: Access, filters: AuditFilter) -> QuerySet[AuditEntry]:
    if not access.can_read_audit:
        raise PermissionDenied(_("Only auditors can read the audit log."))
    qs = AuditEntry.objects.order_by("-seq")
    if filters.kind == "actions":
        qs = qs.exclude(action=STAFF_READ)
    elif filters.kind == "reads":
        qs = qs.filter(action=STAFF_READ)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.target:
        qs = qs.filter(target__startswith=filters.target)
    zone = timezone.get_current_timezone()
    if filters.since is not None:
        qs = qs.filter(at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until is not None:
        qs = qs.filter(at__lt=datetime.combine(filters.until + timedelta(days=1), time.min,
                                               tzinfo=zone))
    return qs


def audited_values(*, action: str, target: str, key: str) -> set[str]:
    """The values of ``detail[key]`` in the audit log's entries of ``action`` on ``target``:
    what another context wrote there to be checked against later (a ledger line's hash)."""
    return {str(v) for v in AuditEntry.objects.filter(action=action, target=target)
            .values_list(f"detail__{key}", flat=True) if v is not None}


def audit_entries(*, access: Access, limit: int, before_seq: int | None = None,
                  action: str | None = None,
                  filters: AuditFilter | None = None) -> list[AuditEntry]:
    """A page of the audit log, newest first, with the names of the organisation and of the
    target (``organisation_name``, ``target_label``) instead of their ids."""
    chosen = filters or AuditFilter(kind="all", action=action or "")
    qs = _audit_query(access, chosen)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    entries = list(qs[:limit])
    audit_names(entries)
    return entries


def audit_rows(*, access: Access, actor: Actor, filters: AuditFilter,
               limit: int) -> Iterator[AuditEntry]:
    """The filtered audit log for an export, newest first, named, read in batches. The export
    itself is recorded now, before a row is read (who took a copy of the log, and of what)."""
    qs = _audit_query(access, filters)
    audit_record(actor=actor, action="audit.exported", detail={
        "kind": filters.kind, "action": filters.action, "actor": filters.actor,
        "target": filters.target, "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None, "limit": limit})

    def rows() -> Iterator[AuditEntry]:
        batch: list[AuditEntry] = []
        for entry in qs[:limit].iterator(chunk_size=2000):
            batch.append(entry)
            if len(batch) == 2000:
                audit_names(batch)
                yield from batch
                batch = []
        audit_names(batch)
        yield from batch

    return rows()


_TARGETS = {"project": (Project, "name"), "organisation": (Organisation, "name"),
            "user": (User, "email")}


def audit_names(entries: list[AuditEntry]) -> None:
    """Attach ``organisation_name`` and ``target_label`` (the project's, organisation's or
    person's name for those targets, and the names other contexts give theirs through
    ``audit_targets``; else the target as recorded): one query per kind."""
    namers = target_namers()
    wanted: dict[str, set[int]] = {kind: set() for kind in (*_TARGETS, *namers)}
    for e in entries:
        if e.organisation_id_ref is not None:
            wanted["organisation"].add(e.organisation_id_ref)
        kind, _sep, ref = e.target.partition(":")
        if kind in wanted and ref.isdigit() and len(ref) < 19:
            wanted[kind].add(int(ref))
    names = {kind: dict(model._default_manager.filter(pk__in=ids).values_list("pk", field))
             for kind, (model, field) in _TARGETS.items() if (ids := wanted[kind])}
    names.update({kind: namer(ids) for kind, namer in namers.items()
                  if (ids := wanted[kind])})
    for e in entries:
        orgs = names.get("organisation", {})
        e.__dict__["organisation_name"] = (orgs.get(e.organisation_id_ref, "")
                                           if e.organisation_id_ref is not None else "")
        kind, _sep, ref = e.target.partition(":")
        label = (names.get(kind, {}).get(int(ref))
                 if ref.isdigit() and len(ref) < 19 else None)
        e.__dict__["target_label"] = label or ""


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


@dataclass(frozen=True)
class OrganisationCounts:
    by_sme_class: dict[str, int]
    by_sector: dict[str, int]


def organisation_counts(*, access: Access) -> OrganisationCounts:
    """Client organisations by SME class and by sector (aggregates: the staff dashboard)."""
    if not access.is_staff:
        raise PermissionDenied(_("Only factory staff can see the factory figures."))
    rows = Organisation.objects.order_by()
    return OrganisationCounts(
        by_sme_class={r["sme_class"]: r["n"]
                      for r in rows.values("sme_class").annotate(n=Count("id"))},
        by_sector={r["sector"]: r["n"] for r in rows.values("sector").annotate(n=Count("id"))})


def organisation_profiles(organisation_ids: Iterable[int]) -> list[tuple[str, str, str]]:
    """(declared SME class, sector, country) of each organisation (aggregates for the factory's
    figures: the caller checks they may be seen)."""
    return [(r[0] or "", r[1], r[2]) for r in Organisation.objects.filter(
        pk__in=list(organisation_ids)).order_by("pk").values_list("sme_class", "sector",
                                                                   "country")]


# --- reads for other contexts' services and selectors, which check access themselves ---------

def project_of(project_id: int) -> Project | None:
    """The project with its organisation, or None."""
    return Project.objects.select_related("organisation").filter(pk=project_id).first()


def projects_by_code(codes: Iterable[str]) -> dict[str, Project]:
    return {p.code: p for p in Project.objects.filter(code__in=list(codes))}


def project_rows() -> list[tuple[int, str, int]]:
    """``(id, code, organisation id)`` of every project, by id."""
    return list(Project.objects.order_by("pk").values_list("pk", "code", "organisation_id"))


def project_labels(project_ids: Iterable[int]) -> dict[int, str]:
    """"<code> <name>" of each project, by id."""
    return {p.pk: f"{p.code} {p.name}" for p in Project.objects.filter(pk__in=list(project_ids))}


def first_project_created_at() -> datetime | None:
    first: datetime | None = Project.objects.aggregate(first=Min("created_at"))["first"]
    return first


def organisation_of(organisation_id: int) -> Organisation | None:
    return Organisation.objects.filter(pk=organisation_id).first()


def organisation_for_update(organisation_id: int) -> Organisation | None:
    """The organisation, its row locked until the caller's transaction ends: what serialises the
    statements and claims of one organisation."""
    return Organisation.objects.select_for_update().filter(pk=organisation_id).first()


def user_emails(user_ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "email"))


def users_of(user_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(pk__in=list(user_ids)))


def active_user_by_email(email: str) -> User | None:
    """The active login with this address, in any case; None when there is none."""
    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def staff_with_role(role: StaffRoleName) -> list[User]:
    """The active people who hold this staff role."""
    return list(User.objects.filter(staff_roles__role=role, is_active=True).distinct())


def project_lead_ids(project_id: int) -> set[int]:
    return set(ProjectMembership.objects.filter(project_id=project_id, role=ProjectRole.LEAD)
               .values_list("user_id", flat=True))


def identity_usernames() -> list[tuple[str, int]]:
    """``(username, user id)`` of every cluster identity."""
    return list(ClusterIdentity.objects.values_list("username", "user_id"))


def project_identities(project_id: int) -> list[ClusterIdentity]:
    """The enabled cluster identities of the project's active members, by username."""
    return list(ClusterIdentity.objects
                .filter(user__project_memberships__project_id=project_id,
                        disabled_at__isnull=True, user__is_active=True)
                .order_by("username"))
