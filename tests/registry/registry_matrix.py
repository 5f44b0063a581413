"""The model registry in the API tenancy matrix (tests/test_tenancy_matrix.py): whoever sees the
project reads its models (trainers and other organisations: 404); its members and the
organisation's admins register versions, ask for aliases and download artefacts (not staff);
its leads and the admins approve (never their own request) and record deployments."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.registry import services
from laif.registry.models import AliasRequest, ModelVersion, RegisteredModel
from tests.factories import World
from tests.registry.support import mlflow_zip, upload

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_READ = _row(401, 404, 404, 200, 200, 200, 200, 404, 200)


def _write(ok: int) -> dict[str, int]:
    return _row(401, 404, 404, ok, ok, 403, 403, 404, 403)


REGISTRY_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/projects/{project_id}/models"): _READ,
    ("POST", "/api/projects/{project_id}/models/{name}/versions"): _write(201),
    ("GET", "/api/models/{model_id}"): _READ,
    ("GET", "/api/models/{model_id}/ledger"): _READ,
    ("GET", "/api/model-versions/{model_version_id}"): _READ,
    ("GET", "/api/model-versions/{model_version_id}/signature"): _READ,
    ("GET", "/api/model-versions/{model_version_id}/artefact"): _write(200),
    ("POST", "/api/model-versions/{model_version_id}/alias-requests"): _write(201),
    # the lead asked: the lead may not decide, the organisation's admin does
    ("POST", "/api/alias-requests/{alias_request_id}/decision"): _row(
        401, 404, 404, 403, 200, 403, 403, 404, 403),
    ("POST", "/api/models/{model_id}/deployments"): _write(201),
}

REGISTRY_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/projects/{project_id}/models/{name}/versions"): lambda mw: {
        "file": upload(mlflow_zip()), "metrics": '{"auc": 0.9}'},
    ("POST", "/api/model-versions/{model_version_id}/alias-requests"): lambda mw: {
        "alias": "challenger"},
    ("POST", "/api/alias-requests/{alias_request_id}/decision"): lambda mw: {"approve": True},
    ("POST", "/api/models/{model_id}/deployments"): lambda mw: {
        "environment": "staging",
        "version_id": ModelVersion.objects.get(model__name="credit-scorer", number=1).pk},
}


def build_registry(w: World) -> None:
    """Acme's project's model: version 1 the champion (the lead asked, the admin approved) and
    running in production; version 2 waiting to become the champion (asked by the lead)."""
    lead, admin = (access_for(w.project_lead), Actor.of(w.project_lead)), \
        (access_for(w.org_admin), Actor.of(w.org_admin))
    versions = [services.model_version_register(
        access=lead[0], actor=lead[1], project_id=w.project.pk, name="credit-scorer",
        src=io.BytesIO(mlflow_zip()), filename="model.zip") for _ in range(2)]
    asked = services.alias_request(access=lead[0], actor=lead[1], version_id=versions[0].pk,
                                   alias="champion")
    services.alias_decide(access=admin[0], actor=admin[1], request_id=asked.pk, approve=True)
    services.deployment_record(access=lead[0], actor=lead[1], model_id=versions[0].model_id,
                               environment="production", version_id=versions[0].pk)
    services.alias_request(access=lead[0], actor=lead[1], version_id=versions[1].pk,
                           alias="champion")


def registry_path_ids(path: str) -> dict[str, int | str]:
    if "{name}" in path:
        return {"name": "credit-scorer"}
    if "{model_id}" in path:
        return {"model_id": RegisteredModel.objects.get(name="credit-scorer").pk}
    if "{model_version_id}" in path:  # version 1, asked for as the challenger (nobody asked)
        return {"model_version_id": ModelVersion.objects.get(model__name="credit-scorer", number=1).pk}
    if "{alias_request_id}" in path:
        return {"alias_request_id": AliasRequest.objects.get(state="pending").pk}
    return {}
