"""Jobs through the services, with the fake scheduler: the budget check with its figures, the
allocation in force, the queue when the scheduler is down (submitted exactly once when it is
back), cancellation and state refresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import jobs_dir, slurm_account_name
from laif.jobs import services as jobs
from laif.jobs import state as job_state
from laif.jobs.dispatch import job_dispatch_task
from laif.jobs.models import JobState
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.support import TODAY
from tests.factories import World

__all__ = ["fake"]


@pytest.fixture
def granted(world: World) -> World:
    grant(world.project, world.project_lead, 100)  # 6,000 GPU-minutes
    return world


def _add_member(w: World) -> None:
    account_services.project_member_add(access=access_for(w.project_lead),
                                        actor=Actor.of(w.project_lead),
                                        project_id=w.project.pk, user_id=w.member.pk)


def test_a_job_is_submitted_as_its_owner_on_the_project_account(
        granted: World, fake: FakeScheduler) -> None:
    job = submit_job(granted.project, granted.project_lead, template="array")
    assert job.state == JobState.PENDING
    assert (job.gpus, job.time_limit_minutes, job.array_size) == (1, 30, 4)
    spec = fake.submitted[0]
    identity = granted.project_lead.cluster_identity
    assert (spec.username, spec.uid, spec.gid) == (identity.username, identity.uid, identity.uid)
    assert spec.account == slurm_account_name(granted.project) == f"laif_{granted.project.code}"
    assert spec.workdir == jobs_dir() / str(job.pk)
    assert "SLURM_ARRAY_TASK_ID" in spec.script
    assert job.scheduler_id == "1001"
    assert job.submitted_at is not None


def test_a_job_beyond_the_budget_is_refused_with_the_figures(
        granted: World, fake: FakeScheduler) -> None:
    submit_job(granted.project, granted.project_lead, gpus=4, time_limit_minutes=1440)
    with pytest.raises(Conflict) as refused:
        submit_job(granted.project, granted.project_lead, gpus=1, time_limit_minutes=300)
    message = refused.value.message
    # the grant's unit (GPU-hours) and the worst case's (GPU-minutes), with the jobs holding it
    assert "up to 5.00 GPU-hours (300 GPU-minutes: 1 task(s) x 1 GPU(s) x 300 minutes)" \
        in message
    assert ("only 4.00 GPU-hours (240 GPU-minutes) remain of the project's 100.00 GPU-hours: "
            "0.00 used and 96.00 reserved by its unfinished jobs") in message
    assert "Reserved by: job " in message
    assert "\u201ctrain\u201d (waiting in the scheduler: 96.00 GPU-hours)" in message
    assert len(fake.submitted) == 1


def test_array_size_counts_and_cpu_jobs_cost_nothing(granted: World,
                                                      fake: FakeScheduler) -> None:
    with pytest.raises(Conflict, match="7,000 GPU-minutes"):
        submit_job(granted.project, granted.project_lead, array_size=10, time_limit_minutes=700)
    job = submit_job(granted.project, granted.project_lead, gpus=0, time_limit_minutes=5)
    assert job.state == JobState.PENDING  # CPU-only jobs cost no GPU-minutes
    # what Slurm counts against the account is not the budget: the ledger is (test_balance)
    fake.accounts[slurm_account_name(granted.project)].used = 5_990
    assert submit_job(granted.project, granted.project_lead, gpus=1,
                      time_limit_minutes=11).state == JobState.PENDING


def test_finished_jobs_release_their_reservation(granted: World, fake: FakeScheduler) -> None:
    job = submit_job(granted.project, granted.project_lead, gpus=4, time_limit_minutes=1440)
    fake.set_state(job.scheduler_id, state=base.COMPLETED, exit_code=0)
    job_state.job_refresh([job], fresh=True)
    assert job.state == JobState.COMPLETED
    assert submit_job(granted.project, granted.project_lead, gpus=4,
                      time_limit_minutes=1440).state == JobState.PENDING


def test_no_job_without_an_allocation_in_force(world: World, fake: FakeScheduler) -> None:
    with pytest.raises(Conflict, match="no GPU allocation"):
        submit_job(world.project, world.project_lead)
    allocation = grant(world.project, world.project_lead, 10)
    with pytest.raises(Conflict, match=f"ended on {date_format(allocation.end)}"):
        submit_job(world.project, world.project_lead, today=allocation.end + timedelta(days=1))
    assert not fake.submitted


def test_only_project_members_submit(granted: World, fake: FakeScheduler) -> None:
    with pytest.raises(PermissionDenied):
        submit_job(granted.project, granted.org_admin)  # sees the project, is not a member
    with pytest.raises(NotFound):
        submit_job(granted.project, granted.other_member)
    with pytest.raises(PermissionDenied):
        submit_job(granted.project, granted.operator)
    _add_member(granted)
    assert submit_job(granted.project, granted.member).submitted_by == granted.member


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": " "}, "name"), ({"script": ""}, "script"), ({"template": "nope"}, "template"),
    ({"partition": "nope"}, "partition"), ({"gpus": 99}, "gpus"),
    ({"time_limit_minutes": 10**6}, "time_limit_minutes"), ({"array_size": 5000}, "array_size"),
])
def test_invalid_jobs_are_refused_by_field(granted: World, fake: FakeScheduler,
                                           fields: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        submit_job(granted.project, granted.project_lead, **fields)
    assert refused.value.field == field


def test_a_submission_while_the_scheduler_is_down_is_submitted_once_when_back(
        granted: World, fake: FakeScheduler, django_capture_on_commit_callbacks: object) -> None:
    fake.available = False
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        job = submit_job(granted.project, granted.project_lead)
    assert job.state == JobState.QUEUED
    assert "down" in job.queued_reason
    assert DBTaskResult.objects.filter(task_path__endswith="job_dispatch_task").count() == 1
    # still down: the task leaves it queued (and schedules another try)
    assert job_dispatch_task.call(job.pk) == JobState.QUEUED
    # the queued job still counts against the budget
    with pytest.raises(Conflict, match=r"1\.00 reserved"):
        submit_job(granted.project, granted.project_lead, gpus=4, time_limit_minutes=1490)

    fake.available = True
    assert job_dispatch_task.call(job.pk) == JobState.PENDING
    assert job_dispatch_task.call(job.pk) == JobState.PENDING  # a duplicate retry: no-op
    assert jobs.job_dispatch_queued() == 0
    assert len(fake.submitted) == 1
    job.refresh_from_db()
    assert (job.state, job.queued_reason, job.submit_attempts) == (JobState.PENDING, "", 3)


def test_a_refused_submission_is_kept_with_the_reason(granted: World,
                                                      fake: FakeScheduler) -> None:
    fake.refuse = "Job violates accounting/QOS policy"
    job = submit_job(granted.project, granted.project_lead)
    assert (job.state, job.reason) == (JobState.REFUSED, "Job violates accounting/QOS policy")
    assert job.is_finished


def test_cancel(granted: World, fake: FakeScheduler) -> None:
    _add_member(granted)
    job = submit_job(granted.project, granted.project_lead)
    member = access_for(granted.member)
    with pytest.raises(PermissionDenied):
        jobs.job_cancel(access=member, actor=Actor.of(granted.member), job_id=job.pk)
    with pytest.raises(NotFound):
        jobs.job_cancel(access=access_for(granted.other_member),
                        actor=Actor.of(granted.other_member), job_id=job.pk)
    done = jobs.job_cancel(access=access_for(granted.project_lead),
                           actor=Actor.of(granted.project_lead), job_id=job.pk)
    assert done.state == JobState.CANCELLED
    assert fake.jobs[job.scheduler_id].state == base.CANCELLED
    with pytest.raises(Conflict):
        jobs.job_cancel(access=access_for(granted.project_lead),
                        actor=Actor.of(granted.project_lead), job_id=job.pk)

    fake.available = False
    queued = submit_job(granted.project, granted.member)
    own = jobs.job_cancel(access=member, actor=Actor.of(granted.member), job_id=queued.pk)
    assert own.state == JobState.CANCELLED  # never reached the scheduler
    fake.available = True
    assert jobs.job_dispatch(job_id=queued.pk).state == JobState.CANCELLED
    assert len(fake.submitted) == 1


def test_refresh_follows_the_scheduler(granted: World, fake: FakeScheduler) -> None:
    job = submit_job(granted.project, granted.project_lead)
    fake.set_state(job.scheduler_id, reason="AssocGrpGRESMinutes")
    job_state.job_refresh([job], fresh=True)
    job.refresh_from_db()
    assert (job.state, job.reason) == (JobState.PENDING, "AssocGrpGRESMinutes")
    fake.set_state(job.scheduler_id, state=base.FAILED, reason="", exit_code=3)
    fake.available = False
    job_state.job_refresh([job], fresh=True)  # unreachable: unchanged
    assert job.state == JobState.PENDING
    fake.available = True
    job_state.job_refresh([job], fresh=True)
    job.refresh_from_db()
    assert (job.state, job.exit_code) == (JobState.FAILED, 3)


def test_no_job_long_after_the_grant(granted: World, fake: FakeScheduler) -> None:
    with pytest.raises(Conflict, match="expired on"):
        submit_job(granted.project, granted.project_lead, today=TODAY + timedelta(days=400))


def test_jobs_poll_submits_queued_jobs_and_refreshes(granted: World, fake: FakeScheduler) -> None:
    from io import StringIO

    from django.core.management import call_command

    fake.available = False
    queued = submit_job(granted.project, granted.project_lead)
    fake.available = True
    running = submit_job(granted.project, granted.project_lead)
    fake.set_state(running.scheduler_id, state=base.RUNNING, reason="")
    out = StringIO()
    call_command("jobs_poll", stdout=out)
    assert ("0 interrupted submission(s) recovered; 1 queued job(s) submitted; 1 of 2 unfinished "
            "job(s) changed state") in out.getvalue()
    queued.refresh_from_db()
    running.refresh_from_db()
    assert (queued.state, running.state) == (JobState.PENDING, JobState.RUNNING)
