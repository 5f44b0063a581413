"""Submissions interrupted by a crash, and people leaving a project: the scheduler follows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import ClusterIdentity
from laif.accounts.services import project_member_add, project_member_remove
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import FakeScheduler
from laif.jobs import dispatch
from laif.jobs import services as jobs
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from laif.jobs.models import Job, JobState
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]

pytestmark = pytest.mark.django_db


def crashed_mid_submission(job: Job, minutes_ago: int = 20) -> None:
    """What a worker that died after taking the job (and maybe after sbatch) leaves behind."""
    Job.objects.filter(pk=job.pk).update(
        state=JobState.SUBMITTING, scheduler_id="", submitted_at=None,
        submitting_since=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_job_the_scheduler_got_is_adopted_not_submitted_again(
        world: World, fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead)
    scheduler_id = job.scheduler_id
    crashed_mid_submission(job)
    assert jobs.job_recover_stuck() == [(job.pk, "adopted")]
    job.refresh_from_db()
    assert (job.state, job.scheduler_id) == (JobState.PENDING, scheduler_id)
    assert len(fake.submitted) == 1


def test_a_job_the_scheduler_never_got_is_submitted_once(world: World,
                                                         fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    fake.available = False
    job = submit_job(world.project, world.project_lead)  # held as queued
    fake.available = True
    crashed_mid_submission(job)
    assert jobs.job_recover_stuck() == [(job.pk, "requeued")]
    assert jobs.job_recover_stuck() == []  # a second pass finds nothing to do
    job.refresh_from_db()
    assert job.state == JobState.PENDING
    assert [spec.name for spec in fake.submitted] == [f"{dispatch.job_tag(job)}-train"]


def test_a_recent_or_unreachable_submission_is_left_alone(world: World,
                                                          fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead)
    crashed_mid_submission(job, minutes_ago=1)  # a live worker may still be in sbatch
    assert jobs.job_recover_stuck() == []
    crashed_mid_submission(job, minutes_ago=30)
    fake.available = False
    assert jobs.job_recover_stuck() == []
    job.refresh_from_db()
    assert job.state == JobState.SUBMITTING
    fake.available = True
    assert jobs.job_recover_stuck() == [(job.pk, "adopted")]


def test_someone_who_leaves_loses_the_association_once_their_jobs_end(
        world: World, fake: FakeScheduler, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    grant(world.project, world.project_lead, 100)
    admin = world.org_admin
    project_member_add(access=access_for(admin), actor=Actor.of(admin),
                       project_id=world.project.pk, user_id=world.member.pk)
    account = slurm_account_name(world.project)
    member_name = ClusterIdentity.objects.get(user=world.member).username
    slurm_account_sync(project_id=world.project.pk, scheduler=fake)
    assert member_name in fake.users(account)
    running = submit_job(world.project, world.member)
    fake.set_state(running.scheduler_id, state=base.RUNNING, reason="")

    settings.LAIF_EXECUTOR = "slurm"  # the reconciliation is queued only for Slurm
    with django_capture_on_commit_callbacks(execute=True):
        project_member_remove(access=access_for(admin), actor=Actor.of(admin),
                              project_id=world.project.pk, user_id=world.member.pk)
    # leaving queued the reconciliation of the project's account (after the commit)
    queued = DBTaskResult.objects.filter(task_path__endswith="slurm_account_sync_task")
    assert [r.args_kwargs["args"] for r in queued] == [[world.project.pk]]
    # which runs it; the job still runs, so Slurm keeps the association for now
    result = slurm_account_sync(project_id=world.project.pk, scheduler=fake)
    assert result.removal_pending == [member_name]

    fake.set_state(running.scheduler_id, state=base.COMPLETED)
    result = slurm_account_sync(project_id=world.project.pk, scheduler=fake)
    assert result.removed == [member_name]
    lead_name = ClusterIdentity.objects.get(user=world.project_lead).username
    assert fake.users(account) == {lead_name}
    assert not slurm_account_sync(project_id=world.project.pk, scheduler=fake).changed
