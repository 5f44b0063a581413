"""A job's files on the real Slurm test cluster, through the platform: the script reaches sbatch on
its standard input (no file in the job's directory) and the output lands in the job's directory,
written by Slurm as the person; hostile output files are not shown; a requeued job keeps the
output of each run."""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from laif.accounts.models import ClusterIdentity, Project, UidCounter, User
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.jobs import state as job_state
from laif.jobs.accounts_sync import slurm_account_name
from laif.jobs.models import Job, JobState
from tests.api_support import Api
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_jobs import slurm_jobs
from tests.compute.test_slurm_scheduler import jobs_root
from tests.factories import add_member, create_project, sign_up
from tests.slurm_support import CLUSTER, drop_account, ensure_unix_user, slurm

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "slurm_jobs"]

SECRET = "root-secret-canary-51d2"
HOSTILE = """#!/bin/bash
echo "visible as $(id -un)"
ln -s /proc/self/environ output-1.txt
ln -s /dev/zero output-2.txt
mkfifo output-3.txt
truncate -s 10G output-4.txt
echo "end as $(id -un)" >> output-4.txt
mkdir output-5.txt
ln -s {secret} output-6.txt
"""


@pytest.fixture
def owner() -> Iterator[tuple[Project, User]]:
    """A project and its lead with a Unix user of their own (a name no other test module uses,
    so that tests running at the same time on the shared cluster do not replace it)."""
    UidCounter.objects.update_or_create(pk=1, defaults={"next_uid": random.randint(300_000,
                                                                                   900_000)})
    org, _admin = sign_up()
    lead = add_member(org, first_name="Fay", last_name="Jobfiles")
    project = create_project(org, f"job files {random.randint(0, 10**9)}", lead=lead)
    identity = ClusterIdentity.objects.get(user=lead)
    ensure_unix_user(identity.username, identity.uid)
    grant(project, lead, 10, today=timezone.localdate())
    try:
        yield project, lead
    finally:
        drop_account(slurm_account_name(project))


def _until(job: Job, states: set[str], timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while job.state not in states:
        assert time.monotonic() < deadline, f"job {job.pk} still {job.state}"
        time.sleep(0.3)
        job_state.job_refresh([job], fresh=True)
    return job


def _logs(api_as: Callable[[Any], Api], user: User, job: Job) -> dict[str, Any]:
    response = api_as(user).get(f"/api/compute/jobs/{job.pk}/logs")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_hostile_output_files_of_a_slurm_job_are_not_shown(
        owner: tuple[Project, User], slurm_jobs: SlurmScheduler, jobs_root: Path,
        api_as: Callable[[Any], Api]) -> None:
    project, lead = owner
    secret = jobs_root.parent / f"secret-{os.getpid()}.txt"
    secret.write_text(SECRET)
    secret.chmod(0o600)
    try:
        job = submit_job(project, lead, today=None, script=HOSTILE.format(secret=secret),
                         gpus=0, time_limit_minutes=1)
        assert job.state == JobState.PENDING, (job.state, job.reason)
        _until(job, {JobState.COMPLETED, JobState.FAILED})
        assert job.state == JobState.COMPLETED
        identity = ClusterIdentity.objects.get(user=lead)
        workdir = jobs_root / str(job.pk)
        assert not (workdir / "job.sh").exists()  # the script went on sbatch's standard input
        assert (workdir / "output.txt").stat().st_uid == identity.uid
        started = time.monotonic()
        data = _logs(api_as, lead, job)
        assert time.monotonic() - started < 10
    finally:
        secret.unlink()
    assert data["output"].endswith(f"\0end as {identity.username}\n")
    assert SECRET not in data["output"]
    environ = Path("/proc/self/environ").read_bytes().split(b"\0")
    assert not [e for e in environ if len(e) > 12 and e.decode(errors="replace") in data["output"]]
    for name in ("output-1.txt", "output-2.txt", "output-3.txt", "output-5.txt", "output-6.txt"):
        assert f"{name} is not a regular file of the job: not shown." in data["notes"]
    assert data["truncated"] is True  # the sparse 10 GB file: only its last megabyte was read
    assert len(data["output"]) <= 1_000_000


def test_a_requeued_slurm_job_keeps_the_output_of_each_run(
        owner: tuple[Project, User], slurm_jobs: SlurmScheduler,
        api_as: Callable[[Any], Api]) -> None:
    project, lead = owner
    job = submit_job(project, lead, today=None, gpus=0, time_limit_minutes=1,
                     script='#!/bin/bash\necho "run ${SLURM_RESTART_COUNT:-0} starts"\nsleep 4\n'
                            'echo "run ${SLURM_RESTART_COUNT:-0} ends"\n')
    _until(job, {JobState.RUNNING})
    deadline = time.monotonic() + 30
    while "run 0 starts" not in _logs(api_as, lead, job)["output"]:
        assert time.monotonic() < deadline
        time.sleep(0.3)
    slurm("scontrol", "requeue", job.scheduler_id)
    deadline = time.monotonic() + 60
    pending_since: float | None = None
    while "run 1 ends" not in _logs(api_as, lead, job)["output"]:
        assert time.monotonic() < deadline, (_logs(api_as, lead, job), slurm(
            "squeue", "-h", "-j", job.scheduler_id, "-o", "%T %r"))
        # a requeued job waits about two minutes before it may start again: not in a test. Only
        # once its first run is cleaned up (PENDING, no longer COMPLETING) and the second in which
        # the node revoked its credential is over: a credential made in that very second counts
        # as revoked, and Slurm kills the job as "non-startable batch job: Job credential
        # revoked" (a FAILED job; seen once in CI when it was started as soon as it was PENDING).
        if slurm("squeue", "-h", "-j", job.scheduler_id, "-o", "%T").strip() == "PENDING":
            pending_since = pending_since or time.monotonic()
            if time.monotonic() - pending_since >= 3:
                subprocess.run([*CLUSTER.prefix, "scontrol", "update",
                                f"JobId={job.scheduler_id}", "StartTime=now"],
                               capture_output=True, timeout=30, check=False)
        time.sleep(1)
    output = _logs(api_as, lead, job)["output"]
    assert output.index("run 0 starts") < output.index("DUE TO JOB REQUEUE") \
        < output.index("run 1 starts") < output.index("run 1 ends")


def test_a_script_with_windows_line_endings_runs_on_slurm_and_the_person_is_told(
        owner: tuple[Project, User], slurm_jobs: SlurmScheduler,
        api_as: Callable[[Any], Api]) -> None:
    project, lead = owner
    script = '#!/bin/bash\r\nword="crlf"\r\necho "$word-ok $(id -un)"\r\n'
    response = api_as(lead).post(f"/api/projects/{project.pk}/jobs", {
        "name": "from windows", "script": script, "gpus": 0, "time_limit_minutes": 1})
    assert response.status_code == 201, response.content
    assert response.json()["notes"] == [
        "The script's Windows line endings (CR LF) were made Unix ones (LF), as bash needs."]
    job = Job.objects.get(pk=response.json()["id"])
    assert "\r" not in job.script
    _until(job, {JobState.COMPLETED, JobState.FAILED})
    identity = ClusterIdentity.objects.get(user=lead)
    assert job.state == JobState.COMPLETED
    output = _logs(api_as, lead, job)["output"]
    assert output == f"crlf-ok {identity.username}\n"  # no "$'\r': command not found"
