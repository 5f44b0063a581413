"""Jobs through the platform on the real Slurm test cluster: two people of one project submit GPU
jobs that run as themselves on the project's account; a submission made while slurmctld is
stopped is kept as queued and runs once after it restarts."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from laif.accounts.models import ClusterIdentity, Project, User
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.selectors import slurm_account_name, use_scheduler
from laif.jobs import state as job_state
from laif.jobs.dispatch import job_dispatch_task, job_tag
from laif.jobs.files import job_output
from laif.jobs.models import Job, JobState
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_scheduler import jobs_root, team
from tests.slurm_support import (
    cluster_up,
    record_state,
    slurm_json,
    slurm_scheduler,
    slurmctld_pid,
)

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]

SCRIPT = '#!/bin/bash\necho "user=$(id -un) gpus=$CUDA_VISIBLE_DEVICES"\n'


@pytest.fixture
def slurm_jobs(jobs_root: Path) -> Iterator[SlurmScheduler]:
    sched = slurm_scheduler(20)
    with override_settings(LAIF_JOBS_DIR=jobs_root), use_scheduler(sched):
        yield sched


def _until_finished(job: Job, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while not job.is_finished:
        assert time.monotonic() < deadline, f"job {job.pk} still {job.state}"
        time.sleep(0.3)
        job_state.job_refresh([job], fresh=True)
    return job


def _accounted(scheduler_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while True:
        found = slurm_json("sacct", "--json", "-X", "-a", "-j", scheduler_id)["jobs"]
        if found and record_state(found[-1]) == "COMPLETED":
            record: dict[str, object] = found[-1]
            return record
        assert time.monotonic() < deadline, found
        time.sleep(0.5)


def test_two_members_submit_gpu_jobs_through_the_platform(
        team: tuple[Project, User, User], slurm_jobs: SlurmScheduler) -> None:
    project, lead, member = team
    grant(project, lead, 10, today=timezone.localdate())
    # no account in Slurm yet: the first submission reconciles it, then submits
    submitted = [submit_job(project, user, today=None, script=SCRIPT, gpus=1,
                            time_limit_minutes=2) for user in (lead, member)]
    for job, user in zip(submitted, (lead, member), strict=True):
        assert job.state == JobState.PENDING, (job.state, job.reason)
        _until_finished(job)
        assert job.state == JobState.COMPLETED
        username = ClusterIdentity.objects.get(user=user).username
        assert f"user={username} gpus=" in job_output(job).text
        record = _accounted(job.scheduler_id)
        assert record["user"] == username
        assert record["account"] == slurm_account_name(project)


def test_a_submission_while_slurmctld_is_stopped_runs_once_after_restart(
        team: tuple[Project, User, User], slurm_jobs: SlurmScheduler) -> None:
    project, lead, _member = team
    grant(project, lead, 10, today=timezone.localdate())
    submit_job(project, lead, today=None, script=SCRIPT, gpus=1, time_limit_minutes=1)
    pid = slurmctld_pid()
    os.kill(pid, signal.SIGTERM)
    # long enough for sbatch to report the connect failure itself (about 9 s here): a client
    # timeout would leave the job confirming instead (its request may have been sent)
    impatient = use_scheduler(slurm_scheduler(15))
    impatient.__enter__()
    try:
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists():
            assert time.monotonic() < deadline, "slurmctld did not stop"
            time.sleep(0.2)
        job = submit_job(project, lead, today=None, name="while down", script=SCRIPT, gpus=1,
                         time_limit_minutes=1)
        assert job.state == JobState.QUEUED
        assert job.queued_reason
        assert job_dispatch_task.call(job.pk) == JobState.QUEUED
    finally:
        impatient.__exit__(None, None, None)
        cluster_up()
    assert job_dispatch_task.call(job.pk) == JobState.PENDING
    assert job_dispatch_task.call(job.pk) == JobState.PENDING
    job.refresh_from_db()
    _until_finished(job)
    assert job.state == JobState.COMPLETED
    # slurmdbd receives the records asynchronously: wait for this job's, then count them
    since = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    deadline = time.monotonic() + 30
    while True:
        named = [j for j in slurm_json("sacct", "--json", "-X", "-a", "-A",
                                       slurm_account_name(project),
                                       "-S", since, "-E", "now")["jobs"]
                 if j["name"].startswith(f"{job_tag(job)}-")]
        if named or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(named) == 1, named
