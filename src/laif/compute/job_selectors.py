"""Reads of jobs, scoped by the requester's ``Access`` as allocations are (their project's
members, the organisation's admins, client-data staff; a staff read of one job is audited)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound
from laif.accounts.selectors import audit_staff_read
from laif.allocations.selectors import in_scope
from laif.compute.models import Job


def jobs_for(access: Access, *, project_id: int | None = None,
             state: str | None = None) -> QuerySet[Job]:
    """Jobs of the projects the requester sees (as for allocations), newest first."""
    qs = Job.objects.select_related("project", "project__organisation", "submitted_by")
    qs = in_scope(qs, access, project_id)
    if state:
        qs = qs.filter(state=state)
    return qs


def job_get(*, access: Access, actor: Actor, job_id: int) -> Job:
    """One job; a staff read of a client's job is recorded as data access."""
    job = jobs_for(access).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Job not found."))
    org_id = job.project.organisation_id
    audit_staff_read(access, actor, f"job:{job.pk}", org_id)
    return job
