"""Concurrency on PostgreSQL, two connections at once: two versions registered together get
numbers 1 and 2 (the first creating the model once); two deployments recorded together make one
chain (lines 1 and 2, the second chained to the first); two approvers of one request: one
decision."""

from __future__ import annotations

import io
import time

import pytest

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict
from laif.registry import chain, selectors, services
from laif.registry.models import AliasRequest, DeploymentEvent, ModelVersion, RegisteredModel
from laif.sandbox import signing
from tests.concurrency import in_threads, needs_postgres
from tests.factories import make_world
from tests.registry.support import mlflow_zip

pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True)]


def test_versions_deployments_and_decisions_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_world()
    lead = access_for(w.project_lead), Actor.of(w.project_lead)
    admin = access_for(w.org_admin), Actor.of(w.org_admin)
    signed = signing.sign

    def slow_sign(record: dict[str, object]) -> str:  # widen the window inside the transaction
        time.sleep(0.5)
        return signed(record)

    monkeypatch.setattr(signing, "sign", slow_sign)

    def register(i: int) -> int:
        return services.model_version_register(
            access=lead[0], actor=lead[1], project_id=w.project.pk, name="credit-scorer",
            src=io.BytesIO(mlflow_zip(bytes([i]) * 100)), filename="model.zip").pk

    ids = in_threads(2, register)
    assert RegisteredModel.objects.count() == 1
    assert sorted(ModelVersion.objects.values_list("number", flat=True)) == [1, 2]

    requests = [services.alias_request(access=lead[0], actor=lead[1], version_id=v,
                                       alias=alias).pk
                for v, alias in zip(ids, ("champion", "challenger"), strict=True)]

    def decide(i: int) -> str:  # the admin twice at once, on the same request
        try:
            return services.alias_decide(access=admin[0], actor=admin[1],
                                         request_id=requests[0], approve=i == 0).state
        except Conflict:
            return "conflict"

    assert sorted(in_threads(2, decide)) in (["approved", "conflict"], ["conflict", "rejected"])
    AliasRequest.objects.filter(pk=requests[0]).update(state="pending", decided_by=None,
                                                       decided_at=None)
    for request in requests:
        services.alias_decide(access=admin[0], actor=admin[1], request_id=request, approve=True)

    model = RegisteredModel.objects.get()
    check = selectors.ledger_check
    slow_check_calls: list[int] = []

    def slow_check(events: list[DeploymentEvent]) -> int | None:
        slow_check_calls.append(len(events))
        time.sleep(0.5)
        return check(events)

    monkeypatch.setattr(selectors, "ledger_check", slow_check)

    def deploy(i: int) -> int:
        return services.deployment_record(access=lead[0], actor=lead[1], model_id=model.pk,
                                          environment=("production", "staging")[i],
                                          version_id=ids[i]).seq

    assert sorted(in_threads(2, deploy)) == [1, 2]
    lines = list(DeploymentEvent.objects.filter(model=model).order_by("seq"))
    assert lines[1].prev_hash == lines[0].hash
    assert chain.first_broken(chain.Link(e.seq, e.content, e.prev_hash, e.hash)
                              for e in lines) is None
    assert sorted(slow_check_calls) == [0, 1]  # the second waited for the first's line
