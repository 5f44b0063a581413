"""Who the compute context tells: the reviewers, a project's lead and admins. The messages go
through ``laif.accounts.notices`` (``mail_on_commit``, ``site_link``)."""

from __future__ import annotations

from laif.accounts.models import Project, ProjectMembership, ProjectRole, StaffRoleName, User


def reviewers() -> list[User]:
    return list(User.objects.filter(staff_roles__role=StaffRoleName.REVIEWER, is_active=True)
                .distinct())


def project_people(project: Project, *also: int | None) -> list[User]:
    """The project's lead and the given people (the submitter)."""
    ids = {pid for pid in also if pid is not None}
    ids |= set(ProjectMembership.objects.filter(project=project, role=ProjectRole.LEAD)
               .values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids))
