"""The audit log as an auditor reads it (issue 22, point 5): names of people, organisations and
projects beside their ids; filters by actor, action, target and days; staff page views kept apart
from actions; a CSV export of what is filtered, safe to open in a spreadsheet and recorded."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from laif.accounts.audit import Actor, audit_record
from laif.accounts.models import AuditEntry
from laif.cluster.scheduler.fake import FakeScheduler
from tests.api_support import client_as
from tests.compute.billing_support import entry, issue
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.support import submit
from tests.factories import World

pytestmark = pytest.mark.django_db
__all__ = ["fake"]
JULY = date(2026, 7, 1)


def html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body)


@pytest.fixture
def logged(world: World) -> World:
    lead = Actor.of(world.project_lead)
    audit_record(actor=lead, action="project.renamed", target=f"project:{world.project.pk}",
                 organisation_id=world.org.pk)
    audit_record(actor=Actor.of(world.operator), action="data.accessed",
                 target=f"project:{world.project.pk}", organisation_id=world.org.pk)
    audit_record(actor=Actor.of(world.org_admin), action="member.added",
                 target=f"user:{world.member.pk}", organisation_id=world.org.pk)
    return world


def test_names_beside_ids_and_staff_reads_apart(logged: World) -> None:
    client = client_as(logged.auditor)
    page = html(client.get("/staff/audit/"))
    rows = rows_of(page)
    renamed = next(r for r in rows if "project.renamed" in r)
    assert "Quality control line 3" in renamed  # the project's name, its id below it
    assert f"project:{logged.project.pk}" in renamed
    assert "Acme Vision" in renamed  # the organisation's name, not its id
    added = next(r for r in rows if "member.added" in r)
    assert "member@acme.lu" in added
    assert not any("data.accessed" in r for r in rows)  # page views do not bury the actions
    reads = rows_of(html(client.get("/staff/audit/?kind=reads")))
    assert reads
    assert all("data.accessed" in r for r in reads)


def test_filters_by_actor_action_target_and_days(logged: World) -> None:
    client = client_as(logged.auditor)
    by_actor = rows_of(html(client.get("/staff/audit/", {"actor": "admin@acme"})))
    assert by_actor
    assert all("admin@acme.lu" in r for r in by_actor)
    by_target = rows_of(html(client.get("/staff/audit/", {
        "kind": "all", "target": f"project:{logged.project.pk}"})))
    assert {re.search(r"<code>([a-z_.]+)</code>", r).group(1) for r in by_target} >= {  # type: ignore[union-attr]
        "project.renamed", "data.accessed"}
    today = timezone.localdate()
    assert rows_of(html(client.get("/staff/audit/", {"action": "project.renamed",
                                                      "since": today.isoformat()})))
    yesterday = (today - timedelta(days=1)).isoformat()
    empty = html(client.get("/staff/audit/", {"action": "project.renamed",
                                              "until": yesterday}))
    assert "No entries." in empty
    bad = client.get("/staff/audit/", {"until": "9999-12-31"})
    assert bad.status_code == 200
    assert "Ensure this value is less than or equal to" in html(bad)


def test_the_csv_export_is_filtered_named_safe_and_recorded(logged: World) -> None:
    audit_record(actor=Actor(user_id=None, label="=HYPERLINK(\"http://evil\")"),
                 action="project.renamed", target=f"project:{logged.project.pk}")
    client = client_as(logged.auditor)
    response = client.get("/staff/audit/export.csv", {"action": "project.renamed"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.getvalue().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["project.renamed", "project.renamed"]
    assert rows[1]["target name"] == "Quality control line 3"
    assert rows[1]["organisation name"] == "Acme Vision"
    assert rows[0]["actor"] == "'=HYPERLINK(\"http://evil\")"  # text, never a formula
    exported = AuditEntry.objects.filter(action="audit.exported").get()
    assert exported.actor_ref == logged.auditor.pk
    assert exported.detail["action"] == "project.renamed"


@pytest.mark.parametrize("role", ["member", "org_admin", "operator", "reviewer"])
def test_only_auditors_read_or_export_the_log(logged: World, role: str) -> None:
    client = client_as(logged.user(role))
    assert client.get("/staff/audit/").status_code == 403
    assert client.get("/staff/audit/export.csv").status_code == 403
    assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_the_api_takes_the_same_filters(logged: World) -> None:
    client = client_as(logged.auditor)
    reads = client.get("/api/audit", {"kind": "reads"}).json()
    assert {e["action"] for e in reads} == {"data.accessed"}
    mine = client.get("/api/audit", {"actor": "lead@acme", "kind": "actions"}).json()
    assert mine
    assert {e["actor_label"] for e in mine} == {"lead@acme.lu"}
    assert client.get("/api/audit", {"since": "0001-01-01"}).status_code == 422


def test_requests_jobs_and_statements_are_named_too(logged: World,
                                                   fake: FakeScheduler) -> None:
    """Names the other contexts give through accounts.audit_targets: an allocation request's
    title, a job's name, a statement's number; a target whose thing is unknown keeps its
    reference, unnamed."""
    request = submit(logged.project, logged.project_lead, title="Defect detection, first runs")
    grant(logged.project, logged.project_lead, today=timezone.localdate())
    job = submit_job(logged.project, logged.project_lead, name="resnet fine-tuning", today=None)
    entry(logged.project, logged.member, JULY, gpu_s=3600)
    statement = issue(logged.operator, logged.project, JULY)
    audit_record(actor=Actor.of(logged.project_lead), action="job.noted", target="job:999999",
                 organisation_id=logged.org.pk)
    auditor = client_as(logged.auditor)
    submitted = rows_of(html(auditor.get(f"/staff/audit/?target=allocation_request:{request.pk}")))
    assert "Defect detection, first runs" in submitted[-1]
    jobs = rows_of(html(auditor.get(f"/staff/audit/?target=job:{job.pk}")))
    assert jobs
    assert all("resnet fine-tuning" in r for r in jobs)
    issued = rows_of(html(auditor.get(f"/staff/audit/?target=statement:{statement.pk}")))
    assert statement.number in issued[0]
    unknown = rows_of(html(auditor.get("/staff/audit/?target=job:999999")))
    assert "job:999999" in unknown[0]
