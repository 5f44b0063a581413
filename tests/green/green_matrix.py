"""Energy and carbon, and the factory's figures, in the API tenancy matrix
(tests/test_tenancy_matrix.py): the usage's rule; the pools' rule for the factory's figures."""

from __future__ import annotations

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_ORGANISATION = _row(401, 404, 403, 403, 200, 200, 200, 404, 200)
_STAFF = _row(401, 403, 403, 403, 403, 200, 200, 403, 200)

GREEN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # An organisation's figures: its admins and client staff; its other members may not (403).
    ("GET", "/api/organisations/{org_id}/footprint"): _ORGANISATION,
    ("GET", "/api/organisations/{org_id}/footprint/csv"): _ORGANISATION,
    ("GET", "/api/organisations/{org_id}/footprint/pdf"): _ORGANISATION,
    # A project's: whoever sees its usage (members, the organisation's admins, client staff).
    ("GET", "/api/projects/{project_id}/footprint"): _row(401, 404, 404, 200, 200, 200, 200, 404,
                                                          200),
    ("GET", "/api/projects/{project_id}/footprint/runs"): _row(401, 404, 404, 200, 200, 200, 200,
                                                               404, 200),
    # The factory's figures (laif.reports): client-facing staff, aggregates only.
    ("GET", "/api/staff/kpis"): _STAFF,
    ("GET", "/api/staff/kpis/csv"): _STAFF,
    ("GET", "/api/staff/kpis/pdf"): _STAFF,
}
