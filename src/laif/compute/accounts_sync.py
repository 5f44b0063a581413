"""Reconciliation of the scheduler's accounting with the platform: one account per project whose
GPU-minute limit is the project's grant, one user association per member with a cluster identity.

Idempotent: a second run with nothing changed on either side changes nothing (and records
nothing). The account is named after the project's code (Slurm stores account names lowercased).
The limit is what the project's allocations in force or in their grace period grant, in
GPU-minutes; an expired project gets 0, so Slurm starts no new job, and its association is kept for the record.

Someone who left the project loses their association (once their last job there has ended:
Slurm refuses to remove an association with jobs, so the next run tries again). When a renewal
starts, the account's recorded usage is reset to 0 once (``Allocation.usage_reset_at``), so the
renewal's grant is the whole limit; ``sacct`` keeps the history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from laif.accounts.audit import SYSTEM, audit_record
from laif.accounts.models import ClusterIdentity, Project
from laif.compute.models import LIMIT_STATES, Allocation
from laif.compute.scheduler import get_scheduler
from laif.compute.scheduler.base import Scheduler, SchedulerError, SchedulerUnavailable

logger = logging.getLogger(__name__)

KEEP_USERS = frozenset({"root"})
"""Associations the platform never removes (the operators' own)."""


def slurm_account_name(project: Project) -> str:
    return project.code.lower()


def granted_gpu_minutes(project_id: int, today: date | None = None) -> int:
    """GPU-minutes granted to the project by its allocations in force on ``today``, or in
    their grace period (a limit dropped at the end would kill the jobs still running)."""
    day = today or timezone.localdate()
    since = day - timedelta(days=settings.LAIF_ALLOCATION_GRACE_DAYS)
    hours = (Allocation.objects.filter(project_id=project_id, state__in=LIMIT_STATES,
                                       start__lte=day, end__gte=since)
             # an allocation whose renewal has started no longer counts: the usage was reset
             # for the renewal, which alone backs the limit from its first day
             .exclude(renewal__start__lte=day)
             .aggregate(total=Sum("granted_gpu_hours"))["total"]) or 0
    return int(hours) * 60


def renewals_due_reset(project_id: int, today: date | None = None) -> list[Allocation]:
    """Renewals of the project that have started and whose usage reset is still to be done."""
    day = today or timezone.localdate()
    return list(Allocation.objects.filter(project_id=project_id, renews__isnull=False,
                                          usage_reset_at__isnull=True, start__lte=day,
                                          state__in=LIMIT_STATES).order_by("id"))


@dataclass
class SyncResult:
    account: str
    gpu_minutes_limit: int
    changed: bool = False
    users: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    removal_pending: list[str] = field(default_factory=list)  # still have jobs: next time
    usage_reset: bool = False


def slurm_account_sync(*, project_id: int, today: date | None = None,
                       scheduler: Scheduler | None = None) -> SyncResult:
    """Make the scheduler's account and user associations of one project match the platform."""
    project = Project.objects.get(pk=project_id)
    sched = scheduler or get_scheduler()
    result = SyncResult(account=slurm_account_name(project),
                        gpu_minutes_limit=granted_gpu_minutes(project_id, today))
    renewals = renewals_due_reset(project_id, today)
    result.changed = sched.ensure_account(result.account, result.gpu_minutes_limit)
    if renewals:
        sched.reset_usage(result.account)
        Allocation.objects.filter(pk__in=[a.pk for a in renewals],
                                  usage_reset_at__isnull=True).update(
            usage_reset_at=timezone.now())
        result.usage_reset = result.changed = True
    identities = (ClusterIdentity.objects
                  .filter(user__project_memberships__project_id=project_id,
                          disabled_at__isnull=True, user__is_active=True)
                  .order_by("username"))
    for identity in identities:
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
                             "removal_pending": result.removal_pending,
                             "usage_reset": result.usage_reset})
    return result


def slurm_account_sync_later(project_id: int) -> None:
    """After the commit, reconcile the project's Slurm account in the task queue (its grant
    changed). Nothing to do for the embedded scheduler, which has no accounts."""
    if settings.LAIF_EXECUTOR != "slurm":
        return

    def enqueue() -> None:
        from laif.compute.tasks import slurm_account_sync_task

        try:
            slurm_account_sync_task.enqueue(project_id)
        except Exception:  # the grant is committed; the next submission reconciles on demand
            logger.exception("could not enqueue the Slurm sync of project %s", project_id)

    transaction.on_commit(enqueue)
