"""Tasks that moved to their apps (ADR 0020), under the names that rows queued by an older worker
still carry; migration ``jobs.0002`` re-points the rows already in the database. To be removed
one release after the split."""

from laif.allocations.tasks import allocations_tick_task as allocations_tick_task
from laif.jobs.accounts_sync import slurm_account_sync_task as slurm_account_sync_task
from laif.jobs.dispatch import job_confirm_task as job_confirm_task
from laif.jobs.dispatch import job_dispatch_task as job_dispatch_task
from laif.jobs.tasks import job_recover_stuck_task as job_recover_stuck_task
from laif.jobs.tasks import jobs_poll_task as jobs_poll_task
from laif.jobs.tasks import slurm_accounts_reconcile_task as slurm_accounts_reconcile_task
from laif.usage.tasks import usage_ingest_task as usage_ingest_task
