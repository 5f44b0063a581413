from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "laif.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from laif.accounts.audit_targets import register_target_namer
        from laif.accounts.hooks import on_project_members_changed
        from laif.allocations.hooks import on_grants_changed
        from laif.jobs.accounts_sync import slurm_account_sync_later
        from laif.jobs.selectors import JobsFigures, job_names
        from laif.usage.hooks import register_jobs_reader

        # someone joined or left a project, or its grants changed: reconcile its scheduler
        # account (members, limit) after the commit
        on_project_members_changed(slurm_account_sync_later)
        on_grants_changed(slurm_account_sync_later)
        # the usage ledger reads the platform's jobs (balances, the local runner's usage)
        register_jobs_reader(JobsFigures())
        register_target_namer("job", job_names)
