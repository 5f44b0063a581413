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
from laif.sandbox import releases, services
from laif.sandbox.models import DatasetVersion, Release
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
    ("GET", "/api/dataset-versions/{version_id}/policy"): _row(
        401, 404, 404, 200, 200, 200, 200, 404, 200),
    ("PUT", "/api/dataset-versions/{version_id}/policy"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
    # the risk report shows the smallest groups' values: the data owners only
    ("GET", "/api/dataset-versions/{version_id}/risk"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
    ("POST", "/api/dataset-versions/{version_id}/releases"): _row(
        401, 404, 404, 201, 201, 403, 403, 404, 403),
    ("GET", "/api/projects/{project_id}/releases"): _row(
        401, 404, 404, 200, 200, 200, 200, 404, 200),
    ("GET", "/api/releases/{release_id}"): _row(401, 404, 404, 200, 200, 200, 200, 404, 200),
    # the released data: the project's members and the organisation's admins, not staff
    ("GET", "/api/releases/{release_id}/file"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
    ("GET", "/api/sandbox/signing-key"): _row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/projects/{project_id}/domains/{domain}/rotate"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
}


def _file(mw: Any) -> io.BytesIO:
    upload = io.BytesIO(csv_bytes(customers(5)))
    upload.name = "customers.csv"
    return upload


SANDBOX_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/projects/{project_id}/datasets"): lambda mw: {
        "name": "customers", "file": _file(mw)},
    ("POST", "/api/dataset-versions/{version_id}/review"): lambda mw: {
        "kinds": {"segment": "not_personal"}},
    ("PUT", "/api/dataset-versions/{version_id}/policy"): lambda mw: {"columns": _policy()},
    ("POST", "/api/dataset-versions/{version_id}/releases"): lambda mw: {},
}


def _policy() -> list[dict[str, Any]]:
    """The proposed policy, with one quasi-identifier all rows share (k = the rows)."""
    rows = [r.__dict__ | {"column": r.column} for r in releases.policy_of(
        DatasetVersion.objects.order_by("id")[0])]
    for r in rows:
        r["quasi_identifier"] = r["column"] == "income_eur"
        if r["column"] == "income_eur":
            r.update(action="generalise", band_width=10**9)
    return rows


def build_sandbox(w: World) -> None:
    """A reviewed version of 20 rows with its policy, released once."""
    lead = access_for(w.project_lead), Actor.of(w.project_lead)
    upload = io.BytesIO(csv_bytes(customers(20)))
    version = services.dataset_upload(access=lead[0], actor=lead[1], project_id=w.project.pk,
                                      name="customers", src=upload,
                                      filename="customers.csv").version
    services.classification_review(access=lead[0], actor=lead[1], version_id=version.pk,
                                   kinds={})
    releases.policy_set(access=lead[0], actor=lead[1], version_id=version.pk,
                        rows=[releases.PolicyRow(**r) for r in _policy()])
    releases.release_create(access=lead[0], actor=lead[1], version_id=version.pk)


def sandbox_path_ids(path: str) -> dict[str, int | str]:
    found: dict[str, int | str] = {}
    if "{version_id}" in path:
        found["version_id"] = DatasetVersion.objects.order_by("id")[0].pk
    if "{release_id}" in path:
        found["release_id"] = Release.objects.order_by("id")[0].pk
    if "{domain}" in path:
        found["domain"] = "iban"
    return found
