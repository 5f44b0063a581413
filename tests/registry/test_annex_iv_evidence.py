"""The AI Act's technical documentation (Annex IV) filled from the model registry: the version in
service and where it runs (point 1), its training job's GPU-hours and energy, the pseudonymised
release it was trained on and its code (point 2), its metrics (point 4), its versions and
deployment ledger (point 6); what is missing is a gap."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.govern import services as govern
from laif.jobs.models import Job, JobState
from laif.registry import services as registry
from laif.sandbox import releases
from laif.sandbox import services as sandbox
from laif.usage import services as ledger
from tests.api_support import client_as
from tests.compute.jobs_support import grant
from tests.factories import World
from tests.registry.support import approved, join_project, mlflow_zip
from tests.sandbox.data import csv_bytes, customers


@pytest.fixture
def low_floor(settings: Settings) -> None:
    settings.LAIF_SANDBOX_MIN_K = 1
    settings.LAIF_SANDBOX_MIN_L = 1


def _points(world: World, system: int, language: str = "en") -> dict[str, dict[str, Any]]:
    body = client_as(world.member).get(
        f"/api/ai-systems/{system}/annex-iv?language={language}").json()
    return {s["point"]: s for s in body["sections"]}


def _texts(section: dict[str, Any]) -> str:
    return " | ".join(f"{i['label']}: {i['text']}" for i in section["items"])


def test_the_registry_fills_annex_iv(world: World, low_floor: None) -> None:
    admin, lead = world.org_admin, world.project_lead
    join_project(world)
    system = govern.ai_system_register(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        name="Loan pre-screening", purpose="Scores applicants.", project_id=world.project.pk).pk
    before = _points(world, system)
    assert any("No model version registered" in g for g in before["Annex IV, point 2"]["gaps"])

    version = sandbox.dataset_upload(access=access_for(lead), actor=Actor.of(lead),
                                     project_id=world.project.pk, name="customers",
                                     src=io.BytesIO(csv_bytes(customers(40))),
                                     filename="customers.csv").version
    sandbox.classification_review(access=access_for(lead), actor=Actor.of(lead),
                                  version_id=version.pk, kinds={})
    released = releases.release_create(
        access=access_for(lead), actor=Actor.of(lead), version_id=releases.policy_set(
            access=access_for(lead), actor=Actor.of(lead), version_id=version.pk,
            rows=releases.policy_proposed(version)).pk, suppress=True)
    started = datetime(2026, 11, 20, 10, tzinfo=UTC)
    job = Job.objects.create(project=world.project, allocation=grant(world.project, lead),
                             submitted_by=lead, name="fine-tune", script="true", gpus=2,
                             time_limit_minutes=120, state=JobState.COMPLETED,
                             scheduler="local", started_at=started,
                             ended_at=started + timedelta(hours=3))
    ledger.usage_ingest_local(end=datetime(2026, 11, 21, tzinfo=UTC))
    v1 = registry.model_version_register(
        access=access_for(world.member), actor=Actor.of(world.member),
        project_id=world.project.pk, name="credit-scorer", src=io.BytesIO(mlflow_zip()),
        filename="model.zip", job_id=job.pk, datasets=[released.staged_name],
        code_ref="git:4df6efb", params={"max_depth": 6, "lr": 0.0003, "optimiser": "adam"},
        metrics={"auc": 0.912})
    approved(world, v1.pk)
    registry.deployment_record(access=access_for(lead), actor=Actor.of(lead),
                               model_id=v1.model_id, environment="production",
                               version_id=v1.pk, target="loans-api")

    points = _points(world, system)
    general = _texts(points["Annex IV, point 1"])
    assert "Model: credit-scorer: version 1, the champion; registered on" in general
    assert f"artefact SHA-256 {v1.sha256[:16]}" in general
    assert ("Where it runs: production (loans-api): version 1 since "
            in general)
    assert (f"approved by {lead.email}" in general)
    development = points["Annex IV, point 2"]
    texts = _texts(development)
    assert f"Training job: #{job.pk} fine-tune: 6.00 GPU-hours," in texts  # 2 GPUs x 3 h
    assert "kWh (estimated)" in texts
    assert (f"Trained on: customers version 1, pseudonymised release {released.staged_name} "
            f"(SHA-256 {released.output_sha256[:16]}), k-anonymity {released.k}") in texts
    assert "Code: git:4df6efb" in texts
    assert "Parameters: lr = 0.0003, max_depth = 6, optimiser = adam" in texts
    assert development["gaps"] == []
    assert "Metrics of credit-scorer version 1: auc = 0.912" in _texts(points["Annex IV, point 4"])
    changes = _texts(points["Annex IV, point 6"])
    assert "credit-scorer version 1 registered" in changes
    assert "credit-scorer deployed v1 in production (ledger line 1)" in changes

    fr = _points(world, system, "fr")
    assert "auc = 0,912" in _texts(fr["Annexe IV, point 4"])
    assert "6,00" in _texts(fr["Annexe IV, point 2"])
    assert "lr = 0,0003, max_depth = 6, optimiser = adam" in _texts(fr["Annexe IV, point 2"])


def test_what_the_registry_lacks_is_a_gap(world: World) -> None:
    admin = world.org_admin
    system = govern.ai_system_register(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        name="Loan pre-screening", purpose="Scores applicants.", project_id=world.project.pk).pk
    registry.model_version_register(
        access=access_for(admin), actor=Actor.of(admin), project_id=world.project.pk,
        name="credit-scorer", src=io.BytesIO(b"weights"), filename="model.safetensors")
    points = _points(world, system)
    gaps = " ".join(g for s in points.values() for g in s["gaps"])
    assert "Model credit-scorer has no champion" in gaps
    assert "No training job named for credit-scorer version 1." in gaps
    assert "No released dataset named for credit-scorer version 1." in gaps
    assert "No metric recorded for credit-scorer version 1." in gaps
    assert "No model version registered" not in gaps
    loose = govern.ai_system_register(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        name="Chatbot", purpose="Answers customers.").pk
    assert any("tied to no project" in g for g in _points(world, loose)["Annex IV, point 2"]["gaps"])
