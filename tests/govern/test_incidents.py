"""Serious incidents (Art. 73): recorded with the day the provider became aware of them, their
reporting deadline set by their kind, shown as days left or overdue, told to the people who
answer for the system, recorded as reported; in the Annex IV file; clear refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from laif.govern.models import MonitoringEvent
from tests.api_support import JSON, client_as
from tests.factories import World
from tests.govern.support import registered_system


def _record(world: World, system: int, user: Any = None, status: int = 201,
            **body: Any) -> dict[str, Any]:
    response = client_as(user or world.org_admin).post(
        f"/api/ai-systems/{system}/incidents",
        {"kind": "serious_harm", "description": "An applicant was refused on a wrong income.",
         "aware_on": timezone.localdate().isoformat(), **body}, content_type=JSON)
    assert response.status_code == status, response.content
    return dict(response.json())


def test_the_deadline_follows_the_kind_and_the_people_are_told(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    system = registered_system(world)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        harm = _record(world, system, aware_on=(today - timedelta(days=3)).isoformat())
    assert harm["deadline"] == (today + timedelta(days=12)).isoformat()  # 15 days, Art. 73(2)
    assert harm["article"].startswith("Art. 73(2)")
    assert harm["late"] is False
    assert {m.to[0] for m in mail.outbox} == {world.org_admin.email, world.project_lead.email}
    assert "report it by" in mail.outbox[0].subject
    death = _record(world, system, user=world.project_lead, kind="death",
                    aware_on=(today - timedelta(days=11)).isoformat())
    assert death["deadline"] == (today - timedelta(days=1)).isoformat()  # 10 days: overdue
    assert death["late"] is True
    assert MonitoringEvent.objects.filter(kind="incident").count() == 2

    page = client_as(world.member).get(f"/ai-systems/{system}/").content.decode()
    assert "12 days left to report it" in page
    assert "Overdue by 1 day" in page
    assert "incident-form" not in page  # a member reads
    fr = client_as(world.member).get(f"/ai-systems/{system}/",
                                     headers={"accept-language": "fr"}).content.decode()
    assert "En retard de 1 jour" in fr

    reported = client_as(world.org_admin).post(
        f"/api/incidents/{death['id']}/report",
        {"reported_on": today.isoformat(), "reference": "ILNAS-2026-117"}, content_type=JSON)
    assert reported.status_code == 200, reported.content
    assert reported.json()["late"] is True  # reported, but after its deadline
    annex = client_as(world.member).get(f"/api/ai-systems/{system}/annex-iv").json()
    post = next(s for s in annex["sections"] if s["point"] == "Annex IV, point 9")
    texts = " ".join(i["text"] for i in post["items"])
    assert "The death of a person (Art. 73(4))" in texts
    assert "(ILNAS-2026-117)" in texts
    assert any("is not reported yet" in g for g in post["gaps"])  # the other one


def test_bad_incidents_are_refused_clearly(world: World) -> None:
    system = registered_system(world)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = _record(world, system, aware_on=tomorrow, status=400)
    assert future["field"] == "aware_on"
    unknown = _record(world, system, kind="astrology", status=400)
    assert unknown["field"] == "kind"
    _record(world, system, user=world.member, status=403)
    _record(world, system, user=world.other_member, status=404)
    done = _record(world, system)
    before = (timezone.localdate() - timedelta(days=1)).isoformat()
    early = client_as(world.org_admin).post(f"/api/incidents/{done['id']}/report",
                                            {"reported_on": before}, content_type=JSON)
    assert early.status_code == 400
    assert early.json()["field"] == "reported_on"
    assert client_as(world.member).post(
        f"/api/incidents/{done['id']}/report",
        {"reported_on": timezone.localdate().isoformat()}, content_type=JSON).status_code == 403


def test_the_page_records_an_incident_and_its_report(world: World) -> None:
    system = registered_system(world)
    admin = client_as(world.org_admin)
    today = timezone.localdate().isoformat()
    refused = admin.post(f"/ai-systems/{system}/incidents/", {
        "incident-kind": "death", "incident-description": "", "incident-aware_on": today})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    made = admin.post(f"/ai-systems/{system}/incidents/", {
        "incident-kind": "critical_infrastructure", "incident-description": "Grid outage.",
        "incident-aware_on": today})
    assert made.status_code == 302
    incident = made["Location"].rsplit("#incident-", 1)[1]
    page = admin.get(f"/ai-systems/{system}/").content.decode()
    assert "2 days left to report it" in page
    done = admin.post(f"/incidents/{incident}/reported/", {
        f"reported-{incident}-reported_on": today,
        f"reported-{incident}-reference": "ILNAS-1"})
    assert done.status_code == 302
    page = admin.get(f"/ai-systems/{system}/").content.decode()
    assert "ILNAS-1" in page
    assert "days left" not in page
