"""Connect in the API tenancy matrix (tests/test_tenancy_matrix.py): the directory is public and
matching is for anyone logged in; introductions follow the organisation's tenancy, and the
expert's contact (here Globex's admin, who answers for LIST's industrial AI team) sees and
answers those asked of the expert, nothing else of the organisation; operators name the
contacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.connect import services
from laif.connect.models import Introduction
from tests.factories import World

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


NEED = "Predictive maintenance of our presses from vibration sensors."

CONNECT_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/connect/experts"): _row(*(200,) * 9),
    ("POST", "/api/connect/matches"): _row(401, *(200,) * 8),
    ("POST", "/api/organisations/{org_id}/introductions"): _row(
        401, 404, 201, 201, 201, 403, 403, 404, 403),
    ("GET", "/api/organisations/{org_id}/introductions"): _row(
        401, 404, 200, 200, 200, 200, 200, 404, 200),
    ("GET", "/api/me/introductions-to-answer"): _row(401, *(200,) * 8),
    ("GET", "/api/introductions/{introduction_id}"): _row(
        401, 200, 200, 200, 200, 200, 200, 404, 200),
    ("POST", "/api/introductions/{introduction_id}/decision"): _row(
        401, 200, 403, 403, 403, 403, 403, 404, 403),
    # the lead asked: the lead or the organisation's admin withdraws
    ("POST", "/api/introductions/{introduction_id}/withdraw"): _row(
        401, 403, 403, 200, 200, 403, 403, 404, 403),
    ("POST", "/api/connect/contacts"): _row(401, 403, 403, 403, 403, 201, 403, 403, 403),
}

CONNECT_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/connect/matches"): lambda mw: {"need": NEED, "sector": "manufacturing"},
    ("POST", "/api/organisations/{org_id}/introductions"): lambda mw: {
        "expert_key": "luxprovide_gpu_support", "need": "Multi-GPU training help."},
    ("POST", "/api/introductions/{introduction_id}/decision"): lambda mw: {
        "accept": True, "answer": "With pleasure."},
    ("POST", "/api/connect/contacts"): lambda mw: {
        "expert_key": "snt_vision", "email": "member@acme.lu"},
}


def build_connect(w: World) -> None:
    """Globex's admin answers for LIST's industrial AI team; Acme's lead asked it for an
    introduction (waiting)."""
    services.expert_contact_add(access=access_for(w.operator), actor=Actor.of(w.operator),
                                expert_key="list_industrial_ai", email=w.other_member.email)
    services.introduction_request(access=access_for(w.project_lead),
                                  actor=Actor.of(w.project_lead), organisation_id=w.org.pk,
                                  expert_key="list_industrial_ai", need=NEED,
                                  sector="manufacturing")


def connect_path_ids(path: str) -> dict[str, int | str]:
    if "{introduction_id}" in path:
        return {"introduction_id": Introduction.objects.get(expert_key="list_industrial_ai").pk}
    return {}
