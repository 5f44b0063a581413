"""In-app notices: written next to the e-mails (in the recipient's language), listed under the bell
and on /notices/, marked read (htmx); through the API everyone sees only their own."""

from __future__ import annotations

import pytest

from laif.accounts.models import Notice, User
from tests.api_support import JSON, client_as
from tests.compute.support import review, submit
from tests.factories import World

pytestmark = pytest.mark.django_db


def test_a_review_decision_leaves_a_notice_in_the_recipients_language(world: World) -> None:
    User.objects.filter(pk=world.project_lead.pk).update(language="fr")
    world.project_lead.refresh_from_db()
    req = submit(world.project, world.project_lead, title="Vision")
    [to_reviewer] = Notice.objects.filter(recipient=world.reviewer)
    assert to_reviewer.kind == "allocation.request"
    assert to_reviewer.text == "New allocation request: Vision"
    assert to_reviewer.link == f"/compute/requests/{req.pk}/"
    review(req, world.reviewer, "approve")
    [to_lead] = Notice.objects.filter(recipient=world.project_lead)
    assert to_lead.kind == "allocation.decision"
    assert to_lead.text == "Allocation approuvée\xa0: Vision"
    assert to_lead.read_at is None


def test_the_reviewers_comment_is_in_the_notice_not_only_in_the_mail(world: World) -> None:
    req = submit(world.project, world.project_lead, title="Vision")
    review(req, world.reviewer, "request_changes", comment="Say which data set you train on.")
    [to_lead] = Notice.objects.filter(recipient=world.project_lead)
    assert to_lead.text == ("Changes requested on your allocation request: Vision\n"
                            "Reviewer's comment: Say which data set you train on.")
    page = client_as(world.project_lead).get("/notices/").content.decode()
    assert "Vision<br>Reviewer&#x27;s comment: Say which data set you train on." in page


def test_a_long_comment_is_cut_with_an_ellipsis_and_the_notice_links_to_the_whole(
        world: World) -> None:
    req = submit(world.project, world.project_lead, title="Vision")
    review(req, world.reviewer, "reject", comment="word " * 300)
    [to_lead] = Notice.objects.filter(recipient=world.project_lead)
    assert 480 < len(to_lead.text) <= 500
    assert to_lead.text.endswith(" word\u2026")
    assert to_lead.link == f"/compute/requests/{req.pk}/"


def test_a_refused_funding_application_tells_the_admins_why_in_the_notice(world: World) -> None:
    created = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/funding-applications",
        {"instrument": "fit4ai", "title": "Vision", "amount_cents": 100}, content_type=JSON)
    application_id = created.json()["id"]
    assert client_as(world.org_admin).post(
        f"/api/funding-applications/{application_id}/submit").status_code == 200
    client_as(world.operator).post(
        f"/api/funding-applications/{application_id}/refuse",
        {"reason": "The project started before the application."}, content_type=JSON)
    [notice] = Notice.objects.filter(recipient=world.org_admin, kind="funding.decided")
    assert notice.text.endswith("\nThe project started before the application.")


def test_the_api_lists_and_marks_only_ones_own_notices(world: World) -> None:
    submit(world.project, world.project_lead, title="Vision")
    notice = Notice.objects.get(recipient=world.reviewer)
    mine = client_as(world.reviewer)
    listed = mine.get("/api/notices").json()
    assert [n["id"] for n in listed] == [notice.pk]
    assert client_as(world.project_lead).get("/api/notices").json() == []
    assert client_as(world.project_lead).post(
        f"/api/notices/{notice.pk}/read").status_code == 404
    read = mine.post(f"/api/notices/{notice.pk}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert mine.get("/api/notices?unread=true").json() == []


def test_the_bell_counts_and_the_page_marks_read_with_htmx(world: World) -> None:
    submit(world.project, world.project_lead, title="Vision")
    client = client_as(world.reviewer)
    home = client.get("/notices/").content.decode()
    assert "1 unread notice" in home
    assert "New allocation request: Vision" in home
    notice = Notice.objects.get(recipient=world.reviewer)
    row = client.post(f"/notices/{notice.pk}/read/", headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert f'id="notice-{notice.pk}"' in row.content.decode()
    assert "Mark as read" not in row.content.decode()
    assert "unread notice" not in client.get("/notices/").content.decode()
    assert client_as(world.member).post(f"/notices/{notice.pk}/read/").status_code == 404


def test_mark_all_read(world: World) -> None:
    submit(world.project, world.project_lead, title="Vision")
    submit(world.project, world.project_lead, title="Vision 2")
    client = client_as(world.reviewer)
    assert client.post("/notices/read-all/").status_code == 302
    assert not Notice.objects.filter(recipient=world.reviewer, read_at__isnull=True).exists()
