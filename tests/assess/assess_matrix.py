"""The AI maturity check's part of the API tenancy matrix (tests/test_tenancy_matrix.py): the
questionnaire is public; an organisation's checks and sector aggregate are read by its members
and the client-facing staff (trainers see no client data: 404), and taken by its admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.assess import services
from laif.assess.models import UseCase
from laif.catalogue.assess import load_questionnaire
from tests.factories import World

ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")
READ = dict(zip(ROLES, (401, 404, 200, 200, 200, 200, 200, 404, 200), strict=True))

def _admin(ok: int) -> dict[str, int]:
    return dict(zip(ROLES, (401, 404, 403, 403, ok, 403, 403, 404, 403), strict=True))


ASSESS_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/assess/questionnaire"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/organisations/{org_id}/assessments"): READ,
    ("GET", "/api/organisations/{org_id}/benchmark"): READ,
    ("POST", "/api/organisations/{org_id}/assessments"): _admin(201),
    # Acme has a roadmap with one use case (build_assess): drafting again is a conflict
    ("GET", "/api/organisations/{org_id}/roadmap"): READ,
    ("GET", "/api/organisations/{org_id}/roadmap/pdf"): READ,
    ("POST", "/api/organisations/{org_id}/roadmap"): _admin(409),
    ("POST", "/api/organisations/{org_id}/roadmap/use-cases"): _admin(201),
    ("PUT", "/api/organisations/{org_id}/roadmap/use-cases/{use_case_id}"): _admin(200),
    ("DELETE", "/api/organisations/{org_id}/roadmap/use-cases/{use_case_id}"): _admin(204),
}


def every_answer(points: int = 2) -> dict[str, str]:
    """Every question of the questionnaire answered with the answer worth ``points`` or the
    nearest below."""
    return load_questionnaire().answers_worth(points)


USE_CASE = {"title": "Computer vision on line 3", "objective": "Fewer rejects.",
            "kpi": "Rejected parts", "roi_percent": 15, "horizon_months": 12}

ASSESS_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/organisations/{org_id}/assessments"): lambda mw: {"answers": every_answer()},
    ("POST", "/api/organisations/{org_id}/roadmap/use-cases"): lambda mw: USE_CASE,
    ("PUT", "/api/organisations/{org_id}/roadmap/use-cases/{use_case_id}"): lambda mw: USE_CASE,
}


def build_assess(w: World) -> None:
    """A roadmap of Acme with one use case."""
    services.roadmap_draft(access=access_for(w.org_admin), actor=Actor.of(w.org_admin),
                           organisation_id=w.org.pk)


def assess_path_ids(path: str) -> dict[str, int]:
    if "{use_case_id}" not in path:
        return {}
    return {"use_case_id": UseCase.objects.get(roadmap__organisation__name="Acme Vision").pk}
