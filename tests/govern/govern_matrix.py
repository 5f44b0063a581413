"""The AI system register in the API tenancy matrix (tests/test_tenancy_matrix.py): the rulebook
is public; an organisation's systems are read by its members and the client-facing staff
(trainers see no client data: 404); its admins, and the leads of the system's project, write."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.govern import incidents, monitoring, services
from laif.govern.models import AiSystem, DriftMonitor, Incident
from tests.factories import World
from tests.govern.drift_data import applications, parquet, upload

_REFERENCE = applications(300, seed=11)

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_READ = _row(401, 404, 200, 200, 200, 200, 200, 404, 200)


def _write(ok: int) -> dict[str, int]:
    return _row(401, 404, 403, ok, ok, 403, 403, 404, 403)


GOVERN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/govern/ai-act"): _row(*(200,) * 9),
    ("GET", "/api/organisations/{org_id}/ai-systems"): _READ,
    # the body ties the system to Acme's project: its lead may register it too
    ("POST", "/api/organisations/{org_id}/ai-systems"): _write(201),
    ("GET", "/api/ai-systems/{system_id}"): _READ,
    ("POST", "/api/ai-systems/{system_id}/classifications"): _write(201),
    ("PUT", "/api/ai-systems/{system_id}/obligations/{key}"): _write(200),
    # drift monitoring: the same rule (the system's monitors, read and written)
    ("GET", "/api/ai-systems/{system_id}/monitors"): _READ,
    ("POST", "/api/ai-systems/{system_id}/monitors"): _write(201),
    ("GET", "/api/monitors/{monitor_id}"): _READ,
    ("POST", "/api/monitors/{monitor_id}/batches"): _write(201),
    ("POST", "/api/monitors/{monitor_id}/batches/rows"): _write(201),
    ("GET", "/api/monitors/{monitor_id}/batches/{batch_id}"): _READ,
    ("POST", "/api/monitors/{monitor_id}/batches/{batch_id}/labels"): _write(200),
    ("GET", "/api/ai-systems/{system_id}/annex-iv"): _READ,
    ("GET", "/api/ai-systems/{system_id}/annex-iv/pdf"): _READ,
    ("GET", "/api/ai-systems/{system_id}/incidents"): _READ,
    ("POST", "/api/ai-systems/{system_id}/incidents"): _write(201),
    ("POST", "/api/incidents/{incident_id}/report"): _write(200),
}

GOVERN_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/organisations/{org_id}/ai-systems"): lambda mw: {
        "name": "Loan pre-screening", "purpose": "Scores loan applicants.",
        "project_id": mw.w.project.pk},
    ("POST", "/api/ai-systems/{system_id}/classifications"): lambda mw: {
        "roles": ["provider", "deployer"], "areas": ["credit_scoring"]},
    ("PUT", "/api/ai-systems/{system_id}/obligations/{key}"): lambda mw: {
        "status": "met", "evidence": "Risk file v3"},
    ("POST", "/api/ai-systems/{system_id}/monitors"): lambda mw: {
        "name": "Applications", "file": upload("reference.parquet", parquet(_REFERENCE))},
    ("POST", "/api/monitors/{monitor_id}/batches"): lambda mw: {
        "file": upload("batch.parquet", parquet(_REFERENCE))},
    ("POST", "/api/monitors/{monitor_id}/batches/{batch_id}/labels"): lambda mw: {
        "file": upload("labels.csv", b"prediction,label\n0.2,0\n0.7,1\n")},
    ("POST", "/api/ai-systems/{system_id}/incidents"): lambda mw: {
        "kind": "serious_harm", "description": "A wrong refusal.",
        "aware_on": timezone.localdate().isoformat()},
    ("POST", "/api/incidents/{incident_id}/report"): lambda mw: {
        "reported_on": timezone.localdate().isoformat(), "reference": "ILNAS-1"},
    ("POST", "/api/monitors/{monitor_id}/batches/rows"): lambda mw: {
        "rows": _REFERENCE.head(50).to_dicts()},
}


def build_govern(w: World) -> None:
    """An AI system of Acme tied to its project, classified high-risk (Annex III 5(b)), with a
    drift monitor that tested one batch and a serious incident."""
    access, actor = access_for(w.org_admin), Actor.of(w.org_admin)
    system = services.ai_system_register(access=access, actor=actor, organisation_id=w.org.pk,
                                         name="Credit scoring", purpose="Scores applicants.",
                                         project_id=w.project.pk)
    services.ai_system_classify(access=access, actor=actor, system_id=system.pk,
                                answers={"areas": ["credit_scoring"]})
    monitor = monitoring.drift_monitor_create(
        access=access, actor=actor, system_id=system.pk, name="Monitored inputs",
        src=io.BytesIO(parquet(_REFERENCE)), filename="reference.parquet")
    monitoring.drift_batch_submit(access=access, actor=actor, monitor_id=monitor.pk,
                                  src=io.BytesIO(parquet(_REFERENCE)), filename="batch.parquet")
    incidents.incident_record(access=access, actor=actor, system_id=system.pk, kind="death",
                              description="A wrong refusal.", aware_on=timezone.localdate())


def govern_path_ids(path: str) -> dict[str, int | str]:
    if "{system_id}" in path:
        return {"system_id": AiSystem.objects.get(name="Credit scoring").pk,
                "key": "risk_management"}
    if "{incident_id}" in path:
        return {"incident_id": Incident.objects.get(description="A wrong refusal.").pk}
    if "{monitor_id}" in path:
        monitor = DriftMonitor.objects.get(name="Monitored inputs")
        return {"monitor_id": monitor.pk, "batch_id": monitor.batches.get().pk}
    return {}
