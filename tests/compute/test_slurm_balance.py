"""The balance against the real Slurm test cluster: job states are asked by their ids only, and
the account's limit lets a grant run whole whatever the account used before (issue 16, points 7
and 10)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from laif.accounts.models import Project, User
from laif.allocations.models import Allocation
from laif.cluster.scheduler import base
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from tests.compute.support import TODAY
from tests.compute.test_slurm_scheduler import _spec, _until_finished, jobs_root, team
from tests.slurm_support import CLUSTER, slurm, slurm_scheduler

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]


def _limit(account: str) -> int:
    shown = slurm("sacctmgr", "-n", "-P", "show", "assoc", "where", f"account={account}",
                  "format=User,GrpTRESMins")
    [row] = [line.split("|") for line in shown.splitlines() if line.split("|")[0] == ""]
    return int(row[1].removeprefix("gres/gpu="))


def _until(sched: SlurmScheduler, job_id: str, state: str, timeout: float = 30) -> base.JobStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = sched.status([job_id]).get(job_id)
        if status is not None and status.state == state:
            return status
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} not {state} after {timeout} s: {status}")
        time.sleep(0.5)


def test_job_states_are_asked_by_their_ids_only(
        team: tuple[Project, User, User], jobs_root: Path, tmp_path: Path) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    first = sched.submit(_spec(project, lead, jobs_root / "a", script="#!/bin/bash\nsleep 3\n"))
    second = sched.submit(_spec(project, lead, jobs_root / "b", array_size=2))
    # a command put before the cluster's prefix logs each Slurm command and its arguments
    wrapper, log = tmp_path / "log-calls", tmp_path / "calls.log"
    wrapper.write_text(f'#!/bin/bash\necho "${{@:{len(CLUSTER.prefix) + 1}}}" >> {log}\n'
                       'exec "$@"\n')
    wrapper.chmod(0o755)
    logged = slurm_scheduler(30, before=[str(wrapper)])
    found = logged.status([first, second])
    assert found[first].state in {base.PENDING, base.RUNNING, base.COMPLETED}
    assert found[second].state in {base.PENDING, base.RUNNING, base.COMPLETED}
    calls = log.read_text().splitlines()
    assert calls[0].startswith("squeue ")
    assert f"-j {first},{second}" in calls[0]
    assert "--json" not in calls[0]  # 22.05's --json ignores -j: the whole cluster
    assert _until_finished(sched, first).state == base.COMPLETED
    assert _until_finished(sched, second).state == base.COMPLETED


def test_a_grant_runs_whole_whatever_the_account_used_before(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, _member = team
    account = slurm_account_name(project)
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert _limit(account) == 6_000
    # a run of 1 GPU for a little over a minute: Slurm counts it against the account
    ran = sched.submit(_spec(project, lead, jobs_root / "before", time_limit_minutes=3,
                             script="#!/bin/bash\nsleep 65\n"))
    _until(sched, ran, base.RUNNING)
    running = sched.usage(account)
    assert running is not None
    assert running.running_minutes >= 1  # what it may still use
    # a sync while it runs never takes the running job's time away
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert _limit(account) >= running.used_minutes + running.running_minutes
    assert _until_finished(sched, ran, timeout=120).state == base.COMPLETED
    used = sched.usage(account)
    assert used is not None
    assert used.used_minutes >= 1
    assert used.running_minutes == 0

    # the project's grant is now 1 GPU-hour, none of it used by the platform's ledger: a job of
    # 1 GPU x 60 minutes must start (with a limit of the grant alone, the minute used before
    # would keep it waiting on AssocGrpGRESMinutes for ever)
    Allocation.objects.filter(project=project).update(granted_gpu_hours=1)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert _limit(account) == used.used_minutes + 60
    whole = sched.submit(_spec(project, lead, jobs_root / "whole", time_limit_minutes=60,
                               script="#!/bin/bash\nsleep 30\n"))
    _until(sched, whole, base.RUNNING)
    sched.cancel(whole)
    # one minute more does not fit: Slurm refuses it or keeps it waiting on the account's limit
    try:
        over = sched.submit(_spec(project, lead, jobs_root / "over", time_limit_minutes=61))
    except base.SubmitRefused:
        return
    deadline = time.monotonic() + 60
    status = _until(sched, over, base.PENDING)
    while "AssocGrpGRES" not in status.reason and time.monotonic() < deadline:
        time.sleep(1)  # "Resources" while the cancelled job's node frees; then the limit
        status = _until(sched, over, base.PENDING)
    sched.cancel(over)
    assert "AssocGrpGRES" in status.reason
