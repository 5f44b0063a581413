"""Server-rendered pages (thin: forms call services, pages read selectors).

Service errors (``DomainError``) are shown on the form that caused them; ``NotFound`` becomes the
404 page and ``PermissionDenied`` the 403 page (see ``domain_pages``). Fragments for htmx live in
templates whose name starts with ``_``. One module per part of the portal, re-exported here."""

from laif.accounts.views._base import domain_pages, form_action, is_htmx, page, request_user
from laif.accounts.views.account import (
    account,
    ssh_key_add,
    ssh_key_delete,
    token_revoke,
    tokens,
)
from laif.accounts.views.auth import (
    home,
    login_view,
    logout_view,
    set_language,
    signup_view,
)
from laif.accounts.views.notices import notice_list, notice_read, notice_read_all
from laif.accounts.views.organisations import (
    invitation_revoke,
    invitation_view,
    membership_role,
    organisation_detail,
    organisation_edit,
    organisation_invite,
    organisation_list,
)
from laif.accounts.views.projects import (
    project_create,
    project_detail,
    project_list,
    project_member_add,
    project_member_remove,
)
from laif.accounts.views.staff import (
    audit_export,
    audit_log,
    audit_verify,
    identities,
)

__all__ = [
    "account",
    "audit_export",
    "audit_log",
    "audit_verify",
    "domain_pages",
    "form_action",
    "home",
    "identities",
    "invitation_revoke",
    "invitation_view",
    "is_htmx",
    "login_view",
    "logout_view",
    "membership_role",
    "notice_list",
    "notice_read",
    "notice_read_all",
    "organisation_detail",
    "organisation_edit",
    "organisation_invite",
    "organisation_list",
    "page",
    "project_create",
    "project_detail",
    "project_list",
    "project_member_add",
    "project_member_remove",
    "request_user",
    "set_language",
    "signup_view",
    "ssh_key_add",
    "ssh_key_delete",
    "token_revoke",
    "tokens",
]
