"""Tasks queued or run under the paths they had before the split (ADR 0020) are re-pointed to
where the tasks live now, so that the worker finds them and the operators' page shows each
periodic task's history under one name. Reversible."""

from django.db import migrations

DEFINED_BEFORE = {  # where the code just before this app defined each task -> where it is now
    "laif.compute.dispatch.job_dispatch_task": "laif.jobs.dispatch.job_dispatch_task",
    "laif.compute.dispatch.job_confirm_task": "laif.jobs.dispatch.job_confirm_task",
    "laif.compute.accounts_sync.slurm_account_sync_task":
        "laif.jobs.accounts_sync.slurm_account_sync_task",
    "laif.compute.tasks.job_recover_stuck_task": "laif.jobs.tasks.job_recover_stuck_task",
    "laif.compute.tasks.jobs_poll_task": "laif.jobs.tasks.jobs_poll_task",
    "laif.compute.tasks.slurm_accounts_reconcile_task":
        "laif.jobs.tasks.slurm_accounts_reconcile_task",
    "laif.compute.tasks.allocations_tick_task": "laif.allocations.tasks.allocations_tick_task",
}
ALIASES_BEFORE = {  # names older code gave the tasks that had already moved then
    "laif.compute.tasks.job_dispatch_task": "laif.jobs.dispatch.job_dispatch_task",
    "laif.compute.tasks.job_confirm_task": "laif.jobs.dispatch.job_confirm_task",
    "laif.compute.tasks.slurm_account_sync_task": "laif.jobs.accounts_sync.slurm_account_sync_task",
    "laif.compute.tasks.usage_ingest_task": "laif.usage.tasks.usage_ingest_task",
}


def _repoint(apps, moves):  # type: ignore[no-untyped-def]
    result = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        result.objects.filter(task_path=old).update(task_path=new)


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _repoint(apps, {**DEFINED_BEFORE, **ALIASES_BEFORE})


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _repoint(apps, {new: old for old, new in DEFINED_BEFORE.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
