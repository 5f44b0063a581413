from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from laif.accounts.requestinfo import access_of, current_user, unread_notices_of

_PROJECT_PAGES = frozenset({
    "projects", "project", "project_create", "project_member_add", "project_member_remove",
    "compute_jobs", "compute_job", "compute_job_new", "compute_job_cancel", "compute_usage",
    "compute_request_new",
})
"""Pages of one project, even when another app serves them: the "Projects" entry is current."""


def nav_section(url_name: str | None) -> str:
    """The main navigation's entry that a page belongs to (``""`` for none)."""
    name = url_name or ""
    if name in _PROJECT_PAGES:
        return "projects"
    if name.startswith("compute"):
        return "compute"
    if name.startswith(("organisation", "statement", "cashback", "credit_note", "membership",
                        "invitation")):
        return "organisation"
    if name.startswith("audit"):
        return "audit"
    if name.startswith("entry_") and name != "entry_inbox":
        return "entry_list"
    return name


def laif(request: HttpRequest) -> dict[str, Any]:
    """What every page's header needs: the requester's roles and unread notices, from the one
    query of ``access_of`` (shared with the view that rendered the page)."""
    signed_in = current_user(request) is not None
    return {
        "access": access_of(request),
        "nav": nav_section(getattr(getattr(request, "resolver_match", None), "url_name", None)),
        "oidc_enabled": bool(settings.LAIF_OIDC_ISSUER),
        "oidc_name": settings.LAIF_OIDC_NAME,
        "laif_env": settings.LAIF_ENV,
        "unread_notices": unread_notices_of(request) if signed_in else 0,
    }
