"""A job's resources come from the platform only (fake scheduler): a script with scheduler
directives is refused, naming the line, in the service, the API, the form and the CLI, in English
and French; every resource reaches the scheduler explicitly (CPUs and memory from the partition);
the array throttle is a field of its own, and the budget still counts every task."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError
from laif.accounts.models import User
from laif.cluster.scheduler.base import SubmitRefused
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.scheduler.slurm import export_arg, sbatch_args
from laif.jobs import dispatch
from laif.jobs.models import Job
from tests.api_support import Api
from tests.cli_support import run_cli
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]
ClientFor = Callable[[User | None], Client]

SNEAKY = "#!/bin/bash\r\n# train\r\n#SBATCH --job-name=ok\r\n#SBATCH --gres=gpu:4\r\necho hi\r\n"


@pytest.fixture
def granted(world: World) -> World:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    return world


def test_a_script_with_directives_is_refused_naming_the_line(
        granted: World, fake: FakeScheduler) -> None:
    with pytest.raises(DomainError) as refused:
        submit_job(granted.project, granted.project_lead, today=None, script=SNEAKY, gpus=0)
    assert refused.value.field == "script"
    assert "Line 4 of the script gives the scheduler options itself: #SBATCH --gres=gpu:4." \
        in refused.value.message
    with translation.override("fr"), pytest.raises(DomainError) as refused:
        submit_job(granted.project, granted.project_lead, today=None,
                   script="#!/bin/bash\n#SBATCH -N 2\n#SBATCH --array=0-9%2\n#SBATCH -t 5\n")
    assert "La ligne 2 du script" in refused.value.message
    assert "#SBATCH -N 2" in refused.value.message
    assert "3, 4" in refused.value.message
    assert not Job.objects.exists()
    assert fake.submitted == []


def test_harmless_directives_pass_and_line_ends_are_unix(granted: World,
                                                        fake: FakeScheduler) -> None:
    job = submit_job(granted.project, granted.project_lead, today=None,
                     script="#!/bin/bash\r\n#SBATCH -J mine -o out.txt\r\necho hi\r\n")
    assert job.script == "#!/bin/bash\n#SBATCH -J mine -o out.txt\necho hi\n"
    assert fake.submitted[0].script == job.script


def test_every_resource_is_explicit_and_from_the_partition(
        granted: World, fake: FakeScheduler, settings: SettingsWrapper) -> None:
    job = submit_job(granted.project, granted.project_lead, today=None, gpus=2,
                     time_limit_minutes=30)
    spec = fake.submitted[0]
    assert (spec.gpus, spec.cpus, spec.memory_mb, spec.partition) == (2, 2, 8192, "gpu")
    assert spec.tag == dispatch.job_tag(job)
    assert spec.tag.endswith(f"-{job.pk}")
    assert spec.name == f"{spec.tag}-train"
    args = sbatch_args(spec)
    for option in ("--nodes=1", "--ntasks=1", "--cpus-per-task=2", "--mem=8192M",
                   "--gres=gpu:2", "--time=30", "--partition=gpu"):
        assert option in args
    # exactly the job's variables, valued: its id, its project, the platform and its token
    token = spec.env["LAIF_JOB_TOKEN"]
    assert f"--export=LAIF_JOB_ID={job.pk},LAIF_JOB_TOKEN={token},LAIF_PROJECT_ID=" \
        f"{granted.project.pk},LAIF_URL={settings.LAIF_SITE_URL}" in args
    assert not any(a.startswith("--array") for a in args)
    # a partition that says what a GPU comes with
    gpu = settings.LAIF_CLUSTER.partitions[0]
    settings.LAIF_CLUSTER = dataclasses.replace(settings.LAIF_CLUSTER, partitions=(
        dataclasses.replace(gpu, cpus_per_gpu=16, memory_gb_per_gpu=120),
        *settings.LAIF_CLUSTER.partitions[1:]))
    submit_job(granted.project, granted.project_lead, today=None, gpus=0, time_limit_minutes=5)
    cpu_only = fake.submitted[1]
    assert (cpu_only.gpus, cpu_only.cpus, cpu_only.memory_mb) == (0, 16, 120 * 1024)
    assert "--gres=none" in sbatch_args(cpu_only)


def test_the_job_environment_reaches_slurm_only_as_named_values() -> None:
    assert export_arg({}) == "--export=NONE"
    assert export_arg({"LAIF_JOB_ID": "7", "LAIF_DATASET_A_B": "/srv/r/p1/a.b-r2.parquet"}) == (
        "--export=LAIF_DATASET_A_B=/srv/r/p1/a.b-r2.parquet,LAIF_JOB_ID=7")
    # what sbatch would split, unquote, expand or copy from the platform's own environment
    for env in ({"LAIF_DATASET_X": "/srv/a,DATABASE_URL"}, {"LAIF_X": "/srv/'a'"},
                {"LAIF_X": '/srv/"a"'}, {"LAIF_X": "/srv/$HOME"}, {"LAIF_X": "/srv/a\nb"},
                {"LAIF_X": "/srv/a\\b"}, {"lower": "1"}, {"A=B": "1"}, {"": "1"},
                {"LAIF_X": "a\0b"}):
        with pytest.raises(SubmitRefused, match="cannot be passed to Slurm"):
            export_arg(env)


def test_the_array_throttle_is_a_field_and_every_task_still_counts(
        granted: World, fake: FakeScheduler) -> None:
    job = submit_job(granted.project, granted.project_lead, today=None, template="array")
    assert (job.array_size, job.array_throttle) == (4, 2)  # the template's defaults
    job = submit_job(granted.project, granted.project_lead, today=None, template="array",
                     array_size=1)
    assert (job.array_size, job.array_throttle) == (1, 1)
    job = submit_job(granted.project, granted.project_lead, today=None, array_size=10,
                     array_throttle=1, time_limit_minutes=60)
    assert fake.submitted[-1].array_throttle == 1
    assert "--array=0-9%1" in sbatch_args(fake.submitted[-1])
    assert job.worst_case_gpu_minutes == 600
    # 6,000 granted, 120 + 600 reserved: a throttle of 1 does not make 10 x 540 fit
    with pytest.raises(Conflict, match="5,400 GPU-minutes"):
        submit_job(granted.project, granted.project_lead, today=None, array_size=10,
                   array_throttle=1, time_limit_minutes=540)
    with pytest.raises(DomainError) as refused:
        submit_job(granted.project, granted.project_lead, today=None, array_size=3,
                   array_throttle=4)
    assert refused.value.field == "array_throttle"
    single = submit_job(granted.project, granted.project_lead, today=None, array_throttle=1)
    assert not any(a.startswith("--array") for a in sbatch_args(fake.submitted[-1]))
    assert single.array_size == 1


def test_the_api_refuses_directives_with_400_and_takes_the_throttle(
        granted: World, fake: FakeScheduler, api_as: Callable[[User | None], Api]) -> None:
    api = api_as(granted.project_lead)
    url = f"/api/projects/{granted.project.pk}/jobs"
    response = api.post(url, {"name": "x", "script": SNEAKY, "gpus": 0})
    assert response.status_code == 400
    assert response.json()["field"] == "script"
    assert "Line 4" in response.json()["detail"]
    response = api.post(url, {"name": "x", "script": "#!/bin/bash\necho\n", "gpus": 0,
                              "array_size": 5, "array_throttle": 2})
    assert response.status_code == 201, response.json()
    assert (response.json()["array_size"], response.json()["array_throttle"]) == (5, 2)
    templates = api.get("/api/compute/job-templates").json()
    assert {t["key"]: t["array_throttle"] for t in templates}["array"] == 2


def test_the_form_shows_the_refusal_on_the_script_and_takes_the_throttle(
        granted: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    lead = client_for(granted.project_lead)
    url = reverse("compute_job_new", args=[granted.project.pk])
    fields = {"name": "x", "template": "", "gpus": "0", "time_limit_minutes": "5",
              "partition": "gpu", "array_size": "3", "array_throttle": "1"}
    response = lead.post(url, {**fields, "script": SNEAKY})
    assert response.status_code == 200
    form = response.context["form"]
    assert "Line 4" in form.errors["script"][0]
    assert not Job.objects.exists()
    response = lead.post(url, {**fields, "script": "#!/bin/bash\necho hi\n"})
    assert response.status_code == 302
    assert Job.objects.get().array_throttle == 1


def test_the_cli_shows_the_refusal_and_takes_the_throttle(
        granted: World, fake: FakeScheduler, tmp_path_factory: pytest.TempPathFactory,
        settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    _row, token = account_services.api_token_create(
        actor=Actor.of(granted.project_lead), user=granted.project_lead, name="cli")
    script = tmp_path_factory.mktemp("s") / "job.sh"
    script.write_text("#!/bin/bash\n#SBATCH --exclusive [bold]\necho hi\n")
    base = ["jobs", "submit", str(granted.project.pk), "--script", str(script), "--gpus", "0"]
    result = run_cli(base, token)
    assert result.exit_code == 1
    shown = " ".join(result.output.split())  # the terminal wraps long lines
    assert "Line 2" in shown
    assert "#SBATCH --exclusive [bold]." in shown  # as written, not read as markup
    script.write_text("#!/bin/bash\necho hi\n")
    result = run_cli([*base, "--array", "4", "--throttle", "3"], token)
    assert result.exit_code == 0, result.output
    assert Job.objects.get().array_throttle == 3
