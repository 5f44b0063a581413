"""The schedule enqueues each periodic task on its trigger, never piles up copies while the
worker is away, and the periodic tasks do their work: the heartbeat probes the job scheduler,
jobs_poll submits what was queued, old task results are pruned."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from laif.jobs.models import JobState
from laif.jobs.tasks import jobs_poll_task, slurm_accounts_reconcile_task
from laif.ops import schedule
from laif.ops.beats import SCHEDULE_PREFIX, SCHEDULER, WORKER
from laif.ops.models import Beat
from laif.ops.schedule_spec import parse_spec
from laif.ops.tasks import heartbeat_task, task_results_prune_task
from tests.compute.jobs_support import grant, submit_job
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_queue(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}


def _queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path, status="READY").count()


@pytest.mark.usefixtures("db_queue")
def test_a_periodic_task_is_enqueued_once_while_its_last_run_still_waits() -> None:
    path = "laif.jobs.tasks.jobs_poll_task"
    assert schedule.fire("jobs_poll") == "enqueued"
    assert schedule.fire("jobs_poll") == "waiting"  # the worker is away: no pile of copies
    assert _queued(path) == 1
    beat = Beat.objects.get(name=SCHEDULE_PREFIX + "jobs_poll")
    assert beat.ok
    assert beat.detail == "waiting"
    DBTaskResult.objects.filter(task_path=path).update(status="SUCCESSFUL",
                                                       finished_at=timezone.now())
    assert schedule.fire("jobs_poll") == "enqueued"


def test_triggers_follow_the_settings_and_off_entries_are_left_out(settings: Settings) -> None:
    settings.LAIF_SCHEDULE = {**settings.LAIF_SCHEDULE, "usage_ingest": parse_spec("off"),
                              "jobs_poll": parse_spec("30s")}
    jobs = {job.id: job for job in schedule.build().get_jobs()}
    assert "usage_ingest" not in jobs
    assert jobs["jobs_poll"].trigger.interval == timedelta(seconds=30)
    assert str(jobs["allocations_tick"].trigger).startswith("cron[")
    assert set(jobs) >= {"heartbeat", "jobs_poll", "allocations_tick", "slurm_accounts",
                         "task_results_prune"}
    for job in jobs.values():  # every entry runs once at start (all of them are idempotent)
        assert job.next_run_time is not None
        assert job.next_run_time <= timezone.now() + timedelta(seconds=5)


def test_every_periodic_entry_names_a_task() -> None:
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for entry in schedule.PERIODIC:
        assert isinstance(import_string(entry.task), Task), entry


def test_the_heartbeat_records_the_worker_and_whether_the_scheduler_answers(
        tmp_path: Path) -> None:
    sched = FakeScheduler()
    with use_scheduler(sched):
        sched.available = False
        assert heartbeat_task.call() is False
        assert Beat.objects.get(name=WORKER).ok
        down = Beat.objects.get(name=SCHEDULER)
        assert not down.ok
        assert "down" in down.detail
        sched.available = True
        assert heartbeat_task.call() is True
    assert Beat.objects.get(name=SCHEDULER).ok


def test_jobs_poll_submits_a_job_queued_while_the_scheduler_was_down(
        world: World, settings: Settings, tmp_path: Path) -> None:
    settings.LAIF_JOBS_DIR = tmp_path
    sched = FakeScheduler()
    with use_scheduler(sched):
        grant(world.project, world.project_lead, 10, today=timezone.localdate())
        sched.available = False
        job = submit_job(world.project, world.project_lead, today=None)
        job.refresh_from_db()
        assert job.state == JobState.QUEUED
        sched.available = True
        assert jobs_poll_task.call()["submitted"] == 1
    job.refresh_from_db()
    assert job.state == JobState.PENDING
    assert len(sched.submitted) == 1


@pytest.mark.usefixtures("db_queue")
def test_slurm_accounts_are_reconciled_for_every_project_with_an_allocation(
        world: World, settings: Settings) -> None:
    with use_scheduler(FakeScheduler()):
        grant(world.project, world.project_lead, 10)
    settings.LAIF_EXECUTOR = "local"
    assert slurm_accounts_reconcile_task.call() == 0  # the local runner has no accounts
    settings.LAIF_EXECUTOR = "slurm"
    DBTaskResult.objects.all().delete()
    assert slurm_accounts_reconcile_task.call() == 1
    queued = DBTaskResult.objects.get(task_path="laif.jobs.accounts_sync.slurm_account_sync_task")
    assert queued.args_kwargs["args"] == [world.project.pk]


@pytest.mark.usefixtures("db_queue")
def test_old_finished_task_results_are_pruned(settings: Settings) -> None:
    settings.LAIF_TASK_RESULTS_KEEP_DAYS = 7
    old, recent, waiting = (jobs_poll_task.enqueue() for _ in range(3))
    now = timezone.now()
    DBTaskResult.objects.filter(pk=old.id).update(status="SUCCESSFUL",
                                                  finished_at=now - timedelta(days=8))
    DBTaskResult.objects.filter(pk=recent.id).update(status="FAILED",
                                                     finished_at=now - timedelta(days=6))
    assert task_results_prune_task.call() == 1
    assert {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)} == {
        recent.id, waiting.id}


@pytest.mark.parametrize("name", ["job_dispatch_task", "job_confirm_task",
                                  "slurm_account_sync_task", "jobs_poll_task",
                                  "job_recover_stuck_task", "slurm_accounts_reconcile_task",
                                  "allocations_tick_task", "usage_ingest_task"])
def test_a_task_queued_under_its_old_path_still_runs(name: str) -> None:
    """Rows queued by an older worker name ``laif.compute.tasks``: the worker finds the same
    task there (ADR 0020)."""
    row: DBTaskResult[..., object] = DBTaskResult(
        task_path=f"laif.compute.tasks.{name}", queue_name="default", backend_name="default",
        priority=0)
    assert row.task.name == name
    assert not row.task.module_path.startswith("laif.compute.")


@pytest.mark.usefixtures("db_queue")
def test_rows_under_the_paths_before_the_split_are_re_pointed_and_back() -> None:
    """``jobs.0002`` moves the rows of the tasks that lived in compute's modules to where they
    live now, so that the worker imports them and the schedule sees its waiting runs, and moves
    them back when migrated back."""
    step = importlib.import_module("laif.jobs.migrations.0002_queued_tasks_follow")
    old = ["laif.compute.dispatch.job_dispatch_task",
           "laif.compute.accounts_sync.slurm_account_sync_task",
           "laif.compute.tasks.jobs_poll_task", "laif.compute.tasks.usage_ingest_task"]
    rows = [DBTaskResult.objects.create(task_path=path, queue_name="default",
                                        backend_name="default", priority=0, args_kwargs={})
            for path in old]
    step.forward(django_apps, None)
    moved = {row.pk: DBTaskResult.objects.get(pk=row.pk) for row in rows}
    assert [moved[row.pk].task_path for row in rows] == [
        "laif.jobs.dispatch.job_dispatch_task", "laif.jobs.accounts_sync.slurm_account_sync_task",
        "laif.jobs.tasks.jobs_poll_task", "laif.usage.tasks.usage_ingest_task"]
    assert all(row.task.module_path == row.task_path for row in moved.values())
    assert schedule.fire("jobs_poll") == "waiting"  # the re-pointed row is its waiting run

    step.backward(django_apps, None)
    assert [DBTaskResult.objects.get(pk=row.pk).task_path for row in rows] == [
        "laif.compute.dispatch.job_dispatch_task",
        "laif.compute.accounts_sync.slurm_account_sync_task",
        "laif.compute.tasks.jobs_poll_task",
        "laif.usage.tasks.usage_ingest_task"]  # it lived there already before jobs.0002
