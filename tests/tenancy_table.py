"""The access policy of the REST API written out in full: (method, path as in the OpenAPI schema) ->
{role: expected status}, checked by ``test_tenancy_matrix.py``."""

from __future__ import annotations

from tests.assess.assess_matrix import ASSESS_MATRIX
from tests.compute.billing_matrix import BILLING_MATRIX
from tests.compute.usage_matrix import USAGE_MATRIX
from tests.connect.connect_matrix import CONNECT_MATRIX
from tests.entry.entry_matrix import ENTRY_MATRIX
from tests.fund.applications_matrix import APPLICATIONS_MATRIX
from tests.govern.govern_matrix import GOVERN_MATRIX
from tests.green.green_matrix import GREEN_MATRIX
from tests.network.network_matrix import NETWORK_MATRIX
from tests.registry.registry_matrix import REGISTRY_MATRIX
from tests.sandbox.sandbox_matrix import SANDBOX_MATRIX
from tests.train.train_matrix import TRAIN_MATRIX

# ------------------------------------------------------------------------------------ the table
# (method, path as in the OpenAPI schema) -> {role: expected status}
# 401: not authenticated; 403: may see, may not do; 404: outside the role's tenancy.

MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # Public: sign-up, token login, SME tool.
    ("POST", "/api/signup"): {
        "anonymous": 201, "other_member": 201, "member": 201, "project_lead": 201,
        "org_admin": 201, "operator": 201, "reviewer": 201, "trainer": 201, "auditor": 201,
    },
    ("POST", "/api/auth/token"): {  # body: the member's own credentials
        "anonymous": 201, "other_member": 201, "member": 201, "project_lead": 201,
        "org_admin": 201, "operator": 201, "reviewer": 201, "trainer": 201, "auditor": 201,
    },
    ("POST", "/api/tools/sme-class"): {
        "anonymous": 200, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # Invitation for newcomer@example.lu: anonymous creates that account; a logged-in person
    # with another address is refused.
    ("POST", "/api/invitations/accept"): {
        "anonymous": 201, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 403, "reviewer": 403, "trainer": 403, "auditor": 403,
    },
    # Anyone logged in: their own things.
    ("GET", "/api/me"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # 404 = "no cluster identity yet" (allocated on joining a project): lead of a project only.
    ("GET", "/api/me/identity"): {
        "anonymous": 401, "other_member": 200, "member": 404, "project_lead": 200,
        "org_admin": 404, "operator": 404, "reviewer": 404, "trainer": 404, "auditor": 404,
    },
    ("GET", "/api/me/ssh-keys"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("POST", "/api/me/ssh-keys"): {
        "anonymous": 401, "other_member": 201, "member": 201, "project_lead": 201,
        "org_admin": 201, "operator": 201, "reviewer": 201, "trainer": 201, "auditor": 201,
    },
    ("DELETE", "/api/me/ssh-keys/{key_id}"): {  # the member's key: nobody else's to delete
        "anonymous": 401, "other_member": 404, "member": 204, "project_lead": 404,
        "org_admin": 404, "operator": 404, "reviewer": 404, "trainer": 404, "auditor": 404,
    },
    ("GET", "/api/tokens"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("POST", "/api/tokens"): {
        "anonymous": 401, "other_member": 201, "member": 201, "project_lead": 201,
        "org_admin": 201, "operator": 201, "reviewer": 201, "trainer": 201, "auditor": 201,
    },
    ("DELETE", "/api/tokens/{token_id}"): {  # the member's token
        "anonymous": 401, "other_member": 404, "member": 200, "project_lead": 404,
        "org_admin": 404, "operator": 404, "reviewer": 404, "trainer": 404, "auditor": 404,
    },
    # Lists: everyone logged in gets 200, filtered to their tenancy (see test_lists_are_scoped).
    ("GET", "/api/organisations"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("GET", "/api/projects"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # Client data: members and operator/reviewer/auditor see it; trainers do not.
    ("GET", "/api/organisations/{org_id}"): {
        "anonymous": 401, "other_member": 404, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("GET", "/api/organisations/{org_id}/members"): {
        "anonymous": 401, "other_member": 404, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    # A project: its members, the organisation's admins and client-facing staff.
    ("GET", "/api/projects/{project_id}"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    # The organisation admin manages the organisation, its members, invitations and projects.
    ("PUT", "/api/organisations/{org_id}"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("PUT", "/api/organisations/{org_id}/members/{user_id}"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/organisations/{org_id}/invitations"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    # Pending invitations are the admins' business: staff who see client data do not see them.
    ("GET", "/api/organisations/{org_id}/invitations"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("DELETE", "/api/organisations/{org_id}/invitations/{invitation_id}"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 204, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/organisations/{org_id}/projects"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    # The project lead (and the organisation admin) manage the project's members.
    ("POST", "/api/projects/{project_id}/members"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 201,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("DELETE", "/api/projects/{project_id}/members/{user_id}"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 204,
        "org_admin": 204, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    # Staff only.
    ("GET", "/api/identities/export"): {
        "anonymous": 401, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 200, "reviewer": 403, "trainer": 403, "auditor": 200,
    },
    ("GET", "/api/audit"): {
        "anonymous": 401, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 403, "reviewer": 403, "trainer": 403, "auditor": 200,
    },
    ("GET", "/api/audit/verify"): {
        "anonymous": 401, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 403, "reviewer": 403, "trainer": 403, "auditor": 200,
    },
    # Compute (Build & Test). The cluster's description: anyone logged in.
    ("GET", "/api/compute/cluster"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # Lists: filtered to the requester's projects (all of them for client-facing staff).
    ("GET", "/api/compute/requests"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("GET", "/api/compute/allocations"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # Pool figures: client-facing staff.
    ("GET", "/api/compute/pools"): {
        "anonymous": 401, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 200, "reviewer": 200, "trainer": 403, "auditor": 200,
    },
    # The project lead and the organisation admin ask for GPU-hours, resubmit and withdraw.
    ("POST", "/api/projects/{project_id}/allocation-requests"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 201,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("GET", "/api/compute/requests/{request_id}"): {  # a request of the tenant's project
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("POST", "/api/compute/requests/{request_id}/withdraw"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/compute/requests/{request_id}/resubmit"): {  # changes were requested
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    # Reviewers decide; EuroHPC awards are imported by operators.
    ("POST", "/api/compute/requests/{request_id}/review"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 403,
        "org_admin": 403, "operator": 403, "reviewer": 200, "trainer": 404, "auditor": 403,
    },
    # An allocation of the tenant's project with its history; its lead and the organisation
    # admin ask for a renewal, an extension or a top-up.
    ("GET", "/api/compute/allocations/{allocation_id}"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("POST", "/api/compute/allocations/{allocation_id}/changes"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 201,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/compute/eurohpc-awards"): {
        "anonymous": 401, "other_member": 403, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 200, "reviewer": 403, "trainer": 403, "auditor": 403,
    },
    # Jobs. Templates: anyone logged in. A job runs as its submitter: only project members
    # submit (the organisation admin and staff see the project, so 403; others 404).
    ("GET", "/api/compute/job-templates"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("POST", "/api/projects/{project_id}/jobs"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 201,
        "org_admin": 403, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("GET", "/api/compute/jobs"): {  # filtered to the requester's projects
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    # Every run of a project (the ledger's and the platform's): read like the project.
    ("GET", "/api/projects/{project_id}/runs"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    # The lead's job: seen like the project's allocations; cancelled by its submitter, the
    # project lead or the organisation admin.
    # In-app notices: everyone sees and marks only their own (the notice is the lead's).
    ("GET", "/api/notices"): {
        "anonymous": 401, "other_member": 200, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200,
    },
    ("POST", "/api/notices/{notice_id}/read"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 404, "operator": 404, "reviewer": 404, "trainer": 404, "auditor": 404,
    },
    ("GET", "/api/compute/jobs/{job_id}"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("GET", "/api/compute/jobs/{job_id}/logs"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("POST", "/api/compute/jobs/{job_id}/cancel"): {
        "anonymous": 401, "other_member": 404, "member": 404, "project_lead": 200,
        "org_admin": 200, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    # SME declarations: the organisation's people and client-facing staff read them; its admins
    # declare; operators verify or reject (the declaration is Acme's, submitted).
    ("GET", "/api/organisations/{org_id}/sme-declarations"): {
        "anonymous": 401, "other_member": 404, "member": 200, "project_lead": 200,
        "org_admin": 200, "operator": 200, "reviewer": 200, "trainer": 404, "auditor": 200,
    },
    ("POST", "/api/organisations/{org_id}/sme-declarations"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 201, "operator": 403, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/sme-declarations/{declaration_id}/verify"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 200, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    ("POST", "/api/sme-declarations/{declaration_id}/reject"): {
        "anonymous": 401, "other_member": 404, "member": 403, "project_lead": 403,
        "org_admin": 403, "operator": 200, "reviewer": 403, "trainer": 404, "auditor": 403,
    },
    **BILLING_MATRIX,
    **USAGE_MATRIX,
    **GREEN_MATRIX,
    **GOVERN_MATRIX,
    **REGISTRY_MATRIX,
    **TRAIN_MATRIX,
    **CONNECT_MATRIX,
    **NETWORK_MATRIX,
    **ENTRY_MATRIX,
    **ASSESS_MATRIX,
    **APPLICATIONS_MATRIX,
    **SANDBOX_MATRIX,
}
