"""The schedule of the periodic work: APScheduler (3.x, in one process: ``manage.py
laif_schedule``) enqueues Django tasks on their triggers; the task worker (``db_worker``) runs
them. The schedule does no work itself, so a slow Slurm never delays the next trigger.

Each entry names a task by its dotted path and reads its trigger from ``settings.LAIF_SCHEDULE``
(``LAIF_SCHEDULE_<NAME>``: an interval, a crontab line in the site's time zone, or off). An entry
whose previous run is still waiting in the queue is not enqueued again (a stopped worker must not
find hundreds of copies when it comes back). Every entry runs once when the schedule starts (all
are idempotent), so a platform that was down at 00:05 still moves its allocations that day.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus

from laif.ops.beats import SCHEDULE_PREFIX, beat_record
from laif.ops.schedule_spec import Spec, parse_spec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of a django-tasks Task taking no argument
    fixed: str = ""  # a spec of its own, not configurable (the heartbeat)


PERIODIC: tuple[Periodic, ...] = (
    # the worker's heartbeat and whether the job scheduler answers (/health)
    Periodic("heartbeat", "laif.ops.tasks.heartbeat_task", fixed="1m"),
    # job state refresh, dispatch retries, recovery of interrupted submissions (jobs_poll)
    Periodic("jobs_poll", "laif.jobs.tasks.jobs_poll_task"),
    # usage from the scheduler's accounting into the ledger (usage_ingest)
    Periodic("usage_ingest", "laif.usage.tasks.usage_ingest_task"),
    # allocation life cycle: expiring, grace, expired, end-of-allocation notices
    Periodic("allocations_tick", "laif.allocations.tasks.allocations_tick_task"),
    # Slurm account, limit and associations of every project with an allocation
    Periodic("slurm_accounts", "laif.jobs.tasks.slurm_accounts_reconcile_task"),
    # finished task results older than LAIF_TASK_RESULTS_KEEP_DAYS
    Periodic("task_results_prune", "laif.ops.tasks.task_results_prune_task"),
    # the audit chain's sealed head written outside the database (ADR 0012)
    Periodic("audit_anchor", "laif.accounts.tasks.audit_anchor_task"),
    # encrypted sandbox files of uploads that died (no database row refers to them)
    Periodic("sandbox_sweep", "laif.sandbox.tasks.sandbox_sweep_task"),
    # encrypted model artefacts of uploads that died (no version refers to them)
    Periodic("registry_sweep", "laif.registry.tasks.registry_sweep_task"),
    # waitlist offers past their deadline: closed, each seat offered to the next person
    Periodic("train_offers", "laif.train.tasks.train_offers_expire_task"),
)


def spec_of(entry: Periodic) -> Spec:
    if entry.fixed:
        return parse_spec(entry.fixed)
    schedule: dict[str, Spec] = settings.LAIF_SCHEDULE
    return schedule.get(entry.name, parse_spec("off"))


def trigger_of(spec: Spec, tz: ZoneInfo) -> BaseTrigger | None:
    if spec.seconds is not None:
        return IntervalTrigger(seconds=spec.seconds, timezone=tz)
    if spec.crontab is not None:
        return CronTrigger.from_crontab(spec.crontab, timezone=tz)
    return None


def _waiting(task_path: str) -> bool:
    """Whether a run of this task is still waiting in the database queue."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task_path,
                                       status=TaskResultStatus.READY).exists()


def fire(name: str) -> str:
    """Enqueue entry ``name``'s task unless a run of it still waits; record the schedule's
    heartbeat either way. ``enqueued``, ``waiting`` or ``failed``."""
    entry = next(e for e in PERIODIC if e.name == name)
    try:
        task: Any = import_string(entry.task)
        if _waiting(task.module_path):
            outcome = "waiting"
            logger.info("schedule: %s is still waiting in the queue, not enqueued again", name)
        else:
            task.enqueue()
            outcome = "enqueued"
        beat_record(SCHEDULE_PREFIX + name, ok=True, detail=outcome)
    except Exception:
        logger.exception("schedule: could not enqueue %s", name)
        outcome = "failed"
        with contextlib.suppress(Exception):  # the database itself is down: logged above
            beat_record(SCHEDULE_PREFIX + name, ok=False, detail=outcome)
    return outcome


def _triggered(name: str) -> None:
    """What APScheduler runs, in a thread of its pool: ``fire`` with a fresh connection, closed
    afterwards (the thread may wait an hour for its next trigger)."""
    close_old_connections()
    try:
        fire(name)
    finally:
        connection.close()


def build() -> BlockingScheduler:
    tz = ZoneInfo(settings.TIME_ZONE)
    scheduler = BlockingScheduler(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    now = datetime.now(tz)
    for entry in PERIODIC:
        trigger = trigger_of(spec_of(entry), tz)
        if trigger is None:
            logger.info("schedule: %s is off", entry.name)
            continue
        scheduler.add_job(_triggered, trigger, args=[entry.name], id=entry.name,
                          name=entry.name, next_run_time=now)
    return scheduler


def run() -> None:
    """Run the schedule until SIGTERM or SIGINT (then it stops at once: nothing runs in it)."""
    scheduler = build()

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("schedule: %s received, stopping", signal.strsignal(signum))
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in scheduler.get_jobs():
        logger.info("schedule: %s on %s", job.name, job.trigger)
    scheduler.start()
