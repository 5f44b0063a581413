"""A training job registers its model from inside the job, with the token the platform gave it
(never a person's): its own project only, while the job lives, nowhere else in the API."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.test import Client
from django.utils import timezone

from laif.cluster.scheduler.fake import FakeScheduler
from laif.jobs.models import Job, JobState
from laif.jobs.tokens import AFTER_END
from tests.cli_support import run_cli
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World
from tests.registry.support import mlflow_zip, upload

__all__ = ["fake"]


def _as_job(token: str) -> Client:
    return Client(headers={"authorization": f"Bearer {token}"})


def _post(client: Client, project_id: int, name: str = "credit-scorer") -> object:
    return client.post(f"/api/projects/{project_id}/models/{name}/versions",
                       {"file": upload(mlflow_zip())})


def test_the_job_registers_with_its_own_token_and_nothing_else(
        world: World, fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead)
    env = fake.submitted[-1].env
    assert env["LAIF_PROJECT_ID"] == str(world.project.pk)
    token = env["LAIF_JOB_TOKEN"]
    assert token.startswith("laifjob_")
    assert env["LAIF_URL"]

    done = _post(_as_job(token), world.project.pk)
    assert done.status_code == 201, done.content  # type: ignore[attr-defined]
    out = done.json()  # type: ignore[attr-defined]
    assert out["by_job"] is True
    assert out["training"]["job_id"] == job.pk
    assert out["registered_by"] == f"job {job.pk} of {world.project_lead.email}"

    # another project, another endpoint, a forged token: nothing
    assert _post(_as_job(token), world.other_project.pk).status_code == 404  # type: ignore[attr-defined]
    assert _as_job(token).get(f"/api/projects/{world.project.pk}/models").status_code == 401
    assert _as_job(token).get("/api/me").status_code == 401
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert _post(_as_job(forged), world.project.pk).status_code == 401  # type: ignore[attr-defined]

    # the job ended: a little longer, then no more
    Job.objects.filter(pk=job.pk).update(state=JobState.COMPLETED,
                                         ended_at=timezone.now() - timedelta(minutes=5))
    assert _post(_as_job(token), world.project.pk).status_code == 201  # type: ignore[attr-defined]
    Job.objects.filter(pk=job.pk).update(
        ended_at=timezone.now() - AFTER_END - timedelta(minutes=1))
    assert _post(_as_job(token), world.project.pk).status_code == 401  # type: ignore[attr-defined]


def test_the_cli_inside_a_job_uses_the_job_token_and_the_datasets_it_was_given(
        world: World, fake: FakeScheduler, tmp_path: Path) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead)
    env = fake.submitted[-1].env
    model = tmp_path / "model.zip"
    model.write_bytes(mlflow_zip())
    job_env = {"LAIF_JOB_TOKEN": env["LAIF_JOB_TOKEN"], "LAIF_PROJECT_ID": env["LAIF_PROJECT_ID"],
               "LAIF_DATASET_NOTHING": ""}
    with mock.patch.dict(os.environ, job_env):
        # no person's token at all: the job's is enough
        result = run_cli(["models", "register", "credit-scorer", "--file", str(model),
                          "--metric", "auc=0.91", "--param", "optimiser=adam",
                          "--code-ref", "git:abc123"], token="")
    assert result.exit_code == 0, result.output
    assert f"Trained by job {job.pk}" in result.output
    from laif.registry.models import ModelVersion

    version = ModelVersion.objects.get()
    assert (version.by_job, version.metrics, version.params, version.code_ref) == (
        True, {"auc": 0.91}, {"optimiser": "adam"}, "git:abc123")
