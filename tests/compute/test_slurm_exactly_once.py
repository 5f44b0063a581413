"""Exactly once on the real Slurm test cluster when sbatch's answer is lost: an sbatch that
submits the job but answers after the platform's client timeout (a wrapper first on PATH), and
one that never reaches slurmctld at all. Either way the cluster ends with one job for the
platform's job, recorded with its id."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from laif.accounts.models import Project, User
from laif.cluster.selectors import use_scheduler
from laif.jobs import services as jobs
from laif.jobs import state as job_state
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from laif.jobs.dispatch import job_tag
from laif.jobs.models import Job, JobState
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_scheduler import jobs_root, team
from tests.slurm_support import CLUSTER, slurm, slurm_scheduler

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]

SCRIPT = "#!/bin/bash\necho once\n"
CLIENT_TIMEOUT = 6


@pytest.fixture
def late_sbatch(tmp_path: Path) -> Path:
    """A command put before the cluster's own prefix (``command_prefix``: the platform runs every
    Slurm command through it) that runs the real sbatch, then answers only after the platform's
    client timeout (``exec sleep``: the platform kills it, as it would a stuck sbatch); every
    other command runs at once. Its ``mode`` file: "late" (that), "drop" (never calls the real
    sbatch, then hangs), "direct" (the real sbatch, answering at once)."""
    (tmp_path / "mode").write_text("late")
    wrapper = tmp_path / "late"
    wrapper.write_text(
        "#!/bin/bash\n"
        f'command=${{@:{len(CLUSTER.prefix) + 1}:1}}\n'
        'if [ "$command" != sbatch ]; then exec "$@"; fi\n'
        f'mode=$(cat {tmp_path}/mode)\n'
        'if [ "$mode" = direct ]; then exec "$@"; fi\n'
        'if [ "$mode" = late ]; then "$@" || exit $?; fi\n'
        "exec sleep 120\n")
    wrapper.chmod(0o755)
    return tmp_path


def _slurm_jobs_of(account: str) -> set[str]:
    """The ids of every job slurmctld holds for the account, finished ones included."""
    out = slurm("squeue", "-h", "-a", "-t", "all", "-A", account, "-o", "%F")
    return {line.strip() for line in out.splitlines() if line.strip()}


def _settle(job: Job, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        job_state.job_refresh([job], fresh=True)
        if job.is_finished:
            return
        assert time.monotonic() < deadline, f"job {job.pk} still {job.state}"
        time.sleep(0.5)


def test_an_answer_after_the_client_timeout_leaves_one_job(
        team: tuple[Project, User, User], jobs_root: Path, late_sbatch: Path) -> None:
    project, lead, _member = team
    grant(project, lead, 10, today=timezone.localdate())
    account = slurm_account_name(project)
    with override_settings(LAIF_JOBS_DIR=jobs_root):
        slurm_account_sync(project_id=project.pk, scheduler=slurm_scheduler(30))
        started = time.monotonic()
        with use_scheduler(slurm_scheduler(CLIENT_TIMEOUT, before=[str(late_sbatch / "late")])):
            job = submit_job(project, lead, today=None, script=SCRIPT, gpus=1,
                             time_limit_minutes=1)
        assert time.monotonic() - started >= CLIENT_TIMEOUT  # sbatch did time out
        # the platform looked the job up by its tag and recorded it; later passes, with an
        # sbatch that answers, submit nothing more
        (late_sbatch / "mode").write_text("direct")
        with use_scheduler(slurm_scheduler(30, before=[str(late_sbatch / "late")])):
            assert jobs.job_recover_stuck() == []
            assert jobs.job_dispatch_queued() == 0
            assert job.state == JobState.PENDING, (job.state, job.queued_reason)
            assert job.submit_attempts == 1
            assert _slurm_jobs_of(account) == {job.scheduler_id}
            name = slurm("squeue", "-h", "-j", job.scheduler_id, "-t", "all", "-o", "%j")
            assert name.strip().startswith(f"{job_tag(job)}-")
            _settle(job)
    assert job.state == JobState.COMPLETED
    assert _slurm_jobs_of(account) == {job.scheduler_id}


def test_a_request_that_never_arrived_is_submitted_once_after_checking(
        team: tuple[Project, User, User], jobs_root: Path, late_sbatch: Path) -> None:
    project, lead, _member = team
    grant(project, lead, 10, today=timezone.localdate())
    account = slurm_account_name(project)
    (late_sbatch / "mode").write_text("drop")
    with override_settings(LAIF_JOBS_DIR=jobs_root):
        slurm_account_sync(project_id=project.pk, scheduler=slurm_scheduler(30))
        with use_scheduler(slurm_scheduler(CLIENT_TIMEOUT, before=[str(late_sbatch / "late")])):
            job = submit_job(project, lead, today=None, script=SCRIPT, gpus=0,
                             time_limit_minutes=1)
        assert job.state == JobState.CONFIRMING
        assert "did not answer" in job.queued_reason
        assert _slurm_jobs_of(account) == set()
        (late_sbatch / "mode").write_text("direct")
        with use_scheduler(slurm_scheduler(30, before=[str(late_sbatch / "late")])):
            assert jobs.job_dispatch_queued() == 0  # never submitted while unconfirmed
            assert jobs.job_recover_stuck() == []  # too early to say it never came
            Job.objects.filter(pk=job.pk).update(
                submitting_since=timezone.now() - timedelta(minutes=6))
            assert jobs.job_recover_stuck() == [(job.pk, "requeued")]
            job.refresh_from_db()
            assert job.state == JobState.PENDING
            assert job.submit_attempts == 2
            assert _slurm_jobs_of(account) == {job.scheduler_id}
            _settle(job)
    assert job.state == JobState.COMPLETED

