"""Concurrency on PostgreSQL, two connections at once: the first uploads of a project create one
data key (both uploads readable under it); two uploads to one dataset get versions 1 and 2; two
releases of one dataset (from two versions) get releases 1 and 2, each its own staged file."""

from __future__ import annotations

import io
import time
from pathlib import Path

import polars as pl
import pytest
from pytest_django import Settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.sandbox import releases, services, signing
from laif.sandbox.models import DatasetVersion, ProjectKey, Release
from tests.concurrency import in_threads, needs_postgres
from tests.factories import make_world
from tests.sandbox.data import csv_bytes, customers

pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True)]


def test_uploads_and_releases_at_once(settings: Settings, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LAIF_SANDBOX_MIN_K = 1
    w = make_world()
    lead = access_for(w.project_lead), Actor.of(w.project_lead)

    def upload(i: int) -> int:
        return services.dataset_upload(
            access=lead[0], actor=lead[1], project_id=w.project.pk, name="customers",
            src=io.BytesIO(csv_bytes(customers(30, seed=i))), filename="c.csv").version.pk

    ids = in_threads(2, upload)
    assert ProjectKey.objects.filter(project=w.project).count() == 1
    assert sorted(DatasetVersion.objects.values_list("number", flat=True)) == [1, 2]
    for version_id in ids:
        version = DatasetVersion.objects.select_related("dataset").get(pk=version_id)
        with services.open_version(version) as reader:  # both under the one data key
            assert pl.read_parquet(reader).height == 30
        services.classification_review(access=lead[0], actor=lead[1], version_id=version_id,
                                       kinds={})
        releases.policy_set(access=lead[0], actor=lead[1], version_id=version_id,
                            rows=releases.policy_proposed(version))

    signed = signing.sign

    def slow_sign(record: dict[str, object]) -> str:  # widen the window inside the transaction
        time.sleep(0.5)
        return signed(record)

    monkeypatch.setattr(signing, "sign", slow_sign)

    def release(i: int) -> int:
        return releases.release_create(access=lead[0], actor=lead[1], version_id=ids[i],
                                       suppress=True).pk

    in_threads(2, release)
    found = list(Release.objects.select_related("version__dataset").order_by("number"))
    assert [r.number for r in found] == [1, 2]
    assert {r.staged_name for r in found} == {"customers-r1.parquet", "customers-r2.parquet"}
    for r in found:
        assert releases.staged_path(r).stat().st_size == r.output_bytes
