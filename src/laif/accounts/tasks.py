"""Background work of the accounts context (django-tasks): ids only, idempotent."""

from __future__ import annotations

from django_tasks import task

from laif.accounts.audit_anchor import audit_anchor


@task()
def audit_anchor_task() -> int:
    """Anchor the audit chain's sealed head outside the database (run every few minutes; a head
    already anchored is not written again). The anchored entry's number; fails, after raising
    the alert, when the log or the anchor file failed the check."""
    result = audit_anchor()
    if result.problem is not None:
        raise RuntimeError(f"audit anchor refused: {result.problem}")
    return result.seq
