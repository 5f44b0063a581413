"""Drift monitoring of an AI system: the reference profiled once and kept, batches posted as
files or JSON rows, each column tested with the figures of ``govern.drift`` (the engine the
oracle test holds to Evidently's), a drifted batch recorded as a post-market monitoring event
and told to the people who answer for the system; pages in English and French; clear refusals
of files that cannot be used, and who may do what."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core import mail
from pytest_django.fixtures import Settings

from laif.accounts.models import Notice
from laif.govern import drift
from laif.govern.models import DriftBatch, MonitoringEvent
from tests.api_support import JSON, client_as
from tests.factories import World
from tests.govern.drift_data import applications, csv, parquet, upload
from tests.govern.support import registered_system

REFERENCE = applications(2_000, seed=1)


def _monitor(world: World, system_id: int, data: bytes | None = None,
             name: str = "reference.parquet", user: Any = None, status: int = 201,
             **fields: str) -> dict[str, Any]:
    response = client_as(user or world.org_admin).post(
        f"/api/ai-systems/{system_id}/monitors",
        {"name": "Applications", **fields,
         "file": upload(name, parquet(REFERENCE) if data is None else data)})
    assert response.status_code == status, response.content
    return dict(response.json())


def _batch(world: World, monitor_id: int, data: bytes, name: str = "batch.parquet",
           user: Any = None, status: int = 201) -> dict[str, Any]:
    response = client_as(user or world.org_admin).post(
        f"/api/monitors/{monitor_id}/batches", {"file": upload(name, data)})
    assert response.status_code == status, response.content
    return dict(response.json())


def test_a_drifted_batch_is_an_event_and_an_alert(world: World, govern_dir: Path,
                                                  django_capture_on_commit_callbacks: Any
                                                  ) -> None:
    system = registered_system(world)
    monitor = _monitor(world, system)
    assert monitor["reference_rows"] == 2_000
    assert monitor["columns"] == ["income", "age", "region", "channel"]
    # the profile is kept once, named by its checksum
    stored = govern_dir / "profiles" / f"{monitor['profile_sha256']}.npz"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == monitor["profile_sha256"]

    with django_capture_on_commit_callbacks(execute=True):
        calm = _batch(world, monitor["id"], parquet(applications(1_500, seed=2)))
    assert calm["drifted"] is False
    assert MonitoringEvent.objects.count() == 0
    assert mail.outbox == []

    current = applications(1_500, seed=3, drifted=True)
    with django_capture_on_commit_callbacks(execute=True):
        shifted = _batch(world, monitor["id"], parquet(current), name="2026-11.parquet")
    assert shifted["drifted"] is True
    assert shifted["columns_drifted"] == 4
    # each column's figures are the engine's on the same data (more than 1,000 reference rows:
    # Wasserstein for the numbers, Jensen-Shannon for the categories)
    expected = drift.dataset_drift(drift.ReferenceProfile.build(REFERENCE), current)
    by_name = {c["column"]: c for c in shifted["columns"]}
    for name, column in expected.columns.items():
        assert by_name[name]["method"] == column.method
        assert by_name[name]["statistic"] == pytest.approx(column.statistic, abs=1e-12)
        assert by_name[name]["drifted"] == column.drifted
    assert by_name["income"]["method"] == "wasserstein"
    assert by_name["region"]["method"] == "jensenshannon"

    # a post-market monitoring event, a notice and an e-mail to the admin and the lead
    event = MonitoringEvent.objects.get()
    assert event.kind == "drift"
    assert event.batch_id == shifted["id"]
    told = {m.to[0] for m in mail.outbox}
    assert told == {world.org_admin.email, world.project_lead.email}
    assert "Data drift in Loan pre-screening: 4 of 4 columns" in mail.outbox[0].subject
    assert "Art. 72" in mail.outbox[0].body
    assert Notice.objects.filter(recipient=world.project_lead, kind="govern.drift").exists()

    # the pages: the system's event, the monitor's trend, the batch's columns and charts
    admin = client_as(world.org_admin)
    page = admin.get(f"/ai-systems/{system}/").content.decode()
    assert 'id="events"' in page
    assert "Applications: 4 of 4 columns drifted" in page
    trend = admin.get(f"/monitors/{monitor['id']}/").content.decode()
    assert 'id="trend-chart"' in trend
    assert trend.count('data-drifted="1"') == 1
    assert trend.count('data-drifted="0"') == 1
    detail = admin.get(f"/monitors/{monitor['id']}/batches/{shifted['id']}/").content.decode()
    assert "Wasserstein distance (normed)" in detail
    assert detail.count('class="bar-current"') > 8
    fr = admin.get(f"/monitors/{monitor['id']}/batches/{shifted['id']}/",
                   headers={"accept-language": "fr"}).content.decode()
    assert "Dérive" in fr
    statistic = by_name["income"]["statistic"]
    assert f"{statistic:.4f}".replace(".", ",") in fr  # numbers written the French way


def test_rows_posted_as_json_and_csv_files(world: World) -> None:
    system = registered_system(world)
    monitor = _monitor(world, system, csv(REFERENCE.head(300)), name="reference.csv")
    rows = applications(200, seed=4).to_dicts()
    response = client_as(world.project_lead).post(f"/api/monitors/{monitor['id']}/batches/rows",
                                                  {"rows": rows}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    # a reference of at most 1,000 rows: p-values (K-S for numbers, chi-squared or Z)
    methods = {c["column"]: c["method"] for c in body["columns"]}
    assert methods == {"income": "ks", "age": "ks", "region": "chisquare", "channel": "z"}
    assert body["source"] == "api"
    missing = client_as(world.org_admin).post(
        f"/api/monitors/{monitor['id']}/batches/rows",
        {"rows": [{"income": 1.0, "age": 30.0, "region": "north"}]}, content_type=JSON)
    assert missing.status_code == 400
    assert missing.json()["field"] == "rows"
    assert "channel" in missing.json()["detail"]


def test_files_that_cannot_be_used_are_refused_clearly(world: World, govern_dir: Path,
                                                      settings: Settings) -> None:
    system = registered_system(world)
    not_parquet = _monitor(world, system, b"PK\x03\x04 not a table", status=400)
    assert not_parquet["field"] == "file"
    assert "cannot be read as PARQUET" in not_parquet["detail"]
    wrong_kind = _monitor(world, system, b"a,b\n1,2\n", name="reference.xlsx", status=400)
    assert "send a .csv or .parquet file" in wrong_kind["detail"]
    settings.LAIF_DRIFT_MAX_UPLOAD_MB = 1
    big = _monitor(world, system, parquet(applications(150_000, seed=9)), status=400)
    assert "larger than 1 MB" in big["detail"]
    settings.LAIF_DRIFT_MAX_UPLOAD_MB = 512
    unknown = _monitor(world, system, columns="income,salary", status=400)
    assert unknown["field"] == "columns"
    assert "salary" in unknown["detail"]
    long = _monitor(world, system, parquet(REFERENCE.rename({"income": "x" * 81})), status=400)
    assert "longer than 80 characters" in long["detail"]
    notes = REFERENCE.with_columns(note=REFERENCE["income"].cast(str) + " applicant")
    text = _monitor(world, system, parquet(notes), status=400)
    assert "free text" in text["detail"]
    assert "note" in text["detail"]

    monitor = _monitor(world, system, columns="income, region")
    assert monitor["columns"] == ["income", "region"]
    lacking = _batch(world, monitor["id"], parquet(REFERENCE.select("income")), status=400)
    assert "region" in lacking["detail"]
    # a damaged profile is never used: the batch is refused and nothing is stored
    stored = govern_dir / "profiles" / f"{monitor['profile_sha256']}.npz"
    stored.write_bytes(stored.read_bytes()[:-10])
    damaged = _batch(world, monitor["id"], parquet(REFERENCE), status=400)
    assert "damaged" in damaged["detail"]
    assert DriftBatch.objects.count() == 0


def test_who_may_monitor(world: World) -> None:
    system = registered_system(world)
    monitor = _monitor(world, system, user=world.project_lead)
    data = parquet(applications(100, seed=5))
    _batch(world, monitor["id"], data, user=world.member, status=403)
    _batch(world, monitor["id"], data, user=world.other_member, status=404)
    _batch(world, monitor["id"], data, user=world.operator, status=403)
    _monitor(world, system, user=world.member, status=403)
    assert client_as(world.member).get(f"/api/monitors/{monitor['id']}").status_code == 200
    assert client_as(world.auditor).get(f"/api/monitors/{monitor['id']}").status_code == 200
    assert client_as(world.trainer).get(f"/api/monitors/{monitor['id']}").status_code == 404
    page = client_as(world.member).get(f"/monitors/{monitor['id']}/").content.decode()
    assert 'id="batch-form"' not in page
    assert client_as(world.member).post(f"/monitors/{monitor['id']}/", {
        "file": upload("b.parquet", data)}).status_code == 403


def test_the_pages_create_a_monitor_and_test_a_batch(world: World) -> None:
    system = registered_system(world)
    admin = client_as(world.org_admin)
    made = admin.post(f"/ai-systems/{system}/monitors/", {
        "name": "Applications", "columns": "",
        "file": upload("reference.parquet", parquet(REFERENCE))})
    assert made.status_code == 302
    monitor_url = made["Location"]
    assert 'id="no-batches"' in admin.get(monitor_url).content.decode()
    refused = admin.post(monitor_url, {"file": upload("batch.txt", b"x")})
    assert refused.status_code == 400
    assert "send a .csv or .parquet file" in refused.content.decode()
    tested = admin.post(monitor_url, {"file": upload(
        "batch.parquet", parquet(applications(1_500, seed=6, drifted=True)))})
    assert tested.status_code == 302
    page = admin.get(tested["Location"]).content.decode()
    assert 'data-drifted="1"' in page
    assert 'id="chart-4"' in page


def test_labels_known_later_give_the_batchs_performance(world: World) -> None:
    system = registered_system(world)
    monitor = _monitor(world, system)
    batch = _batch(world, monitor["id"], parquet(applications(1_000, seed=2)))
    assert batch["performance"] is None
    # the predictions made on the batch, with the labels known a month later
    labelled = pl.DataFrame({"prediction": [0.1, 0.4, 0.35, 0.8, None],
                             "label": [0, 0, 1, 1, 1]})
    admin = client_as(world.org_admin)
    url = f"/api/monitors/{monitor['id']}/batches/{batch['id']}/labels"
    response = admin.post(url, {"file": upload("labels.csv", csv(labelled))})
    assert response.status_code == 200, response.content
    # 4 rows with both (AUC 0.75: 3 of the 4 positive-negative pairs ordered right)
    assert response.json()["performance"] == {"rows": 4, "accuracy": 0.75, "auc": 0.75}
    listed = admin.get(f"/api/monitors/{monitor['id']}").json()["batches"]
    assert listed[0]["performance"]["auc"] == 0.75
    page = admin.get(f"/monitors/{monitor['id']}/").content.decode()
    assert '<td data-label="Accuracy" class="num accuracy">0.750</td>' in page
    fr = admin.get(f"/monitors/{monitor['id']}/batches/{batch['id']}/",
                   headers={"accept-language": "fr"}).content.decode()
    assert '<dd id="auc">0,750</dd>' in fr
    renamed = admin.post(url, {"file": upload("labels.csv", csv(labelled)),
                               "prediction": "score"})
    assert renamed.status_code == 400
    assert "no column 'score'" in renamed.json()["detail"]
    assert client_as(world.member).post(url, {"file": upload(
        "labels.csv", csv(labelled))}).status_code == 403
    # the page form
    done = admin.post(f"/monitors/{monitor['id']}/batches/{batch['id']}/", {
        "file": upload("labels.csv", csv(labelled.with_columns(label=pl.lit(1)))),
        "prediction": "prediction", "label": "label"})
    assert done.status_code == 302
    assert admin.get(url.removesuffix("/labels")).json()["performance"]["auc"] is None
