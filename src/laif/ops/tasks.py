"""Background work of the operations context (django-tasks): the worker's heartbeat with a
probe of the job scheduler, and the pruning of old task results."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from laif.cluster.scheduler.base import SchedulerError
from laif.cluster.selectors import get_scheduler
from laif.ops.beats import SCHEDULER, WORKER, beat_record


@task()
def heartbeat_task() -> bool:
    """The worker is alive (it runs this), and whether the job scheduler answers now."""
    beat_record(WORKER)
    sched = get_scheduler()
    try:
        sched.ping()
    except SchedulerError as exc:
        beat_record(SCHEDULER, ok=False, detail=f"{sched.name}: {exc}")
        return False
    beat_record(SCHEDULER, ok=True, detail=sched.name)
    return True


@task()
def task_results_prune_task() -> int:
    """Delete finished task results older than ``LAIF_TASK_RESULTS_KEEP_DAYS``; the number."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=settings.LAIF_TASK_RESULTS_KEEP_DAYS)
    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    deleted, _ = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=cutoff).delete()
    return deleted
