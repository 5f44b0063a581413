"""The single point of entry through its pages: anyone describes a need, sees where it goes and
why and the next steps; a request from someone not logged in reaches the staff inbox only once
the link e-mailed to the address is opened; staff assign, move, comment and conclude; the
requester follows it (internal notes never shown) and replies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts.models import AuditEntry, Notice
from laif.entry.models import Intake, IntakeEvent
from tests.api_support import client_as
from tests.factories import World, verified_user
from tests.mail_support import link_path
from tests.views_support import html

Capture = DjangoCaptureOnCommitCallbacks

FORM = {
    "goal": "use_case", "sector": "manufacturing", "data_kinds": ["images", "personal"],
    "budget": "10k_50k", "timeline": "12_months", "language": "fr",
    "description": "Detect scratches on line 3 with a camera; 2% of parts are rejected late.",
    "contact_name": "Marie Schmit", "email": "Marie@Moselle-Parts.lu",
    "organisation": "Moselle Parts", "consent": "on",
}


def submit(captured: Capture, client: Client | None = None, **changes: Any) -> Any:
    with captured(execute=True):
        return (client or Client()).post("/start/", {**FORM, **changes})


def follow_path(address: str = "marie@moselle-parts.lu") -> str:
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return link_path(message.body, "/start/follow/")


def test_an_anonymous_need_is_routed_with_reasons_and_next_steps(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    response = submit(django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/start/sent/"
    intake = Intake.objects.get()
    assert (intake.status, intake.email, intake.submitted_by) == ("unverified",
                                                                  "marie@moselle-parts.lu", None)
    assert [m["rule"] for m in intake.classification] == [
        "use-case-roadmap", "compute-gpu", "sensitive-sandbox", "small-budget-funding"]
    # the same browser sees where the request goes, why, and the next steps
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/start/", {**FORM, "email": "paul@moselle-parts.lu"})
    sent = html(client.get("/start/sent/"))
    assert "paul@moselle-parts.lu" in sent
    assert "Open it to confirm your address" in sent
    assert "Rule: sensitive-sandbox" in sent
    assert "personal or health data" in sent
    assert 'id="step-funding_check"' in sent
    assert 'href="/signup/"' in sent
    # nothing in the inbox until the address is confirmed; the mail is in the chosen language
    assert intake.respond_by is None
    assert html(client_as(world.operator).get("/staff/inbox/")).count("moselle-parts.lu") == 0
    (message,) = [m for m in mail.outbox if m.to == ["marie@moselle-parts.lu"]]
    assert "Confirmez votre demande" in message.subject


def test_the_follow_link_confirms_the_address_and_puts_the_request_in_the_inbox(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    submit(django_capture_on_commit_callbacks)
    path = follow_path()
    page = html(Client().get(path))
    assert "your address is confirmed" in page
    intake = Intake.objects.get()
    assert intake.status == "new"
    assert intake.verified_at is not None
    assert intake.respond_by is not None
    assert intake.respond_by > intake.verified_at
    assert Notice.objects.filter(recipient=world.operator, kind="entry.new").count() == 1
    inbox = html(client_as(world.operator).get("/staff/inbox/"))
    assert f'id="intake-{intake.pk}"' in inbox
    assert "Moselle Parts" in inbox
    # opening it again only shows it
    assert "your address is confirmed" not in html(Client().get(path))
    assert Notice.objects.filter(kind="entry.new").count() == 1
    assert AuditEntry.objects.filter(action="entry.verified").count() == 1


@pytest.mark.parametrize("tamper", [
    lambda p: p.replace("/follow/", "/follow/x"),
    lambda p: p[:-3] + "AA/",
    lambda p: "/start/follow/not-a-token/",
])
def test_a_wrong_follow_link_is_not_found_and_confirms_nothing(
        django_capture_on_commit_callbacks: Capture, world: World, tamper: Any) -> None:
    submit(django_capture_on_commit_callbacks)
    assert Client().get(tamper(follow_path())).status_code == 404
    assert Intake.objects.get().status == "unverified"


def test_a_request_not_confirmed_within_seven_days_must_be_sent_again(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    submit(django_capture_on_commit_callbacks)
    Intake.objects.update(created_at=timezone.now() - timedelta(days=8))
    response = Client().get(follow_path())
    assert response.status_code == 409
    assert "describe your need again" in html(response)
    assert Intake.objects.get().status == "unverified"


def test_anonymous_requests_are_limited_per_address(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    for _ in range(3):
        assert submit(django_capture_on_commit_callbacks).status_code == 302
    refused = submit(django_capture_on_commit_callbacks)
    assert refused.status_code == 200
    assert "Three requests from this address today already" in html(refused)
    assert Intake.objects.count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(("changes", "field"), [
    ({"goal": "world_domination"}, "goal"),
    ({"data_kinds": ["none", "images"]}, "data_kinds"),
    ({"consent": ""}, "consent"),
    ({"description": "bad\x00byte"}, "description"),
    ({"email": "not-an-address"}, "email"),
])
def test_bad_answers_are_shown_on_their_field_and_nothing_is_stored(
        django_capture_on_commit_callbacks: Capture, world: World, changes: dict[str, Any],
        field: str) -> None:
    response = submit(django_capture_on_commit_callbacks, **changes)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html(response)
    assert Intake.objects.count() == 0
    assert len(mail.outbox) == 0


def test_a_logged_in_request_goes_to_the_inbox_at_once_and_proposes_the_gpu_request_form(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    client = client_as(world.project_lead)
    form = html(client.get("/start/"))
    assert 'name="email"' not in form
    assert 'value="Acme Vision"' in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/start/", {**FORM, "language": "en", "organisation": "Acme Vision"})
    intake = Intake.objects.get()
    assert (intake.status, intake.submitted_by, intake.email) == (
        "new", world.project_lead, "lead@acme.lu")
    assert len(mail.outbox) == 0  # no link to confirm: the account's address is
    page = html(client.get(f"/requests/{intake.pk}/"))
    new_request = f"/projects/{world.project.pk}/allocation-requests/new/?"
    assert new_request in page
    query = page.split(new_request)[1].split('"')[0].replace("&amp;", "&")
    prefilled = html(client.get(new_request + query))
    assert "Detect scratches on line 3" in prefilled
    assert 'value="Build a concrete AI use case: Acme Vision"' in prefilled
    assert '<option value="personal" selected>' in prefilled
    assert html(client.get("/requests/")).count(f"/requests/{intake.pk}/") == 1


def _in_inbox(captured: Capture) -> Intake:
    submit(captured)
    Client().get(follow_path())
    return Intake.objects.get()


def test_staff_work_the_request_and_the_requester_follows_it_without_internal_notes(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    intake = _in_inbox(django_capture_on_commit_callbacks)
    staff = client_as(world.operator)
    base = f"/requests/{intake.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"{base}/assign/", {"owner": world.reviewer.pk}).status_code == 302
        staff.post(f"{base}/comment/", {"text": "Budget looks thin for the sandbox."})
        staff.post(f"{base}/status/", {"status": "triaged"})
        staff.post(f"{base}/comment/", {"text": "Can you send 20 sample images?",
                                        "public": "on"})
        staff.post(f"{base}/conclude/", {"outcome": "referral", "service": "funding_check",
                                         "note": "Fit 4 AI covers half of the consultancy."})
    intake.refresh_from_db()
    assert (intake.owner, intake.status, intake.outcome, intake.referral_service) == (
        world.reviewer, "in_progress", "referral", "funding_check")
    assert intake.responded_at is not None
    assert Notice.objects.filter(recipient=world.reviewer, kind="entry.assigned").count() == 1
    # the requester is told by e-mail, in French, each time with the follow link
    told = [m for m in mail.outbox if m.to == ["marie@moselle-parts.lu"]][1:]
    assert len(told) == 3
    assert all("/start/follow/" in m.body for m in told)
    assert "Can you send 20 sample images?" in told[1].body
    assert "Vérification des financements" in told[2].body
    # the follow page: public history only
    path = follow_path_of(str(told[0].body))
    page = html(Client().get(path))
    assert "Can you send 20 sample images?" in page
    assert "Budget looks thin" not in page
    assert world.operator.email not in page
    assert "Référence" not in page  # nothing staff-only leaks
    # staff see everything
    assert "Budget looks thin" in html(staff.get(f"{base}/"))
    # the requester replies with the link; the owner is told
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(path, {"text": "Samples attached to my e-mail."}).status_code == 302
    assert Notice.objects.filter(recipient=world.reviewer, kind="entry.reply").count() == 1
    assert IntakeEvent.objects.filter(kind="reply").count() == 1


def follow_path_of(body: str) -> str:
    return link_path(body, "/start/follow/")


def test_a_status_jump_the_rules_forbid_is_refused_on_its_field(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    intake = _in_inbox(django_capture_on_commit_callbacks)
    staff = client_as(world.operator)
    staff.post(f"/requests/{intake.pk}/status/", {"status": "closed"})
    response = staff.post(f"/requests/{intake.pk}/status/", {"status": "new"})
    assert response.status_code == 400
    assert "cannot go from Closed to New" in html(response)
    assert Intake.objects.get().status == "closed"


def test_only_the_requester_and_staff_see_a_request_and_auditors_only_read(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    intake = _in_inbox(django_capture_on_commit_callbacks)
    path = f"/requests/{intake.pk}/"
    for outsider in (world.member, world.other_member, world.org_admin):
        assert client_as(outsider).get(path).status_code == 404
    assert client_as(world.auditor).get(path).status_code == 200
    assert client_as(world.auditor).post(f"{path}status/",
                                         {"status": "triaged"}).status_code == 403
    assert client_as(world.member).get("/staff/inbox/").status_code == 403
    # the requester signs up later with the confirmed address: the request is theirs
    marie = verified_user("marie@moselle-parts.lu")
    assert client_as(marie).get(path).status_code == 200
    assert f"/requests/{intake.pk}/" in html(client_as(marie).get("/requests/"))


def test_the_inbox_flags_overdue_requests_and_filters_them(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    intake = _in_inbox(django_capture_on_commit_callbacks)
    staff = client_as(world.operator)
    assert f'id="intake-{intake.pk}"' not in html(staff.get("/staff/inbox/?overdue=1"))
    Intake.objects.update(respond_by=timezone.now() - timedelta(minutes=1))
    page = html(staff.get("/staff/inbox/?overdue=1"))
    assert f'<tr id="intake-{intake.pk}" class="is-overdue">' in page
    assert "1 overdue" in page
    staff.post(f"/requests/{intake.pk}/comment/", {"text": "We call you today.", "public": "on"})
    assert f'id="intake-{intake.pk}"' not in html(staff.get("/staff/inbox/?overdue=1"))
