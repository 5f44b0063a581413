"""Funding rules published by the factory's operators without code: a new version of an
instrument applies from its date in the funding check, the applications and the API; a version
the catalogue's checks refuse is refused naming the problem; only operators publish."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from laif.fund.instruments import funding_in_force
from laif.fund.models import InstrumentVersion
from tests.api_support import client_as
from tests.factories import World
from tests.views_support import html

JSON = "application/json"


def fit4ai(world: World) -> dict[str, object]:
    found = client_as(world.member).get("/api/funding/instruments").json()
    return next(i for i in found if i["code"] == "fit4ai")


def check(world: World) -> dict[str, object]:
    out = client_as(world.member).post(
        f"/api/organisations/{world.org.pk}/funding-check",
        {"costs_eur": 150_000, "start_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
        content_type=JSON).json()
    return next(i for i in out["instruments"] if i["code"] == "fit4ai")


def test_an_operator_publishes_a_verified_version_that_applies_from_its_date(
        world: World) -> None:
    assert (fit4ai(world)["status"], check(world)["amount_cents"]) == ("as_announced", 5_000_000)
    operator = client_as(world.operator)
    page = html(operator.get("/staff/funding/fit4ai/"))
    assert 'name="cap_small" value="50000"' in page
    form = {"status": "verified", "name_en": "Fit 4 AI", "name_fr": "Fit 4 AI",
            "provider": "Luxinnovation", "rate_percent": "50", "cap_micro": "60000",
            "cap_small": "60000", "cap_medium": "120000",
            "eligible_sme_classes": ["micro", "small", "medium"],
            "source": "Fit 4 AI scheme, official text of 1 March 2027, article 4",
            "note": "Caps raised by the 2027 scheme"}
    later = operator.post("/staff/funding/fit4ai/", {
        **form, "effective_from": (timezone.localdate() + timedelta(days=30)).isoformat()})
    assert later.status_code == 302
    assert check(world)["amount_cents"] == 5_000_000  # not in force yet
    assert funding_in_force(timezone.localdate() + timedelta(days=30)).instruments[0].caps_eur["small"] \
        == 60_000
    operator.post("/staff/funding/fit4ai/", {**form, "effective_from": timezone.localdate().isoformat()})
    now = check(world)
    assert (now["amount_cents"], now["to_confirm"]) == (6_000_000, False)
    assert fit4ai(world)["status"] == "verified"
    history = html(operator.get("/staff/funding/fit4ai/"))
    assert history.count("Caps raised by the 2027 scheme") == 2


def test_a_wrong_version_is_refused_and_only_operators_publish(world: World) -> None:
    instrument: dict[str, object] = {
        "name": "Fit 4 AI", "provider": "Luxinnovation", "status": "verified",
        "kind": "share_of_costs", "rate_percent": 150, "caps_eur": {"small": 50_000},
        "costs": "consultancy", "eligible_sme_classes": ["small"], "eligible_kinds": [],
        "source": "x"}
    body: dict[str, object] = {"effective_from": timezone.localdate().isoformat(), "note": "Test",
                               "instrument": instrument}
    wrong = client_as(world.operator).post("/api/funding/instruments/fit4ai/versions", body,
                                           content_type=JSON)
    assert (wrong.status_code, wrong.json()["field"]) == (400, "data")
    assert "'rate_percent' must be between 1 and 100" in wrong.json()["detail"]
    good = {**body, "instrument": {**instrument, "rate_percent": 40}}
    assert client_as(world.reviewer).post("/api/funding/instruments/fit4ai/versions", good,
                                          content_type=JSON).status_code == 403
    assert client_as(world.org_admin).get("/staff/funding/").status_code == 403
    unknown = client_as(world.operator).post("/api/funding/instruments/lottery/versions", good,
                                             content_type=JSON)
    assert unknown.status_code == 404
    created = client_as(world.operator).post("/api/funding/instruments/fit4ai/versions", good,
                                             content_type=JSON)
    assert created.status_code == 201
    assert created.json()["rate_percent"] == 40
    assert InstrumentVersion.objects.count() == 1
