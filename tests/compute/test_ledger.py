"""Usage ledger ingestion (laif.usage.services) on the real sacct output of the test cluster:
one record per run, array tasks, typed GPUs counted once, energy not reported, the key across
job-id reuse, month split, allocation charged, idempotency and crash recovery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from laif.cluster.scheduler.fake import FakeScheduler
from laif.usage import sacct, sacct_pieces
from laif.usage import services as ledger
from laif.usage.models import (
    IngestCheckpoint,
    IngestRun,
    UsageEntry,
    UsageRecord,
    UsageSource,
)
from laif.usage.sacct import SacctFormatError
from tests.compute.jobs_support import grant
from tests.compute.ledger_support import (
    ALL_SACCT,
    as_fixture_team,
    combined,
    cover,
    doc,
    dump,
    epoch,
    moved,
    raw,
    totals,
    wipe_ledger,
    with_jobs,
)
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged(world: World) -> World:
    return as_fixture_team(world)


def test_requeued_job_counts_every_run(charged: World) -> None:
    result = ledger.usage_ingest_sacct(data=raw("sacct_requeued.json"))
    assert (result.records_read, result.records_new) == (2, 2)
    runs = list(UsageRecord.objects.filter(job_id=3).order_by("submit_time"))
    assert [r.state for r in runs] == ["REQUEUED", "COMPLETED"]
    assert [r.gpu_seconds for r in runs] == [2 * 4, 2 * 25]
    assert all(r.project_id == charged.project.pk for r in runs)
    assert all(r.user_id == charged.project_lead.pk for r in runs)


def test_array_tasks_are_records_of_their_own(charged: World) -> None:
    ledger.usage_ingest_sacct(data=raw("sacct_array.json"))
    tasks = UsageRecord.objects.filter(array_job_id=2).order_by("array_task_id")
    assert [(t.job_id, t.array_task_id) for t in tasks] == [(4, 0), (5, 1), (6, 2), (2, 3)]
    assert sum(t.gpu_seconds for t in tasks) == 4 * 5


def test_typed_gpu_counted_once_and_energy_not_reported(charged: World) -> None:
    ledger.usage_ingest_sacct(data=raw("sacct_typed_gpu.json"))
    by_id = {r.job_id: r for r in UsageRecord.objects.all()}
    assert (by_id[7].gpus, by_id[8].gpus) == (1, 4)  # gres/gpu beside gres/gpu:h200: not 2, 8
    assert by_id[8].gpu_seconds == 4 * 5
    assert by_id[8].energy_j is None
    assert UsageEntry.objects.filter(energy_j__isnull=False).count() == 0


def test_records_are_utc_instants_and_charged(charged: World) -> None:
    allocation = cover(grant(charged.project, charged.project_lead),
                       date(2026, 11, 1), date(2026, 11, 30))
    ledger.usage_ingest_sacct(data=raw("sacct_completed.json"))
    record = UsageRecord.objects.get()
    assert record.submit_time == datetime(2026, 11, 23, 22, 25, 36, tzinfo=UTC)
    assert (record.source, record.cluster, record.account) == ("file", "laif", "laiftest")
    entry = UsageEntry.objects.get()
    assert (entry.month, entry.project_id, entry.organisation_id, entry.user_id,
            entry.allocation_id) == (date(2026, 11, 1), charged.project.pk, charged.org.pk,
                                     charged.member.pk, allocation.pk)


def test_unknown_account_and_user_are_kept_unassigned(world: World) -> None:
    ledger.usage_ingest_sacct(data=raw("sacct_completed.json"))
    record = UsageRecord.objects.get()
    assert (record.project_id, record.user_id) == (None, None)
    assert UsageEntry.objects.get().allocation_id is None


def test_key_survives_job_id_reuse(charged: World) -> None:
    first = moved("sacct_completed.json")
    reused = moved("sacct_completed.json", submission=epoch(2026, 11, 24, 8),
                   start=epoch(2026, 11, 24, 8, 1), end=epoch(2026, 11, 24, 8, 1, 5))
    ledger.usage_ingest_sacct(data=with_jobs([first, reused]))
    assert UsageRecord.objects.filter(job_id=1).count() == 2


def test_month_spanning_replayed_job_is_split_in_site_time(charged: World) -> None:
    # 22:30 UTC on 31 Oct is 23:30 in Luxembourg (CET); November starts there at 23:00 UTC.
    job = moved("sacct_completed.json", submission=epoch(2026, 10, 31, 22),
                start=epoch(2026, 10, 31, 22, 30), end=epoch(2026, 11, 1, 0, 30), elapsed=7200)
    october = cover(grant(charged.project, charged.project_lead),
                    date(2026, 10, 1), date(2026, 10, 31))
    ledger.usage_ingest_sacct(data=with_jobs([job]))
    entries = {e.month: e for e in UsageEntry.objects.all()}
    assert entries[date(2026, 10, 1)].gpu_seconds == 2 * 1800
    assert entries[date(2026, 11, 1)].gpu_seconds == 2 * 5400
    assert entries[date(2026, 10, 1)].allocation_id == october.pk
    assert entries[date(2026, 11, 1)].allocation_id is None
    with override_settings(LAIF_SITE_TIME_ZONE="UTC"):
        wipe_ledger()
        ledger.usage_ingest_sacct(data=with_jobs([job]))
    assert sorted(e.gpu_seconds for e in UsageEntry.objects.all()) == [2 * 1800, 2 * 5400]


def test_same_file_twice_and_overlapping_files_add_nothing(charged: World) -> None:
    everything = combined(*ALL_SACCT)
    first = ledger.usage_ingest_sacct(data=everything)
    before = totals()
    assert before["records"] == first.records_new == 13  # 13 finished runs; job 12 never ran
    again = ledger.usage_ingest_sacct(data=everything)
    assert (again.records_read, again.records_new, again.entries_new) == (13, 0, 0)
    overlap = ledger.usage_ingest_sacct(data=combined("sacct_array.json", "sacct_states.json"))
    assert overlap.records_new == 0
    assert totals() == before
    assert IngestRun.objects.filter(state="done").count() == 3


def test_a_crash_midway_through_a_file_leaves_nothing_and_a_rerun_gives_the_same_totals(
        charged: World, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = combined(*ALL_SACCT)
    ledger.usage_ingest_sacct(data=everything)
    expected = totals()
    wipe_ledger()
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 3000)  # many small batches
    monkeypatch.setattr(sacct, "BATCH_BYTES", 6000)
    written: list[int] = []

    def crash(done: int, total: int) -> None:
        written.append(done)
        if len(written) == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        ledger.usage_ingest_sacct(data=everything, progress=crash)
    assert 0 < written[0] < written[1] < 13  # two batches were written, then the crash
    assert totals()["records"] == 0  # rolled back: a file is in the ledger whole or not at all
    assert IngestRun.objects.get(state="failed").error == "RuntimeError: killed"
    result = ledger.usage_ingest_sacct(data=everything)
    assert result.records_new == 13
    assert totals() == expected


def test_a_key_printed_twice_in_a_file_rolls_everything_back(
        charged: World, monkeypatch: pytest.MonkeyPatch) -> None:
    document = doc("sacct_array.json")
    document["jobs"] += [job for name in ALL_SACCT for job in doc(name)["jobs"]]
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 3000)
    monkeypatch.setattr(sacct, "BATCH_BYTES", 6000)
    with pytest.raises(SacctFormatError, match="same key"):
        ledger.usage_ingest_sacct(data=dump(document))
    assert totals()["records"] == 0
    assert IngestRun.objects.get().state == "failed"


def test_malformed_input_writes_nothing(charged: World) -> None:
    with pytest.raises(SacctFormatError):
        ledger.usage_ingest_sacct(data=raw("sacct_completed.json")[:-40])
    assert IngestRun.objects.count() == 0
    assert UsageRecord.objects.count() == 0


def test_window_ingestion_moves_the_checkpoint_and_reads_with_an_overlap(charged: World) -> None:
    sched = FakeScheduler()
    sched.accounting_data = combined(*ALL_SACCT)
    end = datetime(2026, 11, 24, tzinfo=UTC)
    result = ledger.usage_ingest_window(scheduler=sched, end=end)
    assert result.records_new == 12  # job 12 ran on laifbudget, not an account of the platform's
    assert sched.accounting_accounts == (("laiftest",),)
    assert result.ingested_until == end
    checkpoint = IngestCheckpoint.objects.get(source=UsageSource.SLURM)
    assert checkpoint.ingested_until == end
    later = datetime(2026, 11, 25, tzinfo=UTC)
    again = ledger.usage_ingest_window(scheduler=sched, end=later)
    assert again.records_new == 0
    assert sched.accounting_windows[1][0] == end - timedelta(hours=48)  # read from the checkpoint minus the overlap
    assert IngestCheckpoint.objects.get(source=UsageSource.SLURM).ingested_until == later


def test_checkpoint_moves_per_chunk(charged: World) -> None:
    sched = FakeScheduler()
    sched.accounting_data = combined(*ALL_SACCT)

    def crash(done: int, total: int) -> None:
        if done >= 6:
            raise RuntimeError("killed")

    end = datetime(2026, 11, 24, tzinfo=UTC)
    data = sched.accounting_data
    with pytest.raises(RuntimeError):
        ledger.usage_ingest_sacct(data=data, source=UsageSource.SLURM, cluster="fake",
                                  window_end=end, checkpoint=True, chunk_records=3,
                                  progress=crash)
    mark = IngestCheckpoint.objects.get(source=UsageSource.SLURM).ingested_until
    sixth = UsageRecord.objects.order_by("-end_time").first()
    assert sixth is not None
    assert mark == sixth.end_time < end
    result = ledger.usage_ingest_window(scheduler=sched, end=end)
    assert result.records_new == 12 - 6  # all but job 12, run on laifbudget


def test_an_empty_window_moves_the_checkpoint(world: World) -> None:
    end = datetime(2026, 11, 24, tzinfo=UTC)
    result = ledger.usage_ingest_window(scheduler=FakeScheduler(), end=end)
    assert (result.records_read, result.records_new, result.ingested_until) == (0, 0, end)
    assert IngestCheckpoint.objects.get(source=UsageSource.SLURM).ingested_until == end


def test_a_malformed_record_after_the_first_batch_rolls_everything_back(
        charged: World, monkeypatch: pytest.MonkeyPatch) -> None:
    document = doc("sacct_array.json")
    document["jobs"] += [job for name in ALL_SACCT[1:] for job in doc(name)["jobs"]]
    del document["jobs"][-1]["time"]["submission"]
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 3000)
    monkeypatch.setattr(sacct, "BATCH_BYTES", 6000)
    written: list[int] = []
    with pytest.raises(SacctFormatError, match=r"no time\.submission"):
        ledger.usage_ingest_sacct(data=dump(document),
                                  progress=lambda done, total: written.append(done))
    assert written  # batches were written before the bad one was reached
    assert totals()["records"] == 0
    assert "no time.submission" in IngestRun.objects.get(state="failed").error
