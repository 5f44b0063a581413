"""The allocation life cycle: the pure rules (table-driven), the daily tick (states moved and each
notice sent exactly once, also when run twice) and job submission after the end."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils.formats import date_format

from laif.accounts.errors import Conflict
from laif.accounts.models import Notice
from laif.allocations import lifecycle
from laif.allocations.choices import AllocationState
from laif.allocations.expiry import allocations_tick
from laif.allocations.models import Allocation, AllocationNotice
from laif.allocations.tasks import allocations_tick_task
from laif.cluster.scheduler.fake import FakeScheduler
from laif.jobs.accounts_sync import (
    headroom_gpu_minutes,
    slurm_account_name,
    slurm_account_sync,
)
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

START = date(2026, 7, 1)
END = date(2026, 12, 31)


def _d(days_before_end: int) -> date:
    return END - timedelta(days=days_before_end)


@pytest.mark.parametrize(("today", "grace", "state"), [
    (START, 14, lifecycle.ACTIVE),
    (_d(31), 14, lifecycle.ACTIVE),
    (_d(30), 14, lifecycle.EXPIRING),
    (_d(1), 14, lifecycle.EXPIRING),
    (END, 14, lifecycle.EXPIRING),
    (END + timedelta(days=1), 14, lifecycle.GRACE),
    (END + timedelta(days=14), 14, lifecycle.GRACE),
    (END + timedelta(days=15), 14, lifecycle.EXPIRED),
    (END + timedelta(days=1), 0, lifecycle.EXPIRED),
])
def test_state_on_a_day(today: date, grace: int, state: str) -> None:
    assert lifecycle.state_on(end=END, grace_days=grace, today=today) == state


@pytest.mark.parametrize(("today", "sent", "notice"), [
    (START - timedelta(days=1), set(), None),  # not started yet
    (_d(31), set(), None),
    (_d(30), set(), 30),
    (_d(29), {30}, None),
    (_d(14), {30}, 14),
    (_d(10), set(), 14),  # the 30-day one was missed: only the most urgent is sent
    (_d(7), {30, 14}, 7),
    (_d(7), {7}, None),
    (END, {30, 14, 7}, 0),
    (END, {0}, None),
    (END + timedelta(days=3), {30, 14, 7}, 0),  # a tick missed on the last day
    (END + timedelta(days=3), {0}, None),
])
def test_due_notice(today: date, sent: set[int], notice: int | None) -> None:
    assert lifecycle.due_notice(start=START, end=END, today=today, sent=sent) == notice


def test_no_notice_once_expired() -> None:
    step = lifecycle.step(start=START, end=END, grace_days=0, today=END + timedelta(days=2),
                          sent=set())
    assert step == lifecycle.Step(state=lifecycle.EXPIRED, notice=None)


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LAIF_ALLOCATION_GRACE_DAYS = 14


@pytest.mark.django_db
def test_a_notice_is_sent_exactly_once_when_the_tick_runs_twice(
        world: World, django_capture_on_commit_callbacks: Capture) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    day = allocation.end - timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        first = allocations_tick(day)
        second = allocations_tick(day)
    assert first.moved == [(allocation.pk, "active", "expiring")]
    assert first.notices == [(allocation.pk, 30)]
    assert (second.moved, second.notices) == ([], [])
    assert [m.to for m in mail.outbox] == [[world.project_lead.email]]
    assert "30 days" in mail.outbox[0].subject
    assert f"ends on {date_format(allocation.end)}." in mail.outbox[0].body
    assert AllocationNotice.objects.filter(allocation=allocation).count() == 1
    ending = Notice.objects.filter(recipient=world.project_lead, kind="allocation.ending")
    assert [n.text for n in ending] == [mail.outbox[0].subject]


@pytest.mark.django_db
def test_the_tick_walks_the_whole_life_cycle(
        world: World, django_capture_on_commit_callbacks: Capture) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    end = allocation.end
    states = []
    with django_capture_on_commit_callbacks(execute=True):
        for day in (end - timedelta(days=40), end - timedelta(days=30),
                    end - timedelta(days=14), end - timedelta(days=7), end,
                    end + timedelta(days=1), end + timedelta(days=14),
                    end + timedelta(days=15), end + timedelta(days=16)):
            allocations_tick(day)
            allocation.refresh_from_db()
            states.append(allocation.state)
    assert states == ["active", "expiring", "expiring", "expiring", "expiring", "grace",
                      "grace", "expired", "expired"]
    assert sorted(AllocationNotice.objects.filter(allocation=allocation)
                  .values_list("days_before", flat=True)) == [0, 7, 14, 30]
    assert len(mail.outbox) == 4
    assert "ends today" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_after_the_end_the_limit_lets_running_jobs_finish_and_starts_nothing(
        world: World) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    sched = FakeScheduler()
    account = slurm_account_name(world.project)
    slurm_account_sync(project_id=world.project.pk, scheduler=sched, today=allocation.end)
    assert sched.accounts[account].gpu_minutes_limit == 6000
    sched.accounts[account].used, sched.accounts[account].running = 1_000, 240
    grace_day = allocation.end + timedelta(days=3)
    allocations_tick(grace_day)
    assert headroom_gpu_minutes(world.project.pk, grace_day) == 0
    slurm_account_sync(project_id=world.project.pk, scheduler=sched, today=grace_day)
    # what Slurm counted and what the running jobs may still use: nothing new starts
    assert sched.accounts[account].gpu_minutes_limit == 1_240
    later = allocation.end + timedelta(days=15)
    allocations_tick(later)
    assert Allocation.objects.get(pk=allocation.pk).state == AllocationState.EXPIRED
    sched.accounts[account].used, sched.accounts[account].running = 1_240, 0
    slurm_account_sync(project_id=world.project.pk, scheduler=sched, today=later)
    assert sched.accounts[account].gpu_minutes_limit == 1_240


@pytest.mark.django_db
def test_an_expiring_allocation_still_takes_jobs(world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    day = allocation.end - timedelta(days=10)
    allocations_tick(day)
    job = submit_job(world.project, world.project_lead, today=day)
    assert job.allocation_id == allocation.pk


@pytest.mark.django_db
def test_no_new_job_in_the_grace_period(world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    day = allocation.end + timedelta(days=2)
    allocations_tick(day)
    with pytest.raises(Conflict) as refused:
        submit_job(world.project, world.project_lead, today=day)
    grace_end = allocation.end + timedelta(days=14)
    assert f"ended on {date_format(allocation.end)}." in refused.value.message
    assert f"Until {date_format(grace_end)} its running jobs finish" in refused.value.message
    assert not fake.submitted


@pytest.mark.django_db
def test_an_expired_allocation_refuses_a_job_with_the_message(
        world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    day = allocation.end + timedelta(days=20)
    allocations_tick(day)
    assert Allocation.objects.get(pk=allocation.pk).state == AllocationState.EXPIRED
    with pytest.raises(Conflict) as refused:
        submit_job(world.project, world.project_lead, today=day)
    assert refused.value.message == (
        f"The project's allocation expired on {date_format(allocation.end)}: it accepts no new "
        "job. Request a renewal.")
    assert not fake.submitted


@pytest.mark.django_db
def test_the_command_and_the_task_run_the_tick(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    day = (allocation.end - timedelta(days=7)).isoformat()
    out = StringIO()
    call_command("allocations_tick", "--date", day, stdout=out)
    assert f"allocation {allocation.pk}: active -> expiring" in out.getvalue()
    assert "1 moved, 1 notice(s) sent." in out.getvalue()
    again = StringIO()
    call_command("allocations_tick", "--date", day, stdout=again)
    assert "0 moved, 0 notice(s) sent." in again.getvalue()
    assert allocations_tick_task.call(day) == 0
    assert allocations_tick_task.call(allocation.end.isoformat()) == 1
