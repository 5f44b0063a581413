"""The scheduler adapters: the fake, the embedded local runner, Slurm's output parsing, and the
account reconciliation (with the fake)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import AuditEntry
from laif.cluster.scheduler import base, runner
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.scheduler.local import LocalScheduler
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.scheduler.slurm_output import (
    parse_account_usage,
    parse_gpu_minutes,
    parse_sacct,
    parse_squeue,
    slurm_state,
)
from laif.cluster.selectors import get_scheduler, use_scheduler
from laif.jobs.accounts_sync import (
    headroom_gpu_minutes,
    slurm_account_name,
    slurm_account_sync,
)
from tests.compute.support import TODAY, review, submit
from tests.factories import World

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
UID = 290_001  # no one's: the local executor runs the tests' jobs as this uid when root


def _spec(workdir: Path, script: str, **changes: object) -> base.JobSpec:
    values: dict[str, object] = {
        "name": "test", "script": script, "account": "acct", "username": "u", "uid": UID,
        "gid": UID, "workdir": workdir, "time_limit_minutes": 1, **changes,
    }
    return base.JobSpec(**values)  # type: ignore[arg-type]


def _wait(sched: LocalScheduler, job_id: str, timeout: float = 10) -> base.JobStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = sched.status([job_id])[job_id]
        if status.finished or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


# ----------------------------------------------------------------------------------- local


def _running(pid: str, timeout: float = 5) -> bool:
    """Whether the process still runs after ``timeout`` (a zombie waiting for its parent to
    collect it does not run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = (Path("/proc") / pid / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


def test_local_runs_the_script_and_captures_its_output(tmp_path: Path) -> None:
    sched = LocalScheduler(tmp_path)
    job_id = sched.submit(_spec(tmp_path / "1", "echo hello; echo gpus=$CUDA_VISIBLE_DEVICES\n"))
    assert job_id == "1"
    status = _wait(sched, job_id)
    assert status.state == base.COMPLETED
    assert status.exit_code == 0
    assert status.started_at is not None
    assert status.ended_at is not None
    assert sched.output(tmp_path / "1", uid=UID).text == "hello\ngpus=\n"


def test_local_reports_failure_and_array_tasks(tmp_path: Path) -> None:
    sched = LocalScheduler(tmp_path)
    failed = sched.submit(_spec(tmp_path / "f", "exit 3\n"))
    array = sched.submit(_spec(tmp_path / "a", "echo task $SLURM_ARRAY_TASK_ID\n", array_size=3))
    status = _wait(sched, failed)
    assert (status.state, status.exit_code) == (base.FAILED, 3)
    assert _wait(sched, array).state == base.COMPLETED
    output = sched.output(tmp_path / "a", uid=UID).text
    assert output.index("task 0") < output.index("task 1") < output.index("task 2")


def test_local_cancels_a_running_job(tmp_path: Path) -> None:
    sched = LocalScheduler(tmp_path)
    job_id = sched.submit(_spec(tmp_path / "c", "echo $$ > task.pid\nsleep 30\n"))
    assert sched.status([job_id])[job_id].state == base.RUNNING
    deadline = time.monotonic() + 10
    while not (tmp_path / "c" / "task.pid").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sched.cancel(job_id)
    assert _wait(sched, job_id).state == base.CANCELLED
    assert not _running((tmp_path / "c" / "task.pid").read_text().strip())  # not only the runner
    assert sched.status(["nope", "../x", ".runner"]) == {}


def test_the_runner_stops_a_task_past_its_time_limit_with_what_it_left(tmp_path: Path) -> None:
    workdir, state = tmp_path / "job", tmp_path / "state"
    workdir.mkdir()
    state.mkdir()
    (workdir / "job.sh").write_text("sleep 100 &\necho $! > left.pid\nsleep 100\n")
    (state / "spec.json").write_text(json.dumps({
        "workdir": str(workdir), "uid": None, "gid": None, "tasks": [None],
        "time_limit_seconds": 1, "grace_seconds": 1, "env": {"PATH": "/usr/bin:/bin"}}))
    started = time.monotonic()
    subprocess.run([sys.executable, "-I", runner.__file__, str(state)], timeout=30, check=True)
    assert time.monotonic() - started < 10
    assert (state / "exit_code").read_text() == str(runner.TIMEOUT_EXIT)
    assert not _running((workdir / "left.pid").read_text().strip())


def test_local_refuses_more_gpus_than_the_machine_has(tmp_path: Path) -> None:
    with pytest.raises(base.SubmitRefused, match="GPUs"):
        LocalScheduler(tmp_path).submit(_spec(tmp_path / "g", "true\n", gpus=10_000))
    assert LocalScheduler(tmp_path).usage("acct") is None


def test_executor_setting_selects_the_scheduler(tmp_path: Path) -> None:
    with override_settings(LAIF_EXECUTOR="slurm"):
        assert isinstance(get_scheduler(), SlurmScheduler)
    with override_settings(LAIF_EXECUTOR="local", LAIF_JOBS_DIR=tmp_path):
        assert isinstance(get_scheduler(), LocalScheduler)
        fake = FakeScheduler()
        with use_scheduler(fake):
            assert get_scheduler() is fake


# ------------------------------------------------------------------------------ slurm parsing


def test_slurm_states_and_limits_are_parsed() -> None:
    assert slurm_state("CANCELLED by 0") == base.CANCELLED
    assert slurm_state("OUT_OF_MEMORY") == base.FAILED
    assert slurm_state("WEIRD") == base.UNKNOWN
    assert parse_gpu_minutes("cpu=10,gres/gpu=600") == 600
    assert parse_gpu_minutes("gres/gpu:h200=5") is None
    assoc = (
        "ClusterName=laif Account=p UserName=u(1001) Partition= Priority=0 ID=4\n"
        "    GrpTRESMins=cpu=N(0),gres/gpu=N(3)\n"
        "    GrpTRESRunMins=cpu=N(0),gres/gpu=N(1)\n"
        "ClusterName=laif Account=p UserName= Partition= Priority=0 ID=3\n"
        "    GrpTRESMins=cpu=N(0),gres/gpu=10(7),gres/gpu:h200=N(7)\n"
        "    GrpTRESRunMins=cpu=N(4),gres/gpu=N(45),gres/gpu:h200=N(45)\n"
    )
    assert parse_account_usage(assoc, "p") == base.AccountUsage(used_minutes=7,
                                                               running_minutes=45)
    # an account the controller has no association of has used nothing
    none = "Current Association Manager state\n\nNo associations currently cached in Slurm.\n"
    assert parse_account_usage(none, "p") == base.AccountUsage(0, 0)
    # the account is there but its GPU figures cannot be read: refused, never read as 0
    for broken in (assoc.replace("gres/gpu=", "gres/gpux="), assoc.replace("RunMins", "Run")):
        with pytest.raises(base.SchedulerError, match="no GPU usage"):
            parse_account_usage(broken, "p")


def test_squeue_json_gives_the_pending_reason_and_array_state() -> None:
    pending = json.loads((FIXTURES / "squeue_pending_budget.json").read_text())
    status = parse_squeue(pending, ["12"])["12"]
    assert (status.state, status.reason) == (base.PENDING, "AssocGrpGRESMinutes")
    array = json.loads((FIXTURES / "squeue_array.json").read_text())
    assert parse_squeue(array, ["13"])["13"].state == base.RUNNING
    assert parse_squeue(array, ["999"]) == {}


def test_sacct_json_gives_final_states() -> None:
    data = json.loads((FIXTURES / "sacct_states.json").read_text())
    found = parse_sacct(data, ["9", "10", "11"])
    assert found["9"].state == base.FAILED
    assert found["9"].exit_code is None  # 22.05 says 0 for a failed job: not trusted
    assert found["10"].state == base.TIMEOUT
    assert found["11"].state == base.CANCELLED
    array = json.loads((FIXTURES / "sacct_array.json").read_text())
    master = str(next(j["array"]["job_id"] for j in array["jobs"] if j["array"]["job_id"]))
    assert parse_sacct(array, [master])[master].state in base.STATES


def test_slurm_commands_missing_mean_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    sched = SlurmScheduler(timeout=5)
    with pytest.raises(base.SchedulerUnavailable):
        sched.status(["1"])
    with pytest.raises(base.SchedulerUnavailable):
        sched.ensure_account("acct", 60, tag=base.AccountTag("laif", "laif project acct x"))


# ------------------------------------------------------------------------------ reconciliation


def test_account_sync_is_idempotent_and_follows_grant_and_members(world: World) -> None:
    fake = FakeScheduler()
    project = world.project
    assert headroom_gpu_minutes(project.pk, TODAY) == 0
    review(submit(project, world.project_lead, requested_gpu_hours=100), world.reviewer,
           "approve")
    first = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=fake)
    assert first.changed
    assert first.gpu_minutes_limit == 100 * 60
    account = fake.accounts[slurm_account_name(project)]
    assert account.gpu_minutes_limit == 6000
    lead_name = world.project_lead.cluster_identity.username
    assert account.users == {lead_name}
    audits = AuditEntry.objects.filter(action="compute.scheduler_account_synced").count()

    again = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=fake)
    assert not again.changed
    assert AuditEntry.objects.filter(action="compute.scheduler_account_synced").count() == audits

    account_services.project_member_add(
        access=access_for(world.project_lead), actor=Actor.of(world.project_lead),
        project_id=project.pk, user_id=world.member.pk)
    third = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=fake)
    assert third.changed
    assert world.member.cluster_identity.username in account.users


def test_account_sync_when_scheduler_is_down(world: World) -> None:
    fake = FakeScheduler()
    fake.available = False
    with pytest.raises(base.SchedulerUnavailable):
        slurm_account_sync(project_id=world.project.pk, today=TODAY, scheduler=fake)


def test_a_grant_enqueues_the_slurm_sync(world: World,
                                         django_capture_on_commit_callbacks: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from laif.jobs.accounts_sync import slurm_account_sync_task

    with override_settings(LAIF_EXECUTOR="slurm"), \
            django_capture_on_commit_callbacks(execute=True):
        review(submit(world.project, world.project_lead, requested_gpu_hours=10),
               world.reviewer, "approve")
    queued = DBTaskResult.objects.filter(task_path__endswith="slurm_account_sync_task")
    assert queued.count() == 1
    fake = FakeScheduler()
    with use_scheduler(fake):
        assert slurm_account_sync_task.call(world.project.pk) is True
    with django_capture_on_commit_callbacks(execute=True):  # local executor: nothing to sync
        review(submit(world.project, world.project_lead, requested_gpu_hours=10),
               world.reviewer, "approve")
    assert queued.count() == 1
