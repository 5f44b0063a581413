"""Reads of the usage ledger (balances, project and organisation usage, pools, energy rule), its
pages, API, CLI, management command and the local runner's ingestion."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import User
from laif.cli import usage as cli_usage
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from laif.jobs.models import Job, JobState
from laif.usage import selectors as ledger_selectors
from laif.usage import services as ledger
from laif.usage import totals as ledger_totals
from laif.usage.budget import minutes_of
from laif.usage.models import IngestRun, UsageEntry, UsageRecord
from laif.usage.sacct import parse_sacct_json
from laif.usage.tasks import usage_ingest_task
from tests.api_support import client_as
from tests.cli_support import run_cli
from tests.compute.jobs_support import grant
from tests.compute.ledger_support import (
    ALL_SACCT,
    as_fixture_team,
    combined,
    cover,
    epoch,
    moved,
    raw,
    slurm_project,
    totals,
    with_jobs,
)
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(world: World) -> World:
    as_fixture_team(world)
    cover(grant(world.project, world.project_lead, 10), date(2026, 11, 1), date(2026, 12, 31))
    ledger.usage_ingest_sacct(data=combined(*ALL_SACCT))
    return world


def test_balances_and_project_usage_equal_sacct(ingested: World) -> None:
    w = ingested
    expected = parse_sacct_json(combined(*ALL_SACCT))
    finished = expected.filter(expected["state"] != "PENDING")
    gpu_s = int(finished["gpu_seconds"].sum())
    lead = access_for(w.project_lead)
    (balance,) = ledger_selectors.allocation_balances(access=lead, project_id=w.project.pk)
    assert balance.figures.used == minutes_of(gpu_s)  # rounded up once, to the minute
    assert balance.figures.left == 10 * 60 - minutes_of(gpu_s)
    usage = ledger_selectors.project_usage(access=lead, actor=Actor.of(w.project_lead),
                                           project_id=w.project.pk)
    assert usage.total.gpu_seconds == gpu_s
    assert usage.total.energy_j is None  # the test cluster reports no energy: not 0
    assert [m for m, _ in usage.by_month] == [date(2026, 11, 1)]
    per_user = {email: u.gpu_seconds for _, email, u in usage.by_member}
    by_user = finished.group_by("user").agg(pl.col("gpu_seconds").sum())
    sacct_per_user = dict(by_user.iter_rows())
    assert per_user == {w.member.email: sacct_per_user["laif_u1"],
                        w.project_lead.email: sacct_per_user["laif_u2"]}
    org = ledger_selectors.organisation_usage(access=access_for(w.org_admin),
                                              actor=Actor.of(w.org_admin),
                                              organisation_id=w.org.pk)
    assert org.total.gpu_seconds == gpu_s


def test_energy_rule_total_over_reported_entries(world: World) -> None:
    slurm_project(world.project)
    reported = moved("sacct_completed.json")
    reported["tres"]["allocated"] = [
        {**t, "count": 7200} if t["type"] == "energy" else t for t in reported["tres"]["allocated"]]
    other = moved("sacct_completed.json", submission=epoch(2026, 11, 24, 1))
    ledger.usage_ingest_sacct(data=with_jobs([reported, other]))
    staff = access_for(world.operator)
    usage = ledger_selectors.project_usage(access=staff, actor=Actor.of(world.operator),
                                           project_id=world.project.pk)
    assert (usage.total.energy_j, usage.total.energy_unreported) == (7200, 1)


def test_tenancy_of_usage_reads(ingested: World) -> None:
    w = ingested
    from laif.accounts.errors import NotFound, PermissionDenied

    with pytest.raises(NotFound):
        ledger_selectors.project_usage(access=access_for(w.other_member),
                                       actor=Actor.of(w.other_member), project_id=w.project.pk)
    with pytest.raises(PermissionDenied):
        ledger_selectors.organisation_usage(access=access_for(w.member), actor=Actor.of(w.member),
                                            organisation_id=w.org.pk)
    assert ledger_selectors.allocation_balances(access=access_for(w.other_member)) == []


def test_pool_consumption_comes_from_the_ledger(ingested: World,
                                                client_for: Callable[[User | None], Client]
                                                ) -> None:
    staff = access_for(ingested.operator)
    consumed = ledger_selectors.pool_consumed_gpu_seconds(access=staff)
    assert sum(consumed.values()) == totals()["gpu_s"]
    UsageEntry.objects.update(gpu_seconds=3600 * 7)  # make the rounded figure visible
    ledger_totals.totals_rebuild()  # entries edited behind the ingestion's back (tests only)
    figures = {u.pool.pk: u.figures.consumed for u in ledger_selectors.pool_usage(access=staff)}
    assert sum(figures.values()) == 7 * UsageEntry.objects.filter(allocation__isnull=False).count()
    page = client_for(ingested.operator).get("/compute/pools/")
    assert page.status_code == 200


@pytest.mark.parametrize("language", ["en", "fr"])
def test_project_usage_page(ingested: World, client_for: Callable[[User | None], Client],
                            language: str) -> None:
    client = client_for(ingested.project_lead)
    client.cookies["django_language"] = language
    page = client.get(f"/projects/{ingested.project.pk}/usage/",
                      headers={"accept-language": language})
    assert page.status_code == 200
    text = page.content.decode()
    assert ("not reported" if language == "en" else "non déclarée") in text
    assert ingested.member.email in text
    assert client_for(ingested.other_member).get(
        f"/projects/{ingested.project.pk}/usage/").status_code == 404


def test_api_usage_and_ingest(world: World, settings: SettingsWrapper) -> None:
    slurm_project(world.project)
    operator = client_as(world.operator)
    bad = operator.post("/api/compute/usage/ingest", {
        "sacct_json": SimpleUploadedFile("s.json", b'{"meta": {"plugin": {"type": "x"}}}')})
    assert bad.status_code == 400
    assert "unsupported sacct --json format" in bad.json()["detail"]
    assert IngestRun.objects.count() == 0
    assert client_as(world.org_admin).post("/api/compute/usage/ingest", {
        "sacct_json": SimpleUploadedFile("s.json", raw("sacct_array.json"))}).status_code == 403
    for expected_new in (4, 0):
        done = operator.post("/api/compute/usage/ingest", {
            "sacct_json": SimpleUploadedFile("s.json", raw("sacct_array.json"))})
        assert done.status_code == 200, done.content
        assert (done.json()["records_read"], done.json()["records_new"]) == (4, expected_new)
    lead = client_as(world.project_lead)
    got = lead.get(f"/api/projects/{world.project.pk}/usage?month_from=2026-11&month_to=2026-11")
    assert got.status_code == 200
    assert got.json()["total"]["gpu_seconds"] == 20
    assert got.json()["total"]["energy_j"] is None
    none = lead.get(f"/api/projects/{world.project.pk}/usage?month_from=2026-12")
    assert none.json()["total"]["gpu_seconds"] == 0
    assert lead.get(f"/api/projects/{world.project.pk}/usage?month_from=2026-13"
                    ).status_code == 422
    org = client_as(world.org_admin).get(f"/api/organisations/{world.org.pk}/usage")
    assert org.json()["by_project"][0]["project_code"] == "LAIFTEST"


def test_cli_ingest_in_pieces_and_show(world: World, settings: SettingsWrapper,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    slurm_project(world.project)
    data = combined(*ALL_SACCT)
    path = tmp_path / "sacct.json"
    path.write_bytes(data)
    monkeypatch.setattr(cli_usage, "PIECE_BYTES", 4000)
    assert len(list(cli_usage.pieces(data, 4000))) > 3
    _row, operator = account_services.api_token_create(actor=Actor.of(world.operator),
                                                       user=world.operator, name="cli")
    result = run_cli(["usage", "ingest", "--sacct-json", str(path)], operator)
    assert result.exit_code == 0, result.output
    assert "13 finished job runs read, 13 new" in result.output
    again = run_cli(["usage", "ingest", "--sacct-json", str(path)], operator)
    assert "13 finished job runs read, 0 new" in again.output
    _row, lead = account_services.api_token_create(actor=Actor.of(world.project_lead),
                                                   user=world.project_lead, name="cli")
    shown = run_cli(["usage", "show", "--project", "laiftest", "--from", "2026-11"], lead)
    assert shown.exit_code == 0, shown.output
    assert "2026-11" in shown.output
    assert "not reported" in shown.output
    assert run_cli(["usage", "show", "--project", "x", "--from", "11-2026"], lead).exit_code == 2


def test_pieces_parse_to_the_same_records() -> None:
    data = combined(*ALL_SACCT)
    whole = parse_sacct_json(data)
    parts = [parse_sacct_json(p) for p in cli_usage.pieces(data, 3000)]
    assert sum(p.height for p in parts) == whole.height
    assert list(cli_usage.pieces(b'{"jobs": []}', 3000)) == [b'{"jobs": []}']


def test_management_command_replays_a_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "sacct.json"
    path.write_bytes(raw("sacct_requeued.json"))
    call_command("usage_ingest", "--sacct-json", str(path))
    call_command("usage_ingest", "--sacct-json", str(path))
    assert UsageRecord.objects.count() == 2
    assert IngestRun.objects.filter(state="done").count() == 2


def test_local_runner_jobs_become_records(world: World) -> None:
    lead = world.project_lead
    allocation = grant(world.project, lead, 100, today=timezone.localdate())
    started = datetime(2026, 11, 20, 10, tzinfo=UTC)
    job = Job.objects.create(project=world.project, allocation=allocation, submitted_by=lead,
                             name="local", script="true", gpus=2, time_limit_minutes=60,
                             state=JobState.COMPLETED, scheduler="local", started_at=started,
                             ended_at=started + timedelta(minutes=30))
    Job.objects.create(project=world.project, allocation=allocation, submitted_by=lead,
                       name="running", script="true", gpus=1, time_limit_minutes=60,
                       state=JobState.RUNNING, scheduler="local", started_at=started)
    end = datetime(2026, 11, 21, tzinfo=UTC)
    first = ledger.usage_ingest_local(end=end)
    again = ledger.usage_ingest_local(end=end + timedelta(days=1))
    assert (first.records_new, again.records_new) == (1, 0)
    record = UsageRecord.objects.get()
    assert (record.source, record.cluster, record.job_id, record.gpu_seconds) == \
        ("local", "local", job.pk, 2 * 1800)
    assert (record.project_id, record.user_id) == (world.project.pk, lead.pk)
    assert json.loads(json.dumps(totals()))["records"] == 1


def test_task_ingests_the_window_since_the_checkpoint(world: World) -> None:
    slurm_project(world.project)
    fake = FakeScheduler()
    fake.accounting_data = raw("sacct_array.json")
    with use_scheduler(fake):
        assert usage_ingest_task.call(end="2026-11-24T00:00:00+00:00") == 4
        assert usage_ingest_task.call(end="2026-11-25T00:00:00+00:00") == 0
    assert len(fake.accounting_windows) == 2
