"""The single point of entry's part of the API tenancy matrix (tests/test_tenancy_matrix.py): one
request in the inbox, sent by the project lead from their account; the rows and the bodies.

The requester and the staff see it; other clients get 404 (not even a hint that it exists);
operators, reviewers and trainers work it; auditors read it (403 on the writes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laif.entry import services
from laif.entry.models import Intake
from laif.entry.triage import Need
from tests.factories import World

ALL = ("other_member", "member", "project_lead", "org_admin", "operator", "reviewer", "trainer",
       "auditor")
CLIENTS_NOT_REQUESTER = {"member": 404, "other_member": 404, "org_admin": 404}
STAFF_READ = {"operator": 200, "reviewer": 200, "trainer": 200, "auditor": 200}


def _work(ok: int) -> dict[str, int]:
    """A staff action: clients (the requester too) 404, the inbox's staff ``ok``, auditors 403."""
    return {"anonymous": 401, **CLIENTS_NOT_REQUESTER, "project_lead": 404, "operator": ok,
            "reviewer": ok, "trainer": ok, "auditor": 403}


ORDER = ("anonymous", *ALL)


def _ordered(row: dict[str, int]) -> dict[str, int]:
    return {role: row[role] for role in ORDER}


ENTRY_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/entry/classify"): {"anonymous": 200, **dict.fromkeys(ALL, 200)},
    ("POST", "/api/entry/requests"): {"anonymous": 401, **dict.fromkeys(ALL, 201)},
    ("GET", "/api/entry/requests"): {"anonymous": 401, **dict.fromkeys(ALL, 200)},
    ("GET", "/api/entry/requests/{intake_id}"): {
        "anonymous": 401, **CLIENTS_NOT_REQUESTER, "project_lead": 200, **STAFF_READ},
    ("GET", "/api/entry/inbox"): {
        "anonymous": 401, "member": 403, "other_member": 403, "org_admin": 403,
        "project_lead": 403, **STAFF_READ},
    ("POST", "/api/entry/requests/{intake_id}/assign"): _work(200),
    ("POST", "/api/entry/requests/{intake_id}/status"): _work(200),
    ("POST", "/api/entry/requests/{intake_id}/comments"): _work(201),
    ("POST", "/api/entry/requests/{intake_id}/outcome"): _work(200),
    # the requester replies; staff comment instead (403); other clients never see it
    ("POST", "/api/entry/requests/{intake_id}/replies"): {
        "anonymous": 401, **CLIENTS_NOT_REQUESTER, "project_lead": 201, "operator": 403,
        "reviewer": 403, "trainer": 403, "auditor": 403},
}
ENTRY_MATRIX = {key: _ordered(row) for key, row in ENTRY_MATRIX.items()}

NEED = {"goal": "train_model", "sector": "manufacturing", "data": ["images"],
        "budget": "50k_200k", "timeline": "12_months"}

ENTRY_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/entry/classify"): lambda mw: NEED,
    ("POST", "/api/entry/requests"): lambda mw: {
        **NEED, "description": "Fine-tune a detector for line 3.", "language": "en"},
    ("POST", "/api/entry/requests/{intake_id}/assign"): lambda mw: {
        "owner_id": mw.w.operator.pk},
    ("POST", "/api/entry/requests/{intake_id}/status"): lambda mw: {"status": "triaged"},
    ("POST", "/api/entry/requests/{intake_id}/comments"): lambda mw: {
        "text": "Which camera do you use?", "public": True},
    ("POST", "/api/entry/requests/{intake_id}/outcome"): lambda mw: {
        "outcome": "referral", "service": "expert", "note": ""},
    ("POST", "/api/entry/requests/{intake_id}/replies"): lambda mw: {"text": "A Basler one."},
}


def build_entry(w: World) -> None:
    services.intake_submit(
        user=w.project_lead,
        need=Need(goal="use_case", sector="manufacturing", data=frozenset({"images"}),
                  budget="10k_50k", timeline="12_months"),
        contact=services.Contact(name="Luc Lead", email="", organisation="Acme Vision",
                                 language="en"),
        description="Quality control on line 3.")


def entry_path_ids(path: str) -> dict[str, int]:
    if "{intake_id}" not in path:
        return {}
    return {"intake_id": Intake.objects.get(description="Quality control on line 3.").pk}
