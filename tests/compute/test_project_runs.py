"""A project's jobs, all of them (issue 22, point 2): the ledger's records, whoever submitted them
(the platform or a person over SSH), and the platform's jobs the ledger has not recorded yet,
each once; run time, GPU-hours and cost at the month's price; filters by state and person;
50 a page, newest first."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from laif.billing.selectors import draft_compute
from laif.cluster.scheduler.fake import FakeScheduler
from laif.jobs.models import Job, JobState
from laif.usage import services as ledger
from tests.api_support import client_as
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.ledger_support import as_fixture_team, cover, moved, with_jobs
from tests.factories import World, sign_up

pytestmark = pytest.mark.django_db
__all__ = ["fake"]

SEPT = date(2026, 9, 1)
BASE = int(datetime(2026, 9, 10, 8, tzinfo=UTC).timestamp())


def _run(job_id: int, *, user: str = "laif_u1", state: str = "COMPLETED", start: int = 0,
         seconds: int = 3600) -> dict[str, Any]:
    """A two-GPU, one-CPU run of the fixtures' account, ``start`` seconds after BASE."""
    job = moved("sacct_completed.json", submission=BASE + start, start=BASE + start,
                end=BASE + start + seconds, elapsed=seconds)
    job["job_id"], job["user"] = job_id, user
    job["state"]["current"] = state
    return job


def _rows(html: str) -> list[str]:
    if 'id="jobs"' not in html:
        return []
    body = html.split('<table class="table stack-sm" id="jobs">', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("<tbody>", 1)[1].split("</tr>")[:-1]]


@pytest.fixture
def team(world: World, fake: FakeScheduler) -> World:
    as_fixture_team(world)
    cover(grant(world.project, world.project_lead), date(2026, 9, 1), date(2026, 12, 31))
    return world


