"""Who may do what with allocations, over the accounts app's ``Access``.

- project members see their project's requests and allocations; the project lead and the
  organisation's admins submit, resubmit and withdraw requests;
- reviewers decide on requests; operators import EuroHPC awards;
- operators, reviewers and auditors see every request, allocation and pool; trainers see none.
"""

from __future__ import annotations

from laif.accounts.access import Access
from laif.accounts.choices import StaffRoleName


def can_review(access: Access) -> bool:
    return StaffRoleName.REVIEWER in access.staff_roles


def can_import_awards(access: Access) -> bool:
    return StaffRoleName.OPERATOR in access.staff_roles


def sees_pools(access: Access) -> bool:
    """Pool figures and the review queue: the client-facing staff (not trainers)."""
    return access.sees_all_clients
