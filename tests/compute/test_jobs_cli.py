"""`laif jobs submit|list|show|logs|cancel` through the REST API (fake scheduler)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper
from rich.console import Console

from laif.accounts import services as account_services
from laif.accounts.audit import Actor
from laif.cli import main
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import jobs_dir
from laif.jobs.files import job_output
from laif.jobs.models import Job, JobState
from tests.cli_support import run_cli
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]


@pytest.fixture
def token(world: World, settings: SettingsWrapper) -> str:
    settings.ALLOWED_HOSTS = ["localhost"]
    _row, secret = account_services.api_token_create(
        actor=Actor.of(world.project_lead), user=world.project_lead, name="cli")
    return secret


def test_jobs_from_the_command_line(world: World, fake: FakeScheduler, token: str,
                                    tmp_path_factory: pytest.TempPathFactory,
                                    settings: SettingsWrapper) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    script = tmp_path_factory.mktemp("s") / "job.sh"
    script.write_text("#!/bin/bash\necho hi\n")
    result = run_cli(["jobs", "submit", str(world.project.pk), "--name", "first", "--script",
                      str(script), "--gpus", "2", "--time", "30"], token)
    assert result.exit_code == 0, result.output
    job = Job.objects.get(name="first")
    assert f"job {job.pk} pending" in result.output
    assert fake.submitted[0].script == "#!/bin/bash\necho hi\n"

    result = run_cli(["jobs", "submit", str(world.project.pk), "--template", "array"], token)
    assert result.exit_code == 0, result.output

    fake.set_state(job.scheduler_id, reason="AssocGrpGRESMinutes")
    settings.LAIF_JOB_STATE_MAX_AGE = 0  # read again at once (states are kept 10 s by default)
    result = run_cli(["jobs", "list", "--project", str(world.project.pk)], token)
    assert result.exit_code == 0, result.output
    assert "2 jobs" in result.output
    assert "spent" in result.output

    result = run_cli(["jobs", "show", str(job.pk)], token)
    assert "the project's GPU budget is spent" in result.output
    assert "worst_case_gpu_minutes: 60" in result.output

    workdir = jobs_dir() / str(job.pk)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "output.txt").write_text("epoch 1 loss 0.5\n")
    result = run_cli(["jobs", "logs", str(job.pk)], token)
    assert result.stdout == "epoch 1 loss 0.5\n" == job_output(job).text

    result = run_cli(["jobs", "cancel", str(job.pk)], token)
    assert result.exit_code == 0, result.output
    assert f"job {job.pk} cancelled" in result.output
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED


def test_jobs_refusals_are_shown(world: World, fake: FakeScheduler, token: str) -> None:
    result = run_cli(["jobs", "submit", str(world.project.pk), "--template", "array"], token)
    assert result.exit_code == 1
    assert "no GPU allocation" in result.output
    result = run_cli(["jobs", "submit", str(world.project.pk)], token)
    assert result.exit_code == 2
    result = run_cli(["jobs", "show", "999999"], token)
    assert result.exit_code == 1
    assert "404" in result.output


def test_jobs_list_never_cuts_a_state_at_80_columns(world: World, fake: FakeScheduler,
                                                    token: str) -> None:
    """At the width of a plain terminal (80 columns), a long name, project and reason wrap; the
    id and the state are shown whole (the list cut "confirming" to "confi…" before)."""
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    fake.available = False
    job = submit_job(world.project, world.project_lead, today=None,
                     name="fine-tune a very long model name " * 2)
    Job.objects.filter(pk=job.pk).update(state=JobState.CONFIRMING)
    with mock.patch.object(main, "console", Console(width=80)):
        result = run_cli(["jobs", "list"], token)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, result.output
    row = next(line for line in lines if line.startswith(f"│ {job.pk} "))
    assert " confirming " in row, result.output
    assert "…" not in result.output
