"""The data sandboxes' part of the API tenancy matrix (tests/test_tenancy_matrix.py): a dataset
of Acme's project with one version. The project's data owners (its lead, the organisation's
admins) upload and review; whoever sees the project reads what a dataset is; trainers and other
organisations get 404."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.sandbox import services
from laif.sandbox.models import DatasetVersion
from tests.factories import World
from tests.sandbox.data import csv_bytes, customers

ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


SANDBOX_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/projects/{project_id}/datasets"): _row(
        401, 404, 404, 201, 201, 403, 403, 404, 403),
    ("GET", "/api/projects/{project_id}/datasets"): _row(
        401, 404, 404, 200, 200, 200, 200, 404, 200),
    ("GET", "/api/dataset-versions/{version_id}"): _row(
        401, 404, 404, 200, 200, 200, 200, 404, 200),
    ("POST", "/api/dataset-versions/{version_id}/review"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
}


def _file(mw: Any) -> io.BytesIO:
    upload = io.BytesIO(csv_bytes(customers(5)))
    upload.name = "customers.csv"
    return upload


SANDBOX_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/projects/{project_id}/datasets"): lambda mw: {
        "name": "customers", "file": _file(mw)},
    ("POST", "/api/dataset-versions/{version_id}/review"): lambda mw: {"kinds": {}},
}


def build_sandbox(w: World) -> None:
    upload = io.BytesIO(csv_bytes(customers(5)))
    services.dataset_upload(access=access_for(w.project_lead), actor=Actor.of(w.project_lead),
                            project_id=w.project.pk, name="customers", src=upload,
                            filename="customers.csv")


def sandbox_path_ids(path: str) -> dict[str, int | str]:
    if "{version_id}" not in path:
        return {}
    return {"version_id": DatasetVersion.objects.order_by("id")[0].pk}
