"""Writes of the accounts context. Keyword-only, each owns its transaction and records an audit
entry in that same transaction; e-mail goes out with ``transaction.on_commit``.

One module per part of the domain, all re-exported here: callers use
``laif.accounts.services.<name>``."""

from laif.accounts.services._common import RCS_RE, TOKEN_PREFIX
from laif.accounts.services._email_links import verification_token
from laif.accounts.services.auth import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
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
    organisation_register,
    organisation_sign_up,
    organisation_update,
    pending_organisation_data,
    sme_class_of,
)
from laif.accounts.services.passwords import user_password_set
from laif.accounts.services.projects import (
    project_create,
    project_member_add,
    project_member_remove,
)
from laif.accounts.services.sme import (
    SmeDeclarationData,
    SmeStakeData,
    sme_declaration_reject,
    sme_declaration_submit,
    sme_declaration_verify,
)
from laif.accounts.services.verification import (
    Verified,
    email_mark_verified,
    email_verification_send,
    email_verify,
)

__all__ = [
    "RCS_RE",
    "SSH_KEY_MESSAGES",
    "TOKEN_PREFIX",
    "OrganisationData",
    "SmeDeclarationData",
    "SmeStakeData",
    "Verified",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "cluster_identity_ensure",
    "email_mark_verified",
    "email_verification_send",
    "email_verify",
    "invitation_accept",
    "invitation_create",
    "invitation_get_open",
    "invitation_revoke",
    "login_record",
    "membership_set_role",
    "organisation_register",
    "organisation_sign_up",
    "organisation_update",
    "pending_organisation_data",
    "project_create",
    "project_member_add",
    "project_member_remove",
    "sme_class_of",
    "sme_declaration_reject",
    "sme_declaration_submit",
    "sme_declaration_verify",
    "ssh_key_add",
    "ssh_key_error_message",
    "ssh_key_remove",
    "staff_role_grant",
    "user_password_set",
    "user_set_language",
    "verification_token",
]
