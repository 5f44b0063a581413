"""The Slurm scheduler against the real test cluster (deploy/slurm/cluster.sh): the account of a
project with its GPU-minute limit and members, jobs submitted as two different people of that
project, and a job past the limit refused by Slurm itself (the DenyOnLimit QOS)."""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import ClusterIdentity, Project, UidCounter, User
from laif.cluster.scheduler import base
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.services import project_tag
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from tests.compute.support import TODAY, review, submit
from tests.factories import add_member, create_project, sign_up, staff
from tests.slurm_support import (
    drop_account,
    ensure_unix_user,
    job_tempdir,
    record_state,
    slurm,
    slurm_json,
    slurm_scheduler,
    unavailable,
)

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]

JOB = 'echo "user=$(id -un) gpus=$CUDA_VISIBLE_DEVICES task=${SLURM_ARRAY_TASK_ID:-}"\n'


@pytest.fixture
def jobs_root() -> Iterator[Path]:
    if os.geteuid() != 0:
        unavailable("submitting jobs as other users (sbatch --uid) needs root")
    path = job_tempdir("laif-jobs-")
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def team() -> Iterator[tuple[Project, User, User]]:
    """A project with a lead and a member, both with Unix users for their cluster identities,
    and 100 GPU-hours granted; its Slurm account is removed afterwards."""
    UidCounter.objects.update_or_create(pk=1, defaults={"next_uid": random.randint(300_000, 900_000)})
    org, _admin = sign_up()
    lead = add_member(org, first_name="Lea", last_name="Slurm")
    member = add_member(org, first_name="Max", last_name="Slurm")
    project = create_project(org, f"slurm {random.randint(0, 10**9)}", lead=lead)
    account_services.project_member_add(access=access_for(lead), actor=Actor.of(lead),
                                        project_id=project.pk, user_id=member.pk)
    for user in (lead, member):
        identity = ClusterIdentity.objects.get(user=user)
        ensure_unix_user(identity.username, identity.uid)
    review(submit(project, lead, requested_gpu_hours=100), staff("reviewer"), "approve")
    try:
        yield project, lead, member
    finally:
        drop_account(slurm_account_name(project))


def _spec(project: Project, user: User, workdir: Path, **changes: object) -> base.JobSpec:
    identity = ClusterIdentity.objects.get(user=user)
    values: dict[str, object] = {
        "name": "laif-test", "script": "#!/bin/bash\n" + JOB, "account": slurm_account_name(project),
        "username": identity.username, "uid": identity.uid, "gid": identity.uid,
        "workdir": workdir, "gpus": 1, "time_limit_minutes": 2, **changes,
    }
    return base.JobSpec(**values)  # type: ignore[arg-type]


def _until_finished(sched: SlurmScheduler, job_id: str, timeout: float = 60) -> base.JobStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = sched.status([job_id]).get(job_id)
        if status is not None and status.finished:
            return status
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} not finished after {timeout} s: {status}")
        time.sleep(0.3)


def test_two_members_run_jobs_as_themselves_on_the_project_account(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, member = team
    sched = slurm_scheduler(30)
    first = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert first.changed
    assert first.gpu_minutes_limit == 6000
    assert not slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched).changed
    account = slurm_account_name(project)
    assoc = slurm("sacctmgr", "-n", "-P", "show", "assoc", "where", f"account={account}",
                  "format=User,GrpTRESMins,QOS,DefaultQOS")
    rows = {line.split("|")[0]: line.split("|")[1:] for line in assoc.splitlines()}
    assert rows[""] == ["gres/gpu=6000", "budget", "budget"]
    for user in (lead, member):
        assert rows[ClusterIdentity.objects.get(user=user).username][1:] == ["budget", "budget"]

    ids = {user.pk: sched.submit(_spec(project, user, jobs_root / str(user.pk)))
           for user in (lead, member)}
    for user in (lead, member):
        status = _until_finished(sched, ids[user.pk])
        assert status.state == base.COMPLETED, status
        identity = ClusterIdentity.objects.get(user=user)
        assert f"user={identity.username} gpus=" in sched.output(
            jobs_root / str(user.pk), uid=identity.uid).text
        username = identity.username
        # the accounting record: under the person's own user and the project's account
        deadline = time.monotonic() + 30
        while True:
            jobs = slurm_json("sacct", "--json", "-X", "-a", "-j", ids[user.pk])["jobs"]
            if jobs and record_state(jobs[-1]) == "COMPLETED":
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.5)
        assert jobs[-1]["user"] == username
        assert jobs[-1]["account"] == account
    assert sched.usage(account) is not None


def test_a_job_past_the_limit_is_refused_by_slurm(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    account = slurm_account_name(project)
    assert sched.ensure_account(account, 5, tag=project_tag(project))  # 5 GPU-minutes left
    with pytest.raises(base.SubmitRefused, match=r"(?i)qos|policy|limit"):
        sched.submit(_spec(project, lead, jobs_root / "big", gpus=2, time_limit_minutes=10))
    array = sched.submit(_spec(project, lead, jobs_root / "small", gpus=1,
                               time_limit_minutes=1, array_size=2))
    assert _until_finished(sched, array).state == base.COMPLETED
    output = sched.output(jobs_root / "small",
                          uid=ClusterIdentity.objects.get(user=lead).uid).text
    assert "task=0" in output
    assert "task=1" in output


def test_a_leaver_keeps_the_association_while_a_job_runs_then_loses_it(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    username = ClusterIdentity.objects.get(user=member).username
    spec = _spec(project, member, jobs_root / "long", name=f"laif-{project.pk}-long",
                 script="#!/bin/bash\nsleep 60\n")
    job_id = sched.submit(spec)
    # after a crash, the submission is recognised by its name and account
    assert sched.find(spec) == job_id
    assert sched.find(_spec(project, member, jobs_root / "x", name="laif-0-never")) is None

    account_services.project_member_remove(access=access_for(lead), actor=Actor.of(lead),
                                           project_id=project.pk, user_id=member.pk)
    result = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert result.removal_pending == [username]
    assert username in sched.users(slurm_account_name(project))

    sched.cancel(job_id)
    _until_finished(sched, job_id)
    deadline = time.monotonic() + 30
    while True:
        result = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
        if result.removed:
            break
        assert time.monotonic() < deadline, result
        time.sleep(1)
    assert result.removed == [username]
    assert sched.users(slurm_account_name(project)) == {
        ClusterIdentity.objects.get(user=lead).username}
    # the finished job stays in the accounting under the person who ran it
    assert slurm_json("sacct", "--json", "-X", "-a", "-j", job_id)["jobs"][-1]["user"] == username
