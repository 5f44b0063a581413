"""The AI maturity check's part of the API tenancy matrix (tests/test_tenancy_matrix.py): the
questionnaire is public; an organisation's checks and sector aggregate are read by its members
and the client-facing staff (trainers see no client data: 404), and taken by its admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laif.catalogue.assess import load_questionnaire

ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")
READ = dict(zip(ROLES, (401, 404, 200, 200, 200, 200, 200, 404, 200), strict=True))

ASSESS_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/assess/questionnaire"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/organisations/{org_id}/assessments"): READ,
    ("GET", "/api/organisations/{org_id}/benchmark"): READ,
    ("POST", "/api/organisations/{org_id}/assessments"): dict(zip(
        ROLES, (401, 404, 403, 403, 201, 403, 403, 404, 403), strict=True)),
}


def every_answer(points: int = 2) -> dict[str, str]:
    """Every question of the questionnaire answered with the answer worth ``points`` or the
    nearest below."""
    return load_questionnaire().answers_worth(points)


ASSESS_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/organisations/{org_id}/assessments"): lambda mw: {"answers": every_answer()},
}
