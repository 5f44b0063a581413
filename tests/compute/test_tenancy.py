"""Who sees which requests, allocations and pools (selectors and the API's lists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.models import AuditEntry
from laif.allocations import eurohpc, selectors, services
from laif.allocations.awards import Award
from laif.allocations.models import AllocationRequest
from laif.usage import selectors as ledger_selectors
from tests.api_support import client_as
from tests.compute.support import review, submit
from tests.factories import World

pytestmark = pytest.mark.django_db


@dataclass
class Requests:
    acme: AllocationRequest
    globex: AllocationRequest


@pytest.fixture
def requests(world: World) -> Requests:
    acme = submit(world.project, world.project_lead, requested_gpu_hours=1_000)
    review(acme, world.reviewer, "approve", gpu_hours=800)
    globex = submit(world.other_project, world.other_member, requested_gpu_hours=2_000)
    eurohpc.eurohpc_import(
        access=access_for(world.operator), actor=Actor.of(world.operator),
        awards=[Award(reference="EHPC-T-1", project=world.other_project.code, gpu_hours=300,
                      start=date(2026, 8, 1), end=date(2026, 8, 31), access_type="fast_lane")])
    return Requests(acme=acme, globex=globex)


# role -> (titles of projects whose requests it sees, projects whose allocations it sees)
ACME, GLOBEX = "Quality control line 3", "AML federated"
SCOPES = {
    "member": (set(), set()),  # in the organisation, not in the project
    "project_lead": ({ACME}, {ACME}),
    "org_admin": ({ACME}, {ACME}),
    "other_member": ({GLOBEX}, {GLOBEX}),
    "operator": ({ACME, GLOBEX}, {ACME, GLOBEX}),
    "reviewer": ({ACME, GLOBEX}, {ACME, GLOBEX}),
    "auditor": ({ACME, GLOBEX}, {ACME, GLOBEX}),
    "trainer": (set(), set()),
}


@pytest.mark.parametrize("role", sorted(SCOPES))
def test_lists_are_scoped(world: World, requests: Requests, role: str) -> None:
    user = world.user(role)
    assert user is not None
    access = access_for(user)
    seen_requests, seen_allocations = SCOPES[role]
    assert {r.project.name for r in selectors.requests_for(access)} == seen_requests
    assert {a.project.name for a in selectors.allocations_for(access)} == seen_allocations
    client = client_as(user)
    assert {r["project_name"] for r in client.get("/api/compute/requests").json()} == (
        seen_requests)
    api_allocations = client.get("/api/compute/allocations").json()
    assert {a["project_id"] for a in api_allocations} == {
        world.project.pk if name == ACME else world.other_project.pk
        for name in seen_allocations}


def test_a_project_member_who_is_not_lead_sees_but_cannot_act(world: World,
                                                            requests: Requests) -> None:
    from laif.accounts import services as account_services

    account_services.project_member_add(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        project_id=world.project.pk, user_id=world.member.pk)
    access = access_for(world.member)
    assert list(selectors.requests_for(access)) == [requests.acme]
    req = selectors.request_get(access=access, actor=Actor.of(world.member),
                                request_id=requests.acme.pk)
    assert req.pk == requests.acme.pk
    with pytest.raises(PermissionDenied):
        services.allocation_request_withdraw(access=access, actor=Actor.of(world.member),
                                             request_id=requests.acme.pk)


def test_other_tenants_request_is_absent(world: World, requests: Requests) -> None:
    for role in ("other_member", "trainer", "member"):
        user = world.user(role)
        assert user is not None
        with pytest.raises(NotFound):
            selectors.request_get(access=access_for(user), actor=Actor.of(user),
                                  request_id=requests.acme.pk)
        response = client_as(user).get(f"/api/compute/requests/{requests.acme.pk}")
        assert response.status_code == 404
        assert "line 3" not in response.content.decode()


def test_staff_read_of_a_request_is_audited(world: World, requests: Requests) -> None:
    before = AuditEntry.objects.filter(action="data.accessed").count()
    selectors.request_get(access=access_for(world.auditor), actor=Actor.of(world.auditor),
                          request_id=requests.acme.pk)
    entry = AuditEntry.objects.filter(action="data.accessed").latest("seq")
    assert AuditEntry.objects.filter(action="data.accessed").count() == before + 1
    assert entry.target == f"allocation_request:{requests.acme.pk}"
    assert entry.organisation_id_ref == world.org.pk
    # The project's own people are not "data access".
    selectors.request_get(access=access_for(world.project_lead),
                          actor=Actor.of(world.project_lead), request_id=requests.acme.pk)
    assert AuditEntry.objects.filter(action="data.accessed").count() == before + 1


def test_pool_figures_for_staff_only(world: World, requests: Requests) -> None:
    for role in ("operator", "reviewer", "auditor"):
        user = world.user(role)
        assert user is not None
        usage = {u.pool.kind: u for u in ledger_selectors.pool_usage(access=access_for(user))}
        national, eurohpc = usage["national"], usage["eurohpc"]
        assert national.figures.granted == 800
        assert national.figures.consumed == 0
        assert national.pending_gpu_hours == 2_000
        assert national.figures.left == national.figures.ceiling - 800
        assert eurohpc.figures.granted == 300
        assert eurohpc.allocations == 1
    for role in ("member", "project_lead", "org_admin", "other_member", "trainer"):
        user = world.user(role)
        assert user is not None
        with pytest.raises(PermissionDenied):
            ledger_selectors.pool_usage(access=access_for(user))
        with pytest.raises(PermissionDenied):
            selectors.review_queue(access=access_for(user))
    queue = selectors.review_queue(access=access_for(world.reviewer))
    assert list(queue) == [requests.globex]


def test_api_pool_figures(world: World, requests: Requests) -> None:
    pools = client_as(world.auditor).get("/api/compute/pools").json()
    national = next(p for p in pools if p["kind"] == "national")
    assert national["capacity_gpu_hours"] == 2100 * 184 * 24 // 2
    assert national["overbooking_factor"] == "1.20"
    assert national["ceiling_gpu_hours"] == national["capacity_gpu_hours"] * 12 // 10
    assert national["granted_gpu_hours"] == 800
    assert national["consumed_gpu_hours"] == 0
    assert national["left_gpu_hours"] == national["ceiling_gpu_hours"] - 800
    assert national["pending_gpu_hours"] == 2_000
    period_id = national["period_id"]
    assert len(client_as(world.auditor).get(f"/api/compute/pools?period_id={period_id}")
               .json()) == 2
    assert client_as(world.auditor).get("/api/compute/pools?period_id=999999").json() == []
