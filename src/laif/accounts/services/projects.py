"""Projects inside an organisation, their lead and members."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from laif.accounts import hooks
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import ProjectRole
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import Membership, Organisation, Project, ProjectMembership
from laif.accounts.services.identities import cluster_identity_ensure


def _project_code(org: Organisation, name: str) -> str:
    base = (slugify(name)[:20].strip("-") or "project").lower()
    if not base[0].isalpha():
        base = "p" + base
    code = base
    n = 2
    while Project.objects.filter(code=code).exists():
        code = f"{base[:26]}-{n}"
        n += 1
    return code


def project_create(
    *,
    access: Access,
    actor: Actor,
    organisation_id: int,
    name: str,
    description: str = "",
    lead_id: int | None = None,
) -> Project:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can create projects."))
    name = name.strip()
    if not name:
        raise DomainError(_("The project needs a name."), field="name")
    lead_id = lead_id or actor.user_id
    if lead_id is None:
        raise DomainError(_("Name the project lead."), field="lead_id")
    if not Membership.objects.filter(organisation_id=organisation_id, user_id=lead_id).exists():
        raise DomainError(_("The project lead must be a member of the organisation."),
                          field="lead_id")
    with transaction.atomic():
        org = Organisation.objects.get(pk=organisation_id)
        project = Project.objects.create(
            organisation=org, name=name, description=description.strip(),
            code=_project_code(org, name),
        )
        ProjectMembership.objects.create(project=project, user_id=lead_id, role=ProjectRole.LEAD)
        cluster_identity_ensure(user_id=lead_id)
        audit_record(
            actor=actor,
            action="project.created",
            target=f"project:{project.pk}",
            organisation_id=org.pk,
            detail={"name": project.name, "code": project.code, "lead": lead_id},
        )
    return project


def project_member_add(
    *, access: Access, actor: Actor, project_id: int, user_id: int, role: str = ProjectRole.MEMBER
) -> ProjectMembership:
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    if not access.can_manage_project(project_id, project.organisation_id):
        raise PermissionDenied(_("Only the project lead or an organisation admin can add members."))
    if not Membership.objects.filter(organisation_id=project.organisation_id, user_id=user_id).exists():
        raise DomainError(_("Only members of the organisation can join its projects."),
                          field="user_id")
    with transaction.atomic():
        if role == ProjectRole.LEAD:
            ProjectMembership.objects.filter(project=project, role=ProjectRole.LEAD).update(
                role=ProjectRole.MEMBER
            )
        membership, created = ProjectMembership.objects.update_or_create(
            project=project, user_id=user_id, defaults={"role": role}
        )
        cluster_identity_ensure(user_id=user_id)
        audit_record(
            actor=actor,
            action="project.member_added" if created else "project.member_role_changed",
            target=f"project:{project.pk}",
            organisation_id=project.organisation_id,
            detail={"user": user_id, "role": role},
        )
        if created:
            hooks.project_members_changed(project.pk)
    return membership


def project_member_remove(*, access: Access, actor: Actor, project_id: int, user_id: int) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    if not access.can_manage_project(project_id, project.organisation_id):
        raise PermissionDenied(_("Only the project lead or an organisation admin can remove members."))
    with transaction.atomic():
        membership = ProjectMembership.objects.filter(project=project, user_id=user_id).first()
        if membership is None:
            raise NotFound(_("This person is not a member of the project."))
        if membership.role == ProjectRole.LEAD:
            raise Conflict(_("Name another project lead before removing the current one."))
        membership.delete()
        audit_record(
            actor=actor,
            action="project.member_removed",
            target=f"project:{project.pk}",
            organisation_id=project.organisation_id,
            detail={"user": user_id},
        )
        hooks.project_members_changed(project.pk)
