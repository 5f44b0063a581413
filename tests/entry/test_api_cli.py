"""The single point of entry through the REST API and the CLI: routing without storing, a
request from an account, the inbox's filters and the staff's actions, the requester's view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.entry.models import Intake
from tests.api_support import token_for
from tests.cli_support import run_cli
from tests.factories import World

NEED = {"goal": "use_case", "sector": "health", "data": ["text", "health"],
        "budget": "50k_200k", "timeline": "3_months"}


def test_classify_routes_without_storing_in_the_language_asked(
        world: World, api_as: Any) -> None:
    response = api_as(None).post("/api/entry/classify?language=fr", NEED)
    assert response.status_code == 200, response.content
    out = response.json()
    assert [m["rule"] for m in out["matches"]] == [
        "use-case-roadmap", "compute-gpu", "sensitive-sandbox", "health-sandbox", "soon-priority"]
    assert out["next_steps"] == ["roadmap", "gpu_request", "contact"]
    assert out["response_working_days"] == 1
    assert "bac à sable" in out["matches"][2]["because"]
    assert Intake.objects.count() == 0
    bad = api_as(None).post("/api/entry/classify", {**NEED, "data": ["none", "text"]})
    assert (bad.status_code, bad.json()["field"]) == (400, "data")


def test_a_request_from_an_account_and_what_staff_and_the_requester_see(
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, world: World,
        api_as: Any) -> None:
    lead, operator = api_as(world.project_lead), api_as(world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        created = lead.post("/api/entry/requests", {
            **NEED, "description": "Summarise discharge letters.", "language": "en",
            "organisation": "Acme Vision"})
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["status"], out["email"], out["overdue"]) == ("new", "lead@acme.lu", False)
    intake_id = out["id"]
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(f"/api/entry/requests/{intake_id}/comments",
                      {"text": "Internal: needs LNDS.", "public": False})
        moved = operator.post(f"/api/entry/requests/{intake_id}/status", {"status": "closed"})
        assert moved.json()["status"] == "closed"
        reopened = lead.post(f"/api/entry/requests/{intake_id}/replies",
                             {"text": "We still need help."})
    assert reopened.status_code == 201
    assert reopened.json()["status"] == "triaged"  # a reply reopens a closed request
    seen = lead.get(f"/api/entry/requests/{intake_id}").json()
    assert "Internal: needs LNDS." not in str(seen["events"])
    assert all(e["actor"] in ("", "factory") for e in seen["events"])
    staff_view = operator.get(f"/api/entry/requests/{intake_id}").json()
    assert "Internal: needs LNDS." in str(staff_view["events"])
    assert world.operator.email in str(staff_view["events"])
    outcome = operator.post(f"/api/entry/requests/{intake_id}/outcome",
                            {"outcome": "referral", "service": "astrology"})
    assert (outcome.status_code, outcome.json()["field"]) == (400, "service")
    nul = lead.post("/api/entry/requests", {**NEED, "description": "a\x00b"})
    assert nul.status_code == 422


def test_the_inbox_filters_and_overdue_flags(world: World, api_as: Any) -> None:
    lead, operator = api_as(world.project_lead), api_as(world.operator)
    first = lead.post("/api/entry/requests", {**NEED, "description": "One."}).json()["id"]
    second = lead.post("/api/entry/requests", {**NEED, "description": "Two."}).json()["id"]
    Intake.objects.filter(pk=first).update(respond_by=timezone.now() - timedelta(hours=1))
    operator.post(f"/api/entry/requests/{second}/assign", {"owner_id": world.operator.pk})
    assert [r["id"] for r in operator.get("/api/entry/inbox").json()] == [first, second]
    overdue = operator.get("/api/entry/inbox", overdue="true").json()
    assert [(r["id"], r["overdue"]) for r in overdue] == [(first, True)]
    assert [r["id"] for r in operator.get("/api/entry/inbox", mine="true").json()] == [second]
    refused = operator.post(f"/api/entry/requests/{first}/assign",
                            {"owner_id": world.member.pk})
    assert (refused.status_code, refused.json()["field"]) == (400, "owner_id")


def test_the_cli_lists_shows_and_works_the_inbox(world: World, api_as: Any) -> None:
    intake_id = api_as(world.project_lead).post(
        "/api/entry/requests", {**NEED, "description": "Triage radiology reports."}).json()["id"]
    token = token_for(world.operator)
    listed = run_cli(["requests", "list", "--inbox"], token)
    assert listed.exit_code == 0, listed.output
    assert "Inbox" in listed.output
    assert "sandbox" in listed.output
    commented = run_cli(["requests", "comment", str(intake_id), "Call on Monday", "--public"],
                        token)
    assert commented.exit_code == 0, commented.output
    assert "Call on Monday" in commented.output
    assert "rule sensitive-sandbox" in commented.output
    moved = run_cli(["requests", "status", str(intake_id), "in_progress"], token)
    assert "in_progress" in moved.output
    wrong = run_cli(["requests", "status", str(intake_id), "done"], token)
    assert wrong.exit_code == 2
    refused = run_cli(["requests", "status", str(intake_id), "closed"],
                      token_for(world.auditor))
    assert refused.exit_code == 1
    assert "(403)" in refused.output
    mine = run_cli(["requests", "show", str(intake_id)], token_for(world.project_lead))
    assert f"Request {intake_id} · in_progress" in mine.output
    assert "Call on Monday" in mine.output
    assert world.operator.email not in mine.output
