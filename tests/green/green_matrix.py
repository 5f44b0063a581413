"""Energy and carbon in the API tenancy matrix (tests/test_tenancy_matrix.py): the usage's rule."""

from __future__ import annotations

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_ORGANISATION = _row(401, 404, 403, 403, 200, 200, 200, 404, 200)

GREEN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # An organisation's figures: its admins and client staff; its other members may not (403).
    ("GET", "/api/organisations/{org_id}/footprint"): _ORGANISATION,
    ("GET", "/api/organisations/{org_id}/footprint/csv"): _ORGANISATION,
    ("GET", "/api/organisations/{org_id}/footprint/pdf"): _ORGANISATION,
    # A project's: whoever sees its usage (members, the organisation's admins, client staff).
    ("GET", "/api/projects/{project_id}/footprint"): _row(401, 404, 404, 200, 200, 200, 200, 404,
                                                          200),
}
