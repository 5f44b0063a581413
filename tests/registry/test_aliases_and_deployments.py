"""Champion and challenger need a second person's approval; only an approved version is
deployed; the deployment ledger is append-only and hash-chained, shows rollbacks, and a line
changed in the database shows on the model's page and stops new lines."""

from __future__ import annotations

from datetime import timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.core import mail
from django.utils import timezone

from laif.registry import chain
from laif.registry.models import Alias, DeploymentEvent
from tests.api_support import JSON, client_as
from tests.factories import World
from tests.registry.support import approved, join_project, register


def _ask(world: World, version: int, user: Any, alias: str = "champion",
         status: int = 201) -> dict[str, Any]:
    response = client_as(user).post(f"/api/model-versions/{version}/alias-requests",
                                    {"alias": alias, "reason": "best AUC"}, content_type=JSON)
    assert response.status_code == status, response.content
    return dict(response.json())


def _decide(request: int, user: Any, approve: bool = True, status: int = 200) -> dict[str, Any]:
    response = client_as(user).post(f"/api/alias-requests/{request}/decision",
                                    {"approve": approve, "note": "checked"}, content_type=JSON)
    assert response.status_code == status, response.content
    return dict(response.json())


def test_an_alias_needs_another_person(world: World,
                                       django_capture_on_commit_callbacks: Any) -> None:
    join_project(world)
    v1 = register(client_as(world.member), world.project.pk)["id"]
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(world, v1, world.project_lead)
    assert {m.to[0] for m in mail.outbox} == {world.org_admin.email}  # not the asker
    assert "Approval asked" in mail.outbox[0].subject
    _decide(asked["id"], world.project_lead, status=403)  # a lead, but the asker
    _decide(asked["id"], world.member, status=403)  # not a lead
    _ask(world, v1, world.member, status=409)  # one waiting request per alias
    assert not Alias.objects.exists()
    done = _decide(asked["id"], world.org_admin)
    assert (done["state"], done["decided_by"]) == ("approved", world.org_admin.email)
    _decide(asked["id"], world.org_admin, status=409)  # decided once
    model = client_as(world.member).get(f"/api/models/{Alias.objects.get().model_id}").json()
    assert [(a["alias"], a["version"]) for a in model["aliases"]] == [("champion", 1)]

    v2 = register(client_as(world.member), world.project.pk)["id"]
    refused = _decide(_ask(world, v2, world.member)["id"], world.project_lead, approve=False)
    assert refused["state"] == "rejected"
    assert Alias.objects.get().version.number == 1  # unchanged
    _ask(world, v1, world.member, status=409)  # already the champion


def _deploy(world: World, model: int, user: Any = None, status: int = 201,
            **body: Any) -> dict[str, Any]:
    response = client_as(user or world.project_lead).post(
        f"/api/models/{model}/deployments", {"environment": "production", **body},
        content_type=JSON)
    assert response.status_code == status, response.content
    return dict(response.json())


def test_the_deployment_ledger(world: World) -> None:
    join_project(world)
    member = client_as(world.member)
    v1 = register(member, world.project.pk)
    v2 = register(member, world.project.pk)
    model = v1["model_id"]
    refused = _deploy(world, model, version_id=v2["id"], status=409)
    assert "approves it" in refused["detail"]  # never approved
    approved(world, v1["id"])
    first = _deploy(world, model, version_id=v1["id"], target="loans-api on k8s-prod")
    assert (first["seq"], first["kind"], first["approved_by"]) == (
        1, "deployed", world.project_lead.email)
    assert first["prev_hash"] == chain.GENESIS
    _deploy(world, model, version_id=v1["id"], status=409)  # already runs there
    _deploy(world, model, world.member, version_id=v1["id"], status=403)  # members do not
    approved(world, v2["id"], alias="challenger")
    second = _deploy(world, model, version_id=v2["id"])
    assert second["prev_hash"] == first["hash"]
    back = _deploy(world, model, version_id=v1["id"], note="AUC fell in production")
    assert back["kind"] == "rollback"
    _deploy(world, model, environment="staging", status=409)  # nothing runs there to retire
    site_time = timezone.now().astimezone(dt_timezone(timedelta(hours=1)))  # as a form sends it
    _deploy(world, model, version_id=v2["id"], environment="staging",
            effective_at=site_time.isoformat())
    _deploy(world, model, version_id=v2["id"], environment="test", status=400,
            effective_at=(site_time - timedelta(days=1)).isoformat())  # before the last line
    retired = _deploy(world, model, environment="staging")
    assert (retired["kind"], retired["version"]) == ("retired", None)

    detail = member.get(f"/api/models/{model}").json()
    assert detail["ledger_holds"] is True
    assert detail["running"] == {"production": 1}
    assert [(t["environment"], t["version"], t["rollback"], t["end"] is None)
            for t in detail["timeline"]] == [
        ("production", 1, False, False), ("production", 2, False, False),
        ("production", 1, True, True), ("staging", 2, False, False)]
    page = member.get(f"/models/{model}/").content.decode()
    assert 'id="timeline"' in page
    assert 'id="ledger-holds"' in page
    assert "deploy-form" not in page  # a member reads the ledger, leads record in it

    # a line changed in the database: the page says where, nothing more is added
    DeploymentEvent.objects.filter(model_id=model, seq=2).update(environment="staging")
    assert member.get(f"/api/models/{model}/ledger").json()["broken_at"] == 2
    assert 'id="ledger-broken"' in member.get(f"/models/{model}/").content.decode()
    _deploy(world, model, version_id=v2["id"], status=409)
    # put back, but the last line rewritten with fresh hashes: not the audit log's
    DeploymentEvent.objects.filter(model_id=model, seq=2).update(environment="production")
    last = DeploymentEvent.objects.get(model_id=model, seq=5)
    content = {**last.content, "note": "nothing happened"}
    DeploymentEvent.objects.filter(pk=last.pk).update(
        content=content, hash=chain.event_hash(last.prev_hash, content))
    assert member.get(f"/api/models/{model}/ledger").json()["broken_at"] == 5
