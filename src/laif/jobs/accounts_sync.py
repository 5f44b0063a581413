"""Reconciliation of the scheduler's accounting with the platform: one account per project whose
GPU-minute limit follows the project's balance, one user association per member with a cluster
identity.

Idempotent: a second run with nothing changed on either side changes nothing (and records
nothing). The account is the platform's own (``slurm_accounts``, docs/adr/0011): named
``<prefix><code>``, created with the platform's tag, and checked before anything in it changes;
an account that exists with another tag or none is refused (``SyncResult.refused``, audited as
``compute.scheduler_account_refused``) and left exactly as it is.

The limit (ADR 0017) is what the scheduler has counted against the account (its recorded usage
and what its running jobs may still use) plus what the project may still start: the grant of its
allocations in force less their own usage (``balance``: the ledger) and less the worst case of
their running jobs. So a new allocation starts with its whole grant whatever
the account used before, and nothing is ever reset: Slurm's usage only grows, and a sync that
crashes or runs twice sets the same limit again. An expired project's limit is what it has
used and what its running jobs may still use: Slurm starts no new job, the running ones (also
in the grace period) finish, and the association is kept.

Someone who left the project loses their association (once their last job there has ended:
Slurm refuses to remove an association with jobs, so the next run tries again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from laif.accounts import selectors as account_selectors
from laif.accounts.audit import SYSTEM, audit_record
from laif.accounts.errors import NotFound
from laif.allocations.selectors import allocations_in_force
from laif.cluster.scheduler.base import (
    ForeignAccount,
    Scheduler,
    SchedulerError,
    SchedulerUnavailable,
    SubmitRefused,
)
from laif.cluster.scheduler.names import AccountNameError
from laif.cluster.selectors import get_scheduler, slurm_account_checked, slurm_account_name
from laif.cluster.services import project_tag, slurm_account_record, slurm_account_resolve
from laif.jobs import selectors as job_selectors
from laif.usage import balance, budget

if TYPE_CHECKING:
    from laif.accounts.models import Project

__all__ = ["KEEP_USERS", "SyncResult", "headroom_gpu_minutes", "slurm_account_name",
           "slurm_account_ready", "slurm_account_sync", "slurm_account_sync_later"]

logger = logging.getLogger(__name__)

KEEP_USERS = frozenset({"root"})
"""Associations the platform never removes (the operators' own)."""


def headroom_gpu_minutes(project_id: int, today: date | None = None) -> int:
    """What the project may still start on the scheduler: the grant of its allocations in force
    less their usage (``balance``), less the worst case of their running jobs (jobs that wait are
    checked by the scheduler when they start). May be negative. An allocation in its grace
    period adds nothing: its running jobs finish inside the scheduler's own running figure."""
    allocations = list(allocations_in_force(project_id, today))
    ids = [a.pk for a in allocations]
    figures = balance.balances_of(allocations).values()
    return sum(b.granted - b.used for b in figures) - job_selectors.running_reserved(ids)


@dataclass
class SyncResult:
    account: str
    gpu_minutes_limit: int
    changed: bool = False
    users: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    removal_pending: list[str] = field(default_factory=list)  # still have jobs: next time
    refused: str = ""  # the account is not the platform's: nothing was changed


def slurm_account_sync(*, project_id: int, today: date | None = None,
                       scheduler: Scheduler | None = None) -> SyncResult:
    """Make the scheduler's account and user associations of one project match the platform."""
    project = account_selectors.project_of(project_id)
    if project is None:
        raise NotFound(_("Project not found."))
    sched = scheduler or get_scheduler()
    result = SyncResult(account="", gpu_minutes_limit=0)
    try:  # the account's tag is checked before anything in it changes
        account = result.account = slurm_account_resolve(project=project, scheduler=sched)
        usage = sched.usage(account)
        headroom = headroom_gpu_minutes(project_id, today)
        result.gpu_minutes_limit = (
            budget.scheduler_limit(used=usage.used_minutes, running=usage.running_minutes,
                                   headroom=headroom) if usage is not None else max(headroom, 0))
        result.changed = sched.ensure_account(result.account, result.gpu_minutes_limit,
                                              tag=project_tag(project))
    except (ForeignAccount, AccountNameError) as exc:
        return _refused(project, sched, result, exc)
    slurm_account_record(project=project, name=result.account)
    for identity in account_selectors.project_identities(project_id):
        result.users.append(identity.username)
        if sched.ensure_user(result.account, identity.username):
            result.changed = True
    for username in sorted(sched.users(result.account) - set(result.users) - KEEP_USERS):
        try:
            if sched.remove_user(result.account, username):
                result.removed.append(username)
                result.changed = True
        except SchedulerUnavailable:
            raise
        except SchedulerError:  # jobs still running under the association: next time
            logger.info("association of %s with %s kept while jobs run", username,
                        result.account)
            result.removal_pending.append(username)
    if result.changed:
        audit_record(actor=SYSTEM, action="compute.scheduler_account_synced",
                     target=f"project:{project.pk}", organisation_id=project.organisation_id,
                     detail={"scheduler": sched.name, "account": result.account,
                             "gpu_minutes_limit": result.gpu_minutes_limit,
                             "users": result.users, "removed": result.removed,
                             "removal_pending": result.removal_pending})
    return result


def _refused(project: Project, sched: Scheduler, result: SyncResult,
             exc: ForeignAccount | AccountNameError) -> SyncResult:
    result.refused = str(exc)
    found = exc.found if isinstance(exc, ForeignAccount) else None
    logger.warning("Slurm account of project %s refused: %s", project.pk, exc)
    audit_record(actor=SYSTEM, action="compute.scheduler_account_refused",
                 target=f"project:{project.pk}", organisation_id=project.organisation_id,
                 detail={"scheduler": sched.name,
                         "account": exc.account if isinstance(exc, ForeignAccount) else "",
                         "organization": found.organization if found else "",
                         "description": found.description if found else "",
                         "reason": result.refused})
    return result


def slurm_account_ready(*, project_id: int, scheduler: Scheduler, again: bool = False) -> None:
    """Before a job is submitted on the project's account: reconcile it unless it is already
    recorded as the platform's (or ``again``: an association was missing), so that no job goes
    to an account the platform has not checked. ``SubmitRefused`` when the account is refused."""
    if scheduler.name == "local" or (slurm_account_checked(project_id) and not again):
        return
    result = slurm_account_sync(project_id=project_id, scheduler=scheduler)
    if result.refused and result.account:
        raise SubmitRefused(_(
            "The project's Slurm account %(account)s exists but was not made by this platform, "
            "so no job is sent to it. Ask the operators.") % {"account": result.account})
    if result.refused:
        raise SubmitRefused(_("The project's code cannot name a Slurm account. Ask the "
                              "operators."))


def slurm_account_sync_later(project_id: int) -> None:
    """After the commit, reconcile the project's Slurm account in the task queue (its grant
    changed). Nothing to do for the embedded scheduler, which has no accounts."""
    if settings.LAIF_EXECUTOR != "slurm":
        return

    def enqueue() -> None:
        try:
            slurm_account_sync_task.enqueue(project_id)
        except Exception:  # the grant is committed; the next submission reconciles on demand
            logger.exception("could not enqueue the Slurm sync of project %s", project_id)

    transaction.on_commit(enqueue)


@task()
def slurm_account_sync_task(project_id: int) -> bool:
    """Reconcile a project's Slurm account, limit and associations (idempotent)."""
    return slurm_account_sync(project_id=project_id).changed
