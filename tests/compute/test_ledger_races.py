"""Concurrency on PostgreSQL: two ingestions of overlapping sacct output at the same moment write
every record once (the key's ON CONFLICT DO NOTHING waits for the other transaction), and two
periodic ingestions move the checkpoint without losing it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from laif.usage import services as ledger
from laif.usage.models import IngestCheckpoint, UsageEntry, UsageRecord, UsageSource
from tests.compute.ledger_support import ALL_SACCT, combined, slurm_project, totals
from tests.compute.test_races import in_threads
from tests.factories import make_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent transactions need PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def test_two_overlapping_ingestions_write_each_record_once() -> None:
    w = make_world()
    slurm_project(w.project)
    everything = combined(*ALL_SACCT)
    overlap = combined("sacct_array.json", "sacct_requeued.json", "sacct_states.json",
                       "sacct_typed_gpu.json")
    inputs = [everything, overlap]
    end = datetime(2026, 11, 24, tzinfo=UTC)
    results = in_threads(2, lambda i: ledger.usage_ingest_sacct(
        data=inputs[i], source=UsageSource.SLURM, cluster="race", window_end=end,
        checkpoint=True, chunk_records=2))
    assert sum(r.records_new for r in results) == 13
    assert UsageRecord.objects.count() == 13
    assert UsageEntry.objects.count() == 13
    assert totals()["records"] == 13
    assert IngestCheckpoint.objects.get(cluster="race").ingested_until == end
