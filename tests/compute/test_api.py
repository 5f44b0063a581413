"""The compute API end to end: the workflow through HTTP, errors as JSON with their figures."""

from __future__ import annotations

from typing import Any

import pytest

from laif.allocations.models import Pool
from tests.api_support import client_as
from tests.factories import World

pytestmark = pytest.mark.django_db

BODY = {
    "title": "Fine-tune a vision model", "access_type": "fast_lane",
    "requested_gpu_hours": 2_000,
    "justification": "Eight GPUs for 250 hours, measured on a sample of the images.",
    "expected_outputs": "A defect detection model.", "data_sensitivity": "confidential",
}


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_workflow_through_the_api(world: World) -> None:
    lead, reviewer = client_as(world.project_lead), client_as(world.reviewer)
    response = post(lead, f"/api/projects/{world.project.pk}/allocation-requests", BODY)
    assert response.status_code == 201, response.content
    req = response.json()
    assert req["status"] == "submitted"
    assert req["pool"] == "national"
    assert req["project_code"] == world.project.code
    assert [e["decision"] for e in req["events"]] == ["submitted"]
    assert req["allocation"] is None
    url = f"/api/compute/requests/{req['id']}"

    response = post(reviewer, url + "/review", {"decision": "request_changes"})
    assert response.status_code == 400
    assert response.json()["field"] == "comment"
    response = post(reviewer, url + "/review", {"decision": "request_changes",
                                                "comment": "Give the scaling figures."})
    assert response.json()["status"] == "changes_requested"

    response = post(lead, url + "/resubmit", {**BODY, "requested_gpu_hours": 1_500})
    assert response.status_code == 200, response.content
    assert response.json()["requested_gpu_hours"] == 1_500

    Pool.objects.filter(kind="national").update(capacity_gpu_hours=1_000)  # can grant 1,200
    response = post(reviewer, url + "/review", {"decision": "approve"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "capacity 1,000 x overbooking 1.2 = 1,200 GPU-hours" in detail
    assert "requested 1,500; only 1,200 are left" in detail
    assert response.json()["field"] == "gpu_hours"

    response = post(reviewer, url + "/review", {"decision": "approve", "gpu_hours": 1_200})
    assert response.status_code == 200, response.content
    approved = response.json()
    assert approved["allocation"]["granted_gpu_hours"] == 1_200
    assert [(e["decision"], e["gpu_hours"]) for e in approved["events"]] == [
        ("submitted", 2_000), ("changes_requested", None), ("resubmitted", 1_500),
        ("approved", 1_200)]
    allocations = lead.get("/api/compute/allocations").json()
    assert [a["request_id"] for a in allocations] == [req["id"]]
    assert post(lead, url + "/withdraw", {}).status_code == 409
    assert post(reviewer, url + "/review", {"decision": "reject",
                                            "comment": "Too late"}).status_code == 409
    listed = lead.get("/api/compute/requests", {"status": "approved"}).json()
    assert [r["id"] for r in listed] == [req["id"]]
    assert lead.get("/api/compute/requests", {"status": "rejected"}).json() == []
    assert lead.get("/api/compute/requests",
                    {"project_id": world.other_project.pk}).json() == []


@pytest.mark.parametrize(("change", "status"), [
    ({"requested_gpu_hours": 0}, 422),
    ({"requested_gpu_hours": 2**31}, 422),
    ({"access_type": "Fast Lane"}, 422),
    ({"access_type": "gigafactory"}, 400),
    ({"requested_gpu_hours": 60_000}, 400),  # above the fast lane's limit
    ({"data_sensitivity": "secret"}, 422),
    ({"title": "a\u0000b"}, 422),
    ({"justification": ""}, 422),
    ({"period": "later"}, 422),
    ({"period": "next"}, 201),
])
def test_submit_validation(world: World, change: dict[str, Any], status: int) -> None:
    response = post(client_as(world.org_admin),
                    f"/api/projects/{world.project.pk}/allocation-requests",
                    {**BODY, **change})
    assert response.status_code == status, response.content


def test_cluster_description(world: World) -> None:
    client = client_as(world.member)
    cluster = client.get("/api/compute/cluster").json()
    assert cluster["name"] == "MeluXina-AI"
    assert cluster["total_gpus"] >= 2100
    assert cluster["announced"] is True
    assert {p["name"] for p in cluster["partitions"]} == {"gpu", "gpu-dev"}
    assert cluster["policy"] == {"period_months": 6, "first_period_start": "2026-01-01",
                                 "pool_shares_percent": {"national": 50, "eurohpc": 50},
                                 "overbooking_factor": "1.20"}
    french = client.get("/api/compute/cluster", headers={"Accept-Language": "fr"}).json()
    assert "Voie rapide" in {a["title"] for a in french["access_types"]}
    assert client_as(None).get("/api/compute/cluster").status_code == 401
