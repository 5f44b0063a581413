"""The model registry: a version's artefact stored encrypted, exported as an MLflow model
directory, checked offline against the platform's signature; lineage to the training job (its
GPU time from the ledger) and the released datasets; refusals."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from laif.accounts.models import AuditEntry
from laif.cli.models import check
from laif.jobs.models import Job, JobState
from laif.registry.models import ModelVersion
from laif.registry.tasks import SWEEP_AFTER_S, registry_sweep
from laif.usage import services as ledger
from tests.api_support import client_as
from tests.compute.jobs_support import grant
from tests.factories import World
from tests.registry.support import join_project, mlflow_zip, register, upload


def _zip_of(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_member_registers_an_mlflow_model_kept_encrypted_and_given_back_as_mlflow(
        world: World, registry_dir: Path) -> None:
    join_project(world)
    member = client_as(world.member)
    weights = b"\x80\x04" + b"W" * 5000
    out = register(member, world.project.pk, data=mlflow_zip(weights), code_ref="git:4df6efb",
                   params=json.dumps({"max_depth": 6, "criterion": "gini"}),
                   metrics=json.dumps({"auc": 0.912}))
    assert (out["number"], out["model"], out["imported_from_mlflow"]) == (1, "credit-scorer", True)
    assert out["flavors"] == ["python_function", "sklearn"]
    assert (out["params"], out["metrics"], out["code_ref"]) == (
        {"max_depth": 6, "criterion": "gini"}, {"auc": 0.912}, "git:4df6efb")
    assert out["registered_by"] == world.member.email
    assert out["by_job"] is False
    # at rest: encrypted, no byte of the weights in the clear
    stored = list(registry_dir.rglob("*.lenc"))
    assert len(stored) == 1
    assert b"W" * 64 not in stored[0].read_bytes()

    response = member.get(f"/api/model-versions/{out['id']}/artefact")
    assert response.status_code == 200
    data = _zip_of(response)
    assert hashlib.sha256(data).hexdigest() == out["sha256"]
    assert len(data) == out["size"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("model.pkl") == weights
        mlmodel = yaml.safe_load(zf.read("MLmodel"))
    assert mlmodel["run_id"] == "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"  # the user's own, kept
    assert mlmodel["flavors"]["sklearn"]["sklearn_version"] == "1.5.2"
    assert mlmodel["metadata"]["team"] == "risk"
    assert mlmodel["metadata"]["laif"]["project"] == world.project.code
    assert mlmodel["metadata"]["laif"]["code_ref"] == "git:4df6efb"

    signed = member.get(f"/api/model-versions/{out['id']}/signature").json()
    assert signed["record"]["artefact"]["sha256"] == out["sha256"]
    artefact = registry_dir / "downloaded.zip"
    artefact.write_bytes(data)
    assert check(artefact, signed, signed["public_key_pem"]) == []
    forged = {**signed, "record": {**signed["record"], "version": 7}}
    assert check(artefact, forged, signed["public_key_pem"]) == [
        "the record's signature does not verify under the key"]
    artefact.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert check(artefact, signed, signed["public_key_pem"]) == [
        "the file's SHA-256 is not the record's"]

    again = register(member, world.project.pk, data=mlflow_zip(b"other", folder="credit-scorer"))
    assert again["number"] == 2
    assert again["imported_from_mlflow"]
    assert AuditEntry.objects.filter(action="registry.version_registered").count() == 2
    listed = member.get(f"/api/projects/{world.project.pk}/models").json()
    assert [(m["name"], m["versions"], m["latest_version"]) for m in listed] == [
        ("credit-scorer", 2, 2)]


def test_a_single_file_is_wrapped_and_bad_uploads_are_refused_whole(
        world: World, registry_dir: Path) -> None:
    lead = client_as(world.project_lead)
    response = lead.post(f"/api/projects/{world.project.pk}/models/embedder/versions",
                         {"file": upload(b"\x00safetensors", "weights.safetensors")})
    assert response.status_code == 201, response.content
    out = response.json()
    assert not out["imported_from_mlflow"]
    assert [f for f, _n in out["files"]] == ["MLmodel", "model/weights.safetensors"]

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("MLmodel", "flavors: {}\n")
        zf.writestr("../../etc/cron.d/x", "* * * * * root sh")
    refused = lead.post(f"/api/projects/{world.project.pk}/models/embedder/versions",
                        {"file": upload(evil.getvalue())})
    assert refused.status_code == 400, refused.content
    assert refused.json()["field"] == "file"
    no_mlmodel = io.BytesIO()
    with zipfile.ZipFile(no_mlmodel, "w") as zf:
        zf.writestr("model.pkl", "x")
    refused = lead.post(f"/api/projects/{world.project.pk}/models/embedder/versions",
                        {"file": upload(no_mlmodel.getvalue())})
    assert "MLmodel" in refused.json()["detail"]
    assert len(list(registry_dir.rglob("*.lenc"))) == 1  # nothing of the refused ones
    assert ModelVersion.objects.count() == 1

    refusals: list[tuple[str, str]] = [("metrics", '{"auc": "high"}'), ("metrics", "[1, 2]"),
                                       ("datasets", "no-such-data"), ("code_ref", "two words")]
    for field, value in refusals:
        fields: dict[str, Any] = {field: value}
        bad = register(lead, world.project.pk, "embedder", status=400, **fields)
        assert bad["field"] == field, bad
    assert register(lead, world.project.pk, "bad name", status=422)
    # tenancy: another organisation sees nothing, staff read but do not register
    assert register(client_as(world.other_member), world.project.pk, status=404)
    assert register(client_as(world.operator), world.project.pk, status=403)
    version = ModelVersion.objects.get()
    assert client_as(world.operator).get(
        f"/api/model-versions/{version.pk}").status_code == 200
    assert client_as(world.operator).get(
        f"/api/model-versions/{version.pk}/artefact").status_code == 403
    assert client_as(world.other_member).get(
        f"/api/model-versions/{version.pk}").status_code == 404


def test_the_training_job_brings_its_gpu_time_and_energy_from_the_ledger(world: World) -> None:
    lead = world.project_lead
    allocation = grant(world.project, lead, 100)
    started = datetime(2026, 11, 20, 10, tzinfo=UTC)
    job = Job.objects.create(project=world.project, allocation=allocation, submitted_by=lead,
                             name="fine-tune", script="true", gpus=4, time_limit_minutes=120,
                             state=JobState.COMPLETED, scheduler="local", started_at=started,
                             ended_at=started + timedelta(minutes=90))
    before = register(client_as(lead), world.project.pk, job_id=job.pk)
    assert before["training"]["job_id"] == job.pk
    assert before["training"]["in_ledger"] is False  # not read by the ledger yet
    ledger.usage_ingest_local(end=datetime(2026, 11, 21, tzinfo=UTC))
    after = client_as(lead).get(f"/api/model-versions/{before['id']}").json()
    assert after["training"]["in_ledger"] is True
    assert after["training"]["gpu_hours"] == 6.0  # 4 GPUs x 1.5 h
    assert after["training"]["energy_kwh"] > 0
    assert after["training"]["energy_measured_share"] == 0.0  # estimated: nothing measured
    page = client_as(lead).get(f"/model-versions/{before['id']}/").content.decode()
    assert 'id="gpu-hours">6.00<' in page
    assert "(estimated)" in page
    # a job of another project is not a lineage
    other = Job.objects.create(project=world.other_project, allocation=allocation,
                               submitted_by=lead, name="x", script="true", gpus=1,
                               time_limit_minutes=1, scheduler="local")
    assert register(client_as(lead), world.project.pk, job_id=other.pk, status=404)


def test_the_sweep_removes_only_what_no_version_refers_to(world: World,
                                                          registry_dir: Path) -> None:
    register(client_as(world.project_lead), world.project.pk)
    kept = next(registry_dir.rglob("*.lenc"))
    orphan = kept.with_name("model-0123456789abcdef01234567.lenc")
    orphan.write_bytes(b"what a killed upload left")
    young = kept.with_name("model-fedcba9876543210fedcba98.lenc")
    young.write_bytes(b"an upload still writing")
    old = time.time() - SWEEP_AFTER_S - 60
    for path in (kept, orphan):
        os.utime(path, (old, old))
    assert registry_sweep() == 1
    assert kept.exists()
    assert not orphan.exists()
    assert young.exists()
