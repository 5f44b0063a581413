"""The AI Factories network in the API tenancy matrix (tests/test_tenancy_matrix.py).

The factories of the network and the capability check are public. Referrals are the staff's:
operators and reviewers refer, register, move and convert them; auditors read them (403 on the
writes); company users never learn that one exists (404 on a referral or on a request's
referrals, the requester included; 403 on the list and the registration, which name no
object); trainers, who work the inbox, are forbidden a request's referrals (they know the
request) and told a referral does not exist.

The world: the project lead's request (the entry matrix's) referred to the LUMI AI Factory for
AMD GPUs (a draft: the status row sends it), and a referral received from AI Factory France,
accepted (the conversion row turns it into a local request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.entry.models import Intake
from laif.network import services
from laif.network.models import Referral
from tests.factories import World

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_PUBLIC = _row(*(200,) * 9)
_WORK = _row(401, 404, 404, 404, 404, 200, 200, 404, 403)

NETWORK_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/network/factories"): _PUBLIC,
    ("GET", "/api/network/factories/{factory_key}"): _PUBLIC,
    ("GET", "/api/network/capability-check"): _PUBLIC,
    ("GET", "/api/referrals"): _row(401, 403, 403, 403, 403, 200, 200, 403, 200),
    ("GET", "/api/intakes/{intake_id}/referrals"): _row(
        401, 404, 404, 404, 404, 200, 200, 403, 200),
    ("POST", "/api/intakes/{intake_id}/referrals"): _row(
        401, 404, 404, 404, 404, 201, 201, 403, 403),
    ("POST", "/api/referrals/incoming"): _row(401, 403, 403, 403, 403, 201, 201, 403, 403),
    ("GET", "/api/referrals/{referral_id}"): _row(401, 404, 404, 404, 404, 200, 200, 404, 200),
    ("POST", "/api/referrals/{referral_id}/status"): _WORK,
    ("POST", "/api/referrals/{referral_id}/conversion"): _WORK,
}

INCOMING: dict[str, Any] = {
    "factory": "ai2f", "capabilities": ["nvidia_gpu"], "organisation_name": "Lyon Robotics",
    "contact_name": "Claire Martin", "email": "claire@lyon-robotics.example",
    "need": "Fine-tune a vision model on 40 TB of images; the French queue is full.",
    "sector": "manufacturing", "data_kinds": ["images"], "timeline": "3_months",
    "language": "fr", "reference": "AI2F-2026-117",
}

NETWORK_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    # the world's request is referred to LUMI already: this one goes to AI Factory France
    ("POST", "/api/intakes/{intake_id}/referrals"): lambda mw: {
        "factory": "ai2f", "capabilities": ["amd_gpu"], "note": "Their MI300A partition."},
    ("POST", "/api/referrals/incoming"): lambda mw: {**INCOMING, "reference": "AI2F-2026-118"},
    ("POST", "/api/referrals/{referral_id}/status"): lambda mw: {
        "status": "sent", "note": "Sent to LUMI's user support."},
}


def _intake() -> Intake:
    return Intake.objects.get(description="Quality control on line 3.")


def build_network(w: World) -> None:
    operator = access_for(w.operator), Actor.of(w.operator)
    services.referral_create_outgoing(
        access=operator[0], actor=operator[1], intake_id=_intake().pk, factory="lumi_aif",
        capabilities=["amd_gpu"], note="MI250X nodes for a ROCm port.")
    received = services.referral_register_incoming(
        access=operator[0], actor=operator[1], **{**INCOMING, "capabilities": ["nvidia_gpu"]})
    services.referral_status(access=operator[0], actor=operator[1], referral_id=received.pk,
                             status="accepted")


def network_path_ids(path: str) -> dict[str, int | str]:
    if "{factory_key}" in path:
        return {"factory_key": "lumi_aif"}
    if "{intake_id}" in path and "/referrals" in path:
        return {"intake_id": _intake().pk}
    if "{referral_id}" in path:
        direction = "incoming" if path.endswith("/conversion") else "outgoing"
        return {"referral_id": Referral.objects.get(direction=direction).pk}
    return {}
