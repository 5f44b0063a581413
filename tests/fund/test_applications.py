"""Funding applications: drafted and submitted by an organisation's admins, granted or refused by
the factory's operators; a grant is aid with its legal basis and grant date, a de minimis one
counts in the total and must fit the headroom (never trimmed silently: less than applied for is
a decision with its reason)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Notice
from laif.fund import selectors, services
from laif.fund.models import AidRecord, FundingApplication
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.factories import World
from tests.views_support import html

JSON = "application/json"


def applied(world: World, euros: int = 50_000, instrument: str = "fit4ai") -> int:
    admin = client_as(world.org_admin)
    created = admin.post(f"/api/organisations/{world.org.pk}/funding-applications",
                         {"instrument": instrument, "title": "Vision on line 3",
                          "amount_cents": euros * 100}, content_type=JSON)
    assert created.status_code == 201, created.content
    application_id = int(created.json()["id"])
    submitted = admin.post(f"/api/funding-applications/{application_id}/submit",
                           content_type=JSON)
    assert submitted.json()["state"] == "submitted"
    return application_id


def grant(world: World, application_id: int, euros: int, **extra: Any) -> Any:
    return client_as(world.operator).post(
        f"/api/funding-applications/{application_id}/grant",
        {"granted_cents": euros * 100, "granted_on": timezone.localdate().isoformat(),
         "legal_basis": "de_minimis", "reference": "LUXI-2026-118", **extra}, content_type=JSON)


def received_elsewhere(world: World, euros: int) -> None:
    services.aid_declare(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                         organisation_id=world.org.pk, amount_cents=euros * 100,
                         granted_on=timezone.localdate() - timedelta(days=100), legal_basis="de_minimis",
                         source="Ministry of the Economy, decision 2026/12")


def test_a_granted_application_is_aid_that_counts_in_the_de_minimis_total(
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
        world: World) -> None:
    before = selectors.de_minimis_total(world.org.pk, timezone.localdate()).left_cents
    application_id = applied(world)
    assert Notice.objects.filter(recipient=world.operator, kind="funding.submitted").exists()
    with django_capture_on_commit_callbacks(execute=True):
        granted = grant(world, application_id, 50_000)
    assert granted.status_code == 200, granted.content
    out = granted.json()
    assert (out["state"], out["granted_cents"]) == ("granted", 5_000_000)
    aid = AidRecord.objects.get(pk=out["aid_id"])
    assert (aid.legal_basis, aid.granted_on, aid.source) == ("de_minimis", timezone.localdate(),
                                                              "Fit 4 AI: LUXI-2026-118")
    assert selectors.de_minimis_total(world.org.pk, timezone.localdate()).left_cents == before - 5_000_000
    assert Notice.objects.filter(recipient=world.org_admin, kind="funding.decided").exists()


def test_past_the_headroom_the_full_amount_is_refused_and_a_reduced_grant_needs_its_reason(
        world: World) -> None:
    received_elsewhere(world, 290_000)  # EUR\xa010,000 left under the EUR\xa0300,000 ceiling
    application_id = applied(world, 50_000)
    refused = grant(world, application_id, 50_000)
    assert refused.status_code == 409
    assert "cannot be granted under de minimis: EUR\xa010,000.00 is left" in refused.json()["detail"]
    no_reason = grant(world, application_id, 10_000)
    assert (no_reason.status_code, no_reason.json()["field"]) == (400, "reduction_reason")
    reduced = grant(world, application_id, 10_000,
                    reduction_reason="De minimis headroom of the single undertaking.")
    assert reduced.status_code == 200
    assert reduced.json()["decision_note"] == "De minimis headroom of the single undertaking."
    assert selectors.de_minimis_total(world.org.pk, timezone.localdate()).left_cents == 0
    # another legal basis does not count against the ceiling
    other = applied(world, 80_000, instrument="rdi")
    assert grant(world, other, 80_000, legal_basis="block_exemption").status_code == 200
    assert selectors.de_minimis_total(world.org.pk, timezone.localdate()).left_cents == 0


def test_who_may_do_what_and_in_which_state(world: World) -> None:
    application_id = applied(world)
    assert grant(world, application_id, 60_000).json()["field"] == "granted_cents"  # > applied
    future = grant(world, application_id, 1_000, granted_on=(timezone.localdate() + timedelta(days=1))
                   .isoformat())
    assert (future.status_code, future.json()["field"]) == (400, "granted_on")
    old = grant(world, application_id, 1_000, granted_on=date(2000, 1, 1).isoformat())
    assert old.status_code == 400
    assert client_as(world.reviewer).post(
        f"/api/funding-applications/{application_id}/refuse", {"reason": "No."},
        content_type=JSON).status_code == 403
    assert client_as(world.member).post(
        f"/api/organisations/{world.org.pk}/funding-applications",
        {"instrument": "fit4ai", "title": "X", "amount_cents": 100},
        content_type=JSON).status_code == 403
    assert client_as(world.other_member).get(
        f"/api/organisations/{world.org.pk}/funding-applications").status_code == 404
    cashback = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/funding-applications",
        {"instrument": "compute_cashback", "title": "X", "amount_cents": 100}, content_type=JSON)
    assert (cashback.status_code, cashback.json()["field"]) == (400, "instrument")
    refused = client_as(world.operator).post(
        f"/api/funding-applications/{application_id}/refuse",
        {"reason": "The project started before the application."}, content_type=JSON)
    assert refused.json()["state"] == "refused"
    again = grant(world, application_id, 1_000)
    assert again.status_code == 409
    assert FundingApplication.objects.get().aid is None


def test_the_page_for_the_admin_and_the_operator(world: World) -> None:
    admin = client_as(world.org_admin)
    url = f"/organisations/{world.org.pk}/funding/applications/"
    response = admin.post(url, {"instrument": "fit4ai", "title": "Vision on line 3",
                                "amount_eur": "40000"})
    assert response.status_code == 302
    application = FundingApplication.objects.get()
    admin.post(f"/funding/applications/{application.pk}/submit/")
    operator = client_as(world.operator)
    page = html(operator.get(url))
    assert f'id="id_{application.pk}_granted_eur"' in page
    received_elsewhere(world, 290_000)
    failed = operator.post(f"/funding/applications/{application.pk}/grant/", {
        "granted_eur": "40000", "granted_on": timezone.localdate().isoformat(), "legal_basis": "de_minimis",
        "reference": "LUXI-7"})
    assert failed.status_code == 400
    assert "cannot be granted under de minimis" in html(failed)
    operator.post(f"/funding/applications/{application.pk}/grant/", {
        "granted_eur": "10000", "granted_on": timezone.localdate().isoformat(), "legal_basis": "de_minimis",
        "reference": "LUXI-7", "reduction_reason": "Headroom."})
    page = html(admin.get(url, headers={"accept-language": "fr"}))
    assert "Accordée" in page
    assert "Demandes de financement" in page


def test_the_cli_lists_the_applications_and_the_rules(world: World) -> None:
    application_id = applied(world, 20_000)
    grant(world, application_id, 15_000, reduction_reason="Costs partly eligible.")
    listed = run_cli(["funding", "applications"], token_for(world.member))
    assert listed.exit_code == 0, listed.output
    assert "granted" in listed.output
    assert "15,000.00" in listed.output
    rules = run_cli(["funding", "rules"], token_for(world.member))
    assert rules.exit_code == 0, rules.output
    assert "fit4ai" in rules.output
    assert "to confirm" in rules.output
