"""Who the compute context tells: the reviewers, a project's lead and admins. The messages go
through ``laif.accounts.notices`` (``mail_on_commit``, ``site_link``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from laif.accounts.choices import StaffRoleName
from laif.accounts.selectors import project_lead_ids, staff_with_role, users_of

if TYPE_CHECKING:
    from laif.accounts.models import Project, User


def reviewers() -> list[User]:
    return staff_with_role(StaffRoleName.REVIEWER)


def project_people(project: Project, *also: int | None) -> list[User]:
    """The project's lead and the given people (the submitter)."""
    ids = {pid for pid in also if pid is not None}
    return users_of(ids | project_lead_ids(project.pk))
