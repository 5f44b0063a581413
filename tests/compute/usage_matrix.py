"""The usage ledger's part of the API tenancy matrix (tests/test_tenancy_matrix.py): the rows and
the request bodies (the ingestion is a multipart upload of a real sacct fixture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.compute.ledger_support import raw

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


USAGE_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # A project's usage: seen like its jobs (members, the organisation's admins, client staff).
    ("GET", "/api/projects/{project_id}/usage"): _row(401, 404, 404, 200, 200, 200, 200, 404, 200),
    # An organisation's usage: its admins and client staff; its other members may not (403).
    ("GET", "/api/organisations/{org_id}/usage"): _row(401, 404, 403, 403, 200, 200, 200, 404, 200),
    # Ingestion of sacct output: operators only.
    ("POST", "/api/compute/usage/ingest"): _row(401, 403, 403, 403, 403, 200, 403, 403, 403),
}

USAGE_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/compute/usage/ingest"): lambda mw: {
        "sacct_json": SimpleUploadedFile("sacct.json", raw("sacct_array.json"),
                                         content_type="application/json"),
    },
}
