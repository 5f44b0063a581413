"""Exactly once when the scheduler's answer is lost (fake scheduler, and Slurm's commands faked
on PATH): a maybe-received submission is never sent again before the scheduler says, by the job's
tag, that it does not have it; what sbatch's failures mean; a queued or confirming job says when
it is tried again and how many attempts it took so far (page, list, API, CLI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict
from laif.accounts.models import User
from laif.cluster.models import Installation
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.scheduler.slurm import SlurmScheduler, command_env
from laif.jobs import dispatch
from laif.jobs import services as jobs
from laif.jobs.models import Job, JobState
from tests.api_support import Api
from tests.cli_support import run_cli
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]


@pytest.fixture
def granted(world: World) -> World:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    return world


def _age(job: Job, minutes: int) -> None:
    Job.objects.filter(pk=job.pk).update(
        submitting_since=timezone.now() - timedelta(minutes=minutes))


def test_a_late_answer_is_adopted_not_submitted_again(granted: World,
                                                      fake: FakeScheduler) -> None:
    fake.lose_answer = "accepted"
    job = submit_job(granted.project, granted.project_lead, today=None)
    # looked up at once by its tag, and found
    assert (job.state, job.scheduler_id) == (JobState.PENDING, "1001")
    fake.lose_answer = ""
    assert jobs.job_recover_stuck() == []
    assert jobs.job_dispatch_queued() == 0
    assert len(fake.submitted) == 1
    assert fake.submitted[0].tag == dispatch.job_tag(job)


def test_a_lost_request_is_submitted_again_only_once_the_scheduler_says_so(
        granted: World, fake: FakeScheduler,
        django_capture_on_commit_callbacks: Callable[..., object]) -> None:
    fake.lose_answer = "dropped"
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        job = submit_job(granted.project, granted.project_lead, today=None)
    assert job.state == JobState.CONFIRMING
    assert "did not answer" in job.queued_reason
    assert job.next_attempt_at is not None
    assert DBTaskResult.objects.filter(task_path__endswith="job_confirm_task").count() == 1
    fake.lose_answer = ""
    # never sent again while unconfirmed; its worst case stays reserved; it cannot be cancelled
    assert jobs.job_dispatch_queued() == 0
    assert jobs.job_dispatch(job_id=job.pk).state == JobState.CONFIRMING
    with pytest.raises(Conflict, match=r"1\.00 reserved"):
        submit_job(granted.project, granted.project_lead, today=None, gpus=4,
                   time_limit_minutes=1490)
    with pytest.raises(Conflict, match="confirming"):
        jobs.job_cancel(access=access_for(granted.project_lead),
                        actor=Actor.of(granted.project_lead), job_id=job.pk)
    # too early to say it never came; then the scheduler does not answer
    assert jobs.job_confirm(job_id=job.pk) == "waiting"
    _age(job, 6)
    fake.available = False
    assert jobs.job_recover_stuck() == []
    fake.available = True
    assert jobs.job_recover_stuck() == [(job.pk, "requeued")]
    assert jobs.job_recover_stuck() == []
    job.refresh_from_db()
    assert (job.state, job.submit_attempts, job.queued_reason) == (JobState.PENDING, 2, "")
    assert len(fake.submitted) == 1


def test_a_job_of_another_installation_with_the_same_id_is_not_adopted(
        granted: World, fake: FakeScheduler) -> None:
    fake.lose_answer = "dropped"
    job = submit_job(granted.project, granted.project_lead, today=None)
    fake.lose_answer = ""
    # what an earlier test database (job ids restart at 1) left on the same cluster
    mine = dispatch._spec(job)
    fake.specs["77"] = base.JobSpec(**{**mine.__dict__, "tag": f"laif-0badcafe-{job.pk}",
                                       "name": f"laif-0badcafe-{job.pk}-train"})
    assert len(Installation.objects.get().key) == 8
    assert Installation.objects.get().key != "0badcafe"
    _age(job, 6)
    assert jobs.job_confirm(job_id=job.pk) == "requeued"
    job.refresh_from_db()
    assert job.scheduler_id != "77"


def test_a_job_queued_says_when_it_is_tried_again(
        granted: World, fake: FakeScheduler, client_for: Callable[[User | None], Client],
        api_as: Callable[[User | None], Api], settings: SettingsWrapper) -> None:
    fake.available = False
    job = submit_job(granted.project, granted.project_lead, today=None)
    assert jobs.job_dispatch(job_id=job.pk).state == JobState.QUEUED
    job.refresh_from_db()
    assert job.submit_attempts == 2
    assert job.next_attempt_at is not None
    at = timezone.localtime(job.next_attempt_at).strftime("%H:%M:%S")
    lead = client_for(granted.project_lead)
    page = lead.get(reverse("compute_job", args=[job.pk])).content.decode()
    assert f"Next attempt at {at}; 2 attempts so far." in page
    listing = lead.get(reverse("compute_jobs", args=[granted.project.pk])).content.decode()
    assert f"Next attempt at {at}; 2 attempts so far." in listing
    body = api_as(granted.project_lead).get(f"/api/compute/jobs/{job.pk}").json()
    assert body["submit_attempts"] == 2
    assert body["next_attempt_at"] is not None
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    _row, token = account_services.api_token_create(
        actor=Actor.of(granted.project_lead), user=granted.project_lead, name="cli")
    shown = " ".join(run_cli(["jobs", "show", str(job.pk)], token).output.split())
    assert "next attempt at" in shown
    assert "2 attempts so far" in shown
    assert "submit_attempts: 2" in shown
    # a job being confirmed says so too
    fake.available = True
    fake.lose_answer = "dropped"
    confirming = submit_job(granted.project, granted.project_lead, today=None)
    page = lead.get(reverse("compute_job", args=[confirming.pk])).content.decode()
    assert "Being confirmed" in page
    assert "1 attempt to submit it so far" in page


# ------------------------------------------------------------ sbatch's answers, faked on PATH


def _fake_sbatch(directory: Path, body: str) -> None:
    for name in ("sbatch", "squeue", "sacct"):
        (directory / name).write_text("#!/bin/bash\nexit 0\n")
    (directory / "sbatch").write_text("#!/bin/bash\n" + body)
    for path in directory.iterdir():
        path.chmod(0o755)


def _spec(tmp_path: Path) -> base.JobSpec:
    return base.JobSpec(name="laif-abc-1-x", tag="laif-abc-1", script="#!/bin/bash\ntrue\n",
                        account="acct", username="u", uid=1, gid=1, workdir=tmp_path / "1")


@pytest.mark.parametrize(("body", "outcome"), [
    ("exec sleep 30\n", base.SubmitUncertain),  # timed out
    ('echo "sbatch: error: Batch job submission failed: Socket timed out on send/recv '
     'operation" >&2; exit 1\n', base.SubmitUncertain),
    ('echo "sbatch: error: slurm_receive_msg: Zero Bytes were transmitted or received" >&2;'
     " exit 1\n", base.SubmitUncertain),
    ("kill -9 $$\n", base.SubmitUncertain),
    ('echo "garbage"; exit 0\n', base.SubmitUncertain),
    ('echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller '
     '(connect failure)" >&2; exit 1\n', base.SchedulerUnavailable),
    ('echo "sbatch: error: Batch job submission failed: Invalid account or account/partition '
     'combination specified" >&2; exit 1\n', base.SubmitRefused),
])
def test_what_sbatch_failures_mean(body: str, outcome: type[Exception], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_sbatch(bin_dir, body)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(outcome):
        SlurmScheduler(timeout=2).submit(_spec(tmp_path))


def test_sbatch_runs_without_the_platforms_slurm_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_sbatch(bin_dir, f"env > {tmp_path}/env; echo 42\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    for name, value in {"SBATCH_GRES": "gpu:8", "SBATCH_ARRAY_INX": "0-99",
                        "SLURM_TIME_FORMAT": "relative", "SLURM_CONF": "/etc/slurm/x.conf",
                        "SQUEUE_FORMAT": "%i"}.items():
        monkeypatch.setenv(name, value)
    assert SlurmScheduler(timeout=5).submit(_spec(tmp_path)) == "42"
    seen = (tmp_path / "env").read_text()
    assert "SBATCH_" not in seen
    assert "SLURM_TIME_FORMAT" not in seen
    assert "SQUEUE_FORMAT" not in seen
    assert "SLURM_CONF=/etc/slurm/x.conf" in seen
    assert command_env()["PATH"].startswith(str(bin_dir))


def test_find_reads_squeue_then_the_accounting_by_tag_and_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_sbatch(bin_dir, "exit 1\n")
    (bin_dir / "squeue").write_text(
        "#!/bin/bash\necho '9|u|laif-abc-10-x'\necho '8|someone|laif-abc-1-x'\n")
    (bin_dir / "sacct").write_text(
        f"#!/bin/bash\necho \"$@\" > {tmp_path}/sacct-args; echo \"TZ=$TZ\" >> "
        f"{tmp_path}/sacct-args\necho '7_3|u|laif-abc-1-train'\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    since = timezone.now().replace(year=2026, month=12, day=1, hour=8, minute=0, second=0)
    assert SlurmScheduler(timeout=5).find(_spec(tmp_path), since=since) == "7"
    args = (tmp_path / "sacct-args").read_text()
    assert "-A acct -S 2026-12-01T08:00:00" in args
    assert "TZ=UTC" in args
