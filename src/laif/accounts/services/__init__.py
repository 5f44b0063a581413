"""Writes of the accounts context. Keyword-only, each owns its transaction and records an audit
entry in that same transaction; e-mail goes out with ``transaction.on_commit``.

One module per part of the domain, all re-exported here: callers use
``laif.accounts.services.<name>``."""

from laif.accounts.services._common import RCS_RE, TOKEN_PREFIX
from laif.accounts.services.auth import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    login_check_throttle,
    login_record,
    staff_role_grant,
    user_set_language,
)
from laif.accounts.services.identities import (
    SSH_KEY_MESSAGES,
    cluster_identity_ensure,
    ssh_key_add,
    ssh_key_error_message,
    ssh_key_remove,
)
from laif.accounts.services.members import (
    invitation_accept,
    invitation_create,
    invitation_get_open,
    invitation_revoke,
    membership_set_role,
)
from laif.accounts.services.organisations import (
    OrganisationData,
    organisation_sign_up,
    organisation_update,
)
from laif.accounts.services.projects import (
    project_create,
    project_member_add,
    project_member_remove,
)

__all__ = [
    "RCS_RE",
    "SSH_KEY_MESSAGES",
    "TOKEN_PREFIX",
    "OrganisationData",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "cluster_identity_ensure",
    "invitation_accept",
    "invitation_create",
    "invitation_get_open",
    "invitation_revoke",
    "login_check_throttle",
    "login_record",
    "membership_set_role",
    "organisation_sign_up",
    "organisation_update",
    "project_create",
    "project_member_add",
    "project_member_remove",
    "ssh_key_add",
    "ssh_key_error_message",
    "ssh_key_remove",
    "staff_role_grant",
    "user_set_language",
]
