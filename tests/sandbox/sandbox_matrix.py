"""The data sandboxes' part of the API tenancy matrix (tests/test_tenancy_matrix.py): a dataset
of Acme's project with one version. The project's data owners (its lead, the organisation's
admins) upload and review; whoever sees the project reads what a dataset is; trainers and other
organisations get 404."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import polars as pl

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.sandbox import reidentify, releases, services
from laif.sandbox.models import DatasetVersion, Reidentification, Release
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
    # re-identification: the data owners only; the lead asked, so the admin decides and only
    # the lead would reveal (409 here: not approved)
    ("POST", "/api/releases/{release_id}/reidentifications"): _row(
        401, 404, 404, 201, 201, 403, 403, 404, 403),
    ("GET", "/api/releases/{release_id}/reidentifications"): _row(
        401, 404, 404, 200, 200, 403, 403, 404, 403),
    ("POST", "/api/reidentifications/{reidentification_id}/approve"): _row(
        401, 404, 404, 403, 200, 403, 403, 404, 403),
    ("POST", "/api/reidentifications/{reidentification_id}/refuse"): _row(
        401, 404, 404, 403, 200, 403, 403, 404, 403),
    ("POST", "/api/reidentifications/{reidentification_id}/reveal"): _row(
        401, 404, 404, 409, 403, 403, 403, 404, 403),
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
    ("POST", "/api/releases/{release_id}/reidentifications"): lambda mw: {
        "column": "iban", "tokens": [_token()], "reason": "A customer's complaint."},
}


def _token() -> str:
    release = Release.objects.order_by("id")[0]
    return str(pl.read_parquet(releases.staged_path(release))["iban"][0])


def _policy() -> list[dict[str, Any]]:
    """The proposed policy, with one quasi-identifier all rows share (k = the rows)."""
    rows = [r.__dict__ | {"column": r.column} for r in releases.policy_of(
        DatasetVersion.objects.order_by("id")[0])]
    for r in rows:
        r["quasi_identifier"] = r["column"] == "income_eur"
        if r["column"] == "income_eur":
            r.update(action="generalise", band_width=10**9)
        if r["column"] == "iban":
            r.update(action="encrypt", domain="iban-owner")
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
    release = releases.release_create(access=lead[0], actor=lead[1], version_id=version.pk)
    reidentify.reidentification_request(access=lead[0], actor=lead[1], release_id=release.pk,
                                        column="iban", tokens=[_token()],
                                        reason="A customer's complaint.")


def sandbox_path_ids(path: str) -> dict[str, int | str]:
    found: dict[str, int | str] = {}
    if "{version_id}" in path:
        found["version_id"] = DatasetVersion.objects.order_by("id")[0].pk
    if "{release_id}" in path:
        found["release_id"] = Release.objects.order_by("id")[0].pk
    if "{domain}" in path:
        found["domain"] = "iban"
    if path.startswith("/api/reidentifications/"):
        found["reidentification_id"] = Reidentification.objects.order_by("id")[0].pk
    return found
