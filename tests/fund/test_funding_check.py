"""The funding check through the API and the page: on the verified SME status, with amounts and
reasons in the reader's language; a warning when the work would start before the application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from laif.accounts.models import User
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.factories import World, sign_up

TOMORROW = timezone.localdate() + timedelta(days=1)


def test_the_api_checks_every_instrument_on_the_verified_status(world: World) -> None:
    response = client_as(world.member).post(
        f"/api/organisations/{world.org.pk}/funding-check",
        {"costs_eur": 150_000, "compute_eur": 20_000, "start_on": TOMORROW.isoformat()},
        content_type="application/json")
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["sme_class"], out["warnings"]) == ("small", [])
    found = {i["code"]: i for i in out["instruments"]}
    assert (found["fit4ai"]["outcome"], found["fit4ai"]["amount_cents"]) == ("eligible",
                                                                             5_000_000)
    assert found["fit4ai"]["to_confirm"] is True
    assert "at most EUR\xa050,000: capped" in found["fit4ai"]["reasons"][1]["text"]
    assert found["spinoff"]["outcome"] == "not_eligible"
    assert (found["compute_cashback"]["outcome"], found["compute_cashback"]["amount_cents"]) == (
        "eligible", 1_600_000)
    assert found["horizon_europe"]["outcome"] == "to_check"


def test_an_organisation_without_a_verified_status_is_to_check_and_warned(
        world: World) -> None:
    org, admin = sign_up("Initech")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_as(admin).post(
        f"/api/organisations/{org.pk}/funding-check",
        {"costs_eur": 10_000, "start_on": yesterday.isoformat()},
        content_type="application/json", headers={"accept-language": "fr"})
    out = response.json()
    found = {i["code"]: i for i in out["instruments"]}
    assert (found["fit4ai"]["outcome"], found["fit4ai"]["amount_cents"]) == ("to_check", None)
    assert [w["code"] for w in out["warnings"]] == ["starts_before_application"]
    assert "avant la demande" in out["warnings"][0]["text"]
    with translation.override("fr"):
        assert f"le {date_format(yesterday)}," in out["warnings"][0]["text"]  # not ISO
    outsider = client_as(world.org_admin).post(
        f"/api/organisations/{org.pk}/funding-check",
        {"costs_eur": 1, "start_on": TOMORROW.isoformat()}, content_type="application/json")
    assert outsider.status_code == 404


def test_the_page_in_english_and_french(world: World,
                                        client_for: Callable[[User | None], Client]) -> None:
    client = client_for(world.member)
    url = f"/organisations/{world.org.pk}/funding/"
    assert "Funding check" in client.get(url).content.decode()
    page = client.get(url, {"costs_eur": "150000", "compute_eur": "20000",
                            "start_on": TOMORROW.isoformat()}).content.decode()
    assert 'id="instrument-fit4ai"' in page
    assert "EUR\xa050,000.00" in page
    assert "Verified SME status: Small enterprise" in page
    french = client_for(world.member)
    french.cookies["django_language"] = "fr"
    page = french.get(url, {"costs_eur": "150000", "start_on": TOMORROW.isoformat()},
                      headers={"accept-language": "fr"}).content.decode()
    assert "Éligible" in page or "Admissible" in page
    assert client_for(world.other_member).get(url).status_code == 404


def test_the_cli_checks_a_plan(world: World) -> None:
    done = run_cli(["funding", "check", "--costs", "150000", "--compute", "20000", "--start",
                    TOMORROW.isoformat()], token_for(world.org_admin))
    assert done.exit_code == 0, done.output
    flat = " ".join(done.output.split())
    assert "SME status: small" in flat
    assert "EUR 50,000.00" in flat
    bad = run_cli(["funding", "check", "--costs", "1", "--start", "soon"],
                  token_for(world.org_admin))
    assert bad.exit_code != 0
