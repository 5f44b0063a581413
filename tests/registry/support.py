"""Shared by the model registry's tests: an MLflow model directory zipped, a version registered
through the API, a request approved by a second person."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import yaml
from django.test import Client

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.services import project_member_add
from tests.api_support import JSON, client_as
from tests.factories import World

MLMODEL = {
    "artifact_path": "model",
    "flavors": {"python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl",
                                    "python_version": "3.11.9", "env": {"conda": "conda.yaml"}},
                "sklearn": {"pickled_model": "model.pkl", "sklearn_version": "1.5.2",
                            "serialization_format": "cloudpickle"}},
    "mlflow_version": "2.17.2",
    "model_uuid": "3f6c1d2e9b8a4c7d8e9f0a1b2c3d4e5f",
    "run_id": "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    "utc_time_created": "2026-11-30 10:12:13.141516",
    "signature": {"inputs": '[{"type": "double", "name": "income"}]',
                  "outputs": '[{"type": "long"}]'},
    "metadata": {"team": "risk"},
}


def mlflow_zip(weights: bytes = b"\x80\x04weights", *, folder: str = "") -> bytes:
    """An MLflow model directory as ``mlflow.sklearn.save_model`` writes it, zipped (inside
    ``folder`` when given, as zipping the folder itself does)."""
    out = io.BytesIO()
    prefix = f"{folder}/" if folder else ""
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{prefix}MLmodel", yaml.safe_dump(MLMODEL))
        zf.writestr(f"{prefix}model.pkl", weights)
        zf.writestr(f"{prefix}conda.yaml", "name: mlflow-env\ndependencies: [python=3.11]\n")
        zf.writestr(f"{prefix}requirements.txt", "scikit-learn==1.5.2\n")
    return out.getvalue()


def upload(data: bytes, name: str = "model.zip") -> io.BytesIO:
    src = io.BytesIO(data)
    src.name = name
    return src


def join_project(world: World) -> None:
    """The organisation's member joins the project (leads add members)."""
    project_member_add(access=access_for(world.project_lead), actor=Actor.of(world.project_lead),
                       project_id=world.project.pk, user_id=world.member.pk)


def register(client: Client, project_id: int, name: str = "credit-scorer", *,
             data: bytes | None = None, filename: str = "model.zip", status: int = 201,
             **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/projects/{project_id}/models/{name}/versions",
                           {"file": upload(data or mlflow_zip(), filename), **fields})
    assert response.status_code == status, response.content
    return dict(response.json())


def approved(world: World, version_id: int, alias: str = "champion") -> dict[str, Any]:
    """The member asks, the lead approves."""
    asked = client_as(world.member).post(f"/api/model-versions/{version_id}/alias-requests",
                                         {"alias": alias}, content_type=JSON)
    assert asked.status_code == 201, asked.content
    decided = client_as(world.project_lead).post(
        f"/api/alias-requests/{asked.json()['id']}/decision", {"approve": True},
        content_type=JSON)
    assert decided.status_code == 200, decided.content
    return dict(decided.json())