def test_every_run_once_with_its_time_gpu_hours_and_cost(team: World) -> None:
    portal = submit_job(team.project, team.project_lead, name="resnet fine-tuning", today=None)
    Job.objects.filter(pk=portal.pk).update(
        scheduler_id="9001", state=JobState.COMPLETED,
        started_at=datetime.fromtimestamp(BASE + 600, UTC),
        ended_at=datetime.fromtimestamp(BASE + 600 + 7200, UTC))
    submit_job(team.project, team.project_lead, name="still waiting", today=None)
    ledger.usage_ingest_sacct(data=with_jobs([
        _run(501),  # over SSH by the member
        _run(9001, user="laif_u2", start=600, seconds=7200),  # the portal's job, recorded
        _run(502, user="laif_u2", state="FAILED", start=1200, seconds=1800),
    ]))
    # another organisation's project with a job of its own: not in this list
    _org, other_admin = sign_up()

    page = client_as(team.project_lead).get(f"/projects/{team.project.pk}/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = _rows(html)
    assert len(rows) == 4, rows  # the portal's job once, though both sides know it
    newest, failed, recorded, ssh = rows
    assert "still waiting" in newest
    assert "Waiting in the scheduler" in newest
    assert "resnet fine-tuning" in recorded
    assert "9001" in recorded
    assert "2 h 00 min" in recorded
    assert "4.00" in recorded
    assert "over SSH" in ssh
    assert "501" in ssh
    assert "1 h 00 min" in ssh
    assert "2.00" in ssh
    assert "Failed" in failed
    assert "30 min 00 s" in failed
    assert "1.00" in failed
    assert str(team.member) in ssh
    assert str(team.project_lead) in failed
    # the costs are the statement's: whole hours round to no cent, so they add up to the draft
    costs = [int(re.sub(r"\D", "", row.rsplit("EUR", 1)[1])) for row in (failed, recorded, ssh)]
    assert sum(costs) == draft_compute(team.org, SEPT).usage_cents > 0
    assert str(other_admin.email) not in html


def test_filters_by_state_and_person(team: World) -> None:
    ledger.usage_ingest_sacct(data=with_jobs([
        _run(601), _run(602, user="laif_u2", state="FAILED", start=60),
        _run(603, user="laif_u2", state="CANCELLED", start=120),
        _run(604, user="laif_u2", state="OUT_OF_MEMORY", start=180)]))
    submit_job(team.project, team.project_lead, name="queued here", today=None)
    client = client_as(team.project_lead)
    url = f"/projects/{team.project.pk}/jobs/"

    def ids(query: str) -> list[str]:
        return [re.findall(r"\b6\d\d\b|queued here", row)[0]
                for row in _rows(client.get(url + query).content.decode())]

    assert ids("?outcome=failed") == ["604", "602"]
    assert "Out of memory" in client.get(url + "?outcome=failed").content.decode()
    assert ids("?outcome=cancelled") == ["603"]
    assert ids("?outcome=active") == ["queued here"]
    assert ids(f"?person={team.member.pk}") == ["601"]
    assert ids(f"?person={team.project_lead.pk}&outcome=completed") == []
    assert "No job matches these filters." in client.get(
        url + f"?person={team.project_lead.pk}&outcome=completed").content.decode()
    # a person who is not among the project's people, or a made-up state: the filter is ignored
    assert len(ids("?person=999999&outcome=nonsense")) == 5


def test_fifty_a_page_newest_first_and_the_same_work_on_every_page(team: World) -> None:
    ledger.usage_ingest_sacct(data=with_jobs([_run(1000 + k, start=k * 60) for k in range(120)]))
    client = client_as(team.project_lead)
    url = f"/projects/{team.project.pk}/jobs/"
    first = client.get(url).content.decode()
    assert [re.findall(r"\b1\d{3}\b", r)[0] for r in _rows(first)] == [
        str(1119 - k) for k in range(50)]
    assert "120 jobs" in first
    assert "page 1 of 3" in first
    with CaptureQueriesContext(connection) as on_page_two:
        second = client.get(url + f"?person={team.member.pk}&page=2").content.decode()
    assert _rows(second)[0].count("1069") == 1
    assert len(_rows(second)) == 50
    assert f"?person={team.member.pk}&amp;page=3" in second  # the pager keeps the filter
    last = client.get(url + "?page=3").content.decode()
    assert len(_rows(last)) == 20
    assert "1000" in _rows(last)[-1]
    # a page past the end shows the last one; a page's work does not grow with its lines
    assert _rows(client.get(url + "?page=99").content.decode()) == _rows(last)
    with CaptureQueriesContext(connection) as on_page_three:
        client.get(url + f"?person={team.member.pk}&page=3")
    assert len(on_page_three) == len(on_page_two)


def test_only_the_project_s_people_see_its_jobs(team: World) -> None:
    ledger.usage_ingest_sacct(data=with_jobs([_run(701)]))
    _org, stranger = sign_up()
    assert client_as(stranger).get(f"/projects/{team.project.pk}/jobs/").status_code == 404
    assert client_as(team.org_admin).get(f"/projects/{team.project.pk}/jobs/").status_code == 200


def test_the_api_gives_the_same_runs_and_figures(team: World) -> None:
    portal = submit_job(team.project, team.project_lead, name="recorded", today=None)
    Job.objects.filter(pk=portal.pk).update(
        scheduler_id="9101", state=JobState.COMPLETED,
        started_at=datetime.fromtimestamp(BASE, UTC),
        ended_at=datetime.fromtimestamp(BASE + 3600, UTC))
    ledger.usage_ingest_sacct(data=with_jobs([
        _run(9101, user="laif_u2"), _run(801, state="CANCELLED", start=60)]))
    api = client_as(team.project_lead)
    got = api.get(f"/api/projects/{team.project.pk}/runs").json()
    assert (got["count"], got["page"], got["pages"]) == (2, 1, 1)
    ssh, recorded = got["runs"]
    assert ssh | {"submitted_at": None, "started_at": None} == {
        "scheduler_id": "801", "job_id": None, "name": "", "state": "CANCELLED",
        "outcome": "cancelled", "submitted_by": team.member.email, "submitted_at": None,
        "started_at": None, "elapsed_s": 3600, "gpu_seconds": 7200, "recorded": True,
        "cost_cents": ssh["cost_cents"]}
    assert recorded["job_id"] == portal.pk
    assert recorded["name"] == "recorded"
    assert recorded["cost_cents"] == ssh["cost_cents"] > 0  # the same run, the same price
    assert ssh["cost_cents"] + recorded["cost_cents"] == draft_compute(
        team.org, SEPT).usage_cents
    only = api.get(f"/api/projects/{team.project.pk}/runs?outcome=completed").json()
    assert [r["scheduler_id"] for r in only["runs"]] == ["9101"]
    assert api.get(f"/api/projects/{team.project.pk}/runs?page=0").status_code == 422
    _org, stranger = sign_up()
    assert client_as(stranger).get(
        f"/api/projects/{team.project.pk}/runs").status_code == 404
