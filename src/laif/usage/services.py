"""Ingestion of finished job runs into the usage ledger (``usage.models``), vectorised.

``usage_ingest_sacct(data=...)`` takes the raw bytes of ``sacct --json -X -D`` (a replayed file,
or a window read from Slurm by ``usage_ingest_window``); ``usage_ingest_local`` takes the local
runner's finished jobs. All go through ``usage_ingest_records``:

1. parse (``sacct.parse_sacct_json``) and keep the runs that are over (``finished_only``): malformed
   input raises ``SacctFormatError`` before anything is written;
2. resolve (``resolve``), by polars joins against lookup frames read in one query each: the Slurm account to the
   project whose account it is (``cluster.selectors.project_accounts``) and its organisation, the
   Unix user to the person (``ClusterIdentity.username``); unknown ones stay null (kept in the
   ledger, shown to staff as unassigned);
3. split each run by calendar month of the site's time zone (``split.split_by_month``,
   ``LAIF_SITE_TIME_ZONE``) and charge each part to the project's allocation whose dates contain
   the part's last second (local date); when several do, the one that started first (then the lowest
   id); null when none does;
4. write the records whose key ``(cluster, job_id, submit_time)`` is new (``usage.bulk``: COPY +
   ON CONFLICT DO NOTHING on PostgreSQL, INSERT OR IGNORE on SQLite) and the monthly entries of
   exactly those. Re-reading any window adds nothing.

   - Periodic ingestion (a window read from Slurm, a checkpoint): the window is parsed whole, then
     written in chunks of records ordered by end time, each chunk in one transaction with the
     checkpoint moved to the chunk's last end time. A crash leaves whole chunks; a rerun skips
     what is there and writes the rest.
   - Replayed output (a file, an upload): one transaction, written batch by batch while a worker
     thread parses and prepares the next batch (``sacct.iter_sacct_json``), so that parsing and
     writing use two cores. A malformed batch, a key printed twice or a crash rolls it all back:
     a file is in the ledger whole or not at all, and re-running it writes it whole.

Periodic ingestion reads the platform's accounts only (``sacct -A``, ``platform_accounts``) from
its checkpoint minus ``LAIF_USAGE_OVERLAP_HOURS`` (records reach slurmdbd late), which the key
makes safe; the first one from the platform's start (``platform_start``), not the machine's.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import SYSTEM, Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import DomainError, PermissionDenied
from laif.cluster.scheduler.base import Scheduler
from laif.cluster.scheduler.names import accounting_chunks
from laif.cluster.selectors import get_scheduler, platform_accounts
from laif.usage import bulk, resolve
from laif.usage.hooks import jobs_reader
from laif.usage.models import IngestCheckpoint, IngestRun, UsageSource
from laif.usage.sacct import (
    SCHEMA,
    SacctFormatError,
    check_unique_keys,
    finished_only,
    iter_sacct_json,
    parse_sacct_json,
)
from laif.usage.selectors import platform_start

CHUNK_RECORDS = 100_000
LOCAL_FIRST = datetime(2000, 1, 1, tzinfo=UTC)  # the local runner's jobs are all the platform's

_UTC = pl.Datetime("us", "UTC")
_KEY = ("cluster", "job_id", "submit_time")

Progress = Callable[[int, int], None]
"""Called after each chunk with (records done, records in all, or so far when not known yet)."""
T = TypeVar("T")
_DONE = object()


@dataclass(frozen=True)
class IngestResult:
    run_id: int
    records_read: int  # finished runs in the input
    records_new: int  # of which were not in the ledger yet
    entries_new: int  # monthly entries written for them
    ingested_until: datetime | None  # the checkpoint after this run (periodic ingestion)


def usage_ingest_sacct(*, data: bytes, source: str = UsageSource.FILE,
                       window_start: datetime | None = None, window_end: datetime | None = None,
                       cluster: str = "", checkpoint: bool = False,
                       chunk_records: int = CHUNK_RECORDS, progress: Progress | None = None,
                       actor: Actor = SYSTEM) -> IngestResult:
    """Ingest ``sacct --json`` output. Raises ``SacctFormatError`` when the bytes are not sacct
    output this platform reads: nothing is written (a checkpointed window is parsed whole before
    anything is written; other output is written in one transaction, rolled back)."""
    if not checkpoint:
        return _ingest_stream(data=data, source=source, window_start=window_start,
                              window_end=window_end, cluster=cluster, progress=progress,
                              actor=actor)
    records = finished_only(parse_sacct_json(bytes(data)))
    return usage_ingest_records(
        records=records, source=source, cluster=cluster, window_start=window_start,
        window_end=window_end, checkpoint=checkpoint, chunk_records=chunk_records,
        progress=progress, actor=actor)


def _ingest_stream(*, data: bytes, source: str, window_start: datetime | None,
                   window_end: datetime | None, cluster: str, progress: Progress | None,
                   actor: Actor) -> IngestResult:
    """sacct output in one transaction, batch by batch (``sacct.iter_sacct_json``): a worker
    thread parses and encodes the next batch while this one is written. All or nothing: a
    malformed batch, a key printed twice or a crash rolls every batch back (re-running then
    writes it all); records already in the ledger are skipped."""
    view = bytes(data)
    tz = settings.LAIF_SITE_TIME_ZONE
    lookups = resolve.read_lookups()
    postgresql = bulk.is_postgresql()

    def encoded(frame: pl.DataFrame) -> tuple[pl.DataFrame, bulk.Batch]:
        records = finished_only(frame)
        prepared, parts = resolve.usage_prepare(records, tz=tz, lookups=lookups)
        return records.select(_KEY), bulk.batch_encode(prepared, parts,
                                                              postgresql=postgresql)

    with ThreadPoolExecutor(max_workers=2) as pool:
        digest = pool.submit(lambda: hashlib.sha256(view).hexdigest()) \
            if source == UsageSource.FILE else None
        batches = _ahead(pool, map(encoded, iter_sacct_json(view)))
        first = next(batches)  # the envelope is checked before anything is recorded
        run = IngestRun.objects.create(
            source=source, cluster=(cluster or "-")[:64], window_start=window_start,
            window_end=window_end, started_at=timezone.now(), **_runner())
        read = new_records = new_entries = 0
        keys: list[pl.DataFrame] = []
        try:
            with transaction.atomic():
                for batch_keys, batch in itertools.chain([first], batches):
                    added = bulk.batch_insert(batch, run_id=run.pk, source=source)
                    new_records, new_entries = new_records + added[0], new_entries + added[1]
                    read += batch.records
                    keys.append(batch_keys)
                    if progress is not None:
                        progress(read, read)
                every = pl.concat(keys)
                check_unique_keys(every)
                _run_done(run, actor=actor, source=source,
                          cluster=(cluster or _cluster_label(every))[:64], records_read=read,
                          records_new=new_records,
                          file_sha256=digest.result() if digest else "")
        except BaseException as exc:
            _run_failed(run, exc, records_read=read)
            raise
    return IngestResult(run_id=run.pk, records_read=read, records_new=new_records,
                        entries_new=new_entries, ingested_until=None)


def _ahead(pool: ThreadPoolExecutor, items: Iterator[T]) -> Iterator[T]:
    """``items``, each next one computed in ``pool`` while the caller works on the current one."""
    future = pool.submit(next, items, _DONE)
    while True:
        item = future.result()
        if item is _DONE:
            return
        future = pool.submit(next, items, _DONE)
        yield item  # type: ignore[misc]


MAX_UPLOAD_BYTES = 512 * 2**20
"""The largest sacct file one API request takes (the CLI sends larger files in pieces)."""


class Upload(Protocol):
    @property
    def size(self) -> int | None: ...

    def read(self) -> bytes: ...


def usage_ingest_upload(*, access: Access, actor: Actor, upload: Upload) -> IngestResult:
    """An operator sends ``sacct --json`` output (API): the permission and size are checked
    before the file is read; malformed input is a 400 with nothing written."""
    if StaffRoleName.OPERATOR not in access.staff_roles:
        raise PermissionDenied(_("Only operators ingest usage records."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is larger than %(n)s MiB: send it in pieces (the CLI "
                            "does).") % {"n": MAX_UPLOAD_BYTES // 2**20}, field="sacct_json")
    try:
        return usage_ingest_sacct(data=upload.read(), actor=actor)
    except SacctFormatError as exc:
        raise DomainError(str(exc)[:1000], field="sacct_json") from exc


def usage_ingest_window(*, start: datetime | None = None, end: datetime | None = None,
                        scheduler: Scheduler | None = None, actor: Actor = SYSTEM,
                        progress: Progress | None = None) -> IngestResult:
    """The periodic ingestion: the scheduler's accounting from the checkpoint (minus the overlap,
    or ``start``) to ``end`` (default now), then the checkpoint moves to ``end``. For the local
    runner, its finished jobs (``usage_ingest_local``)."""
    sched = scheduler or get_scheduler()
    if sched.name == "local":
        return usage_ingest_local(end=end, actor=actor)
    until = end or timezone.now()
    since = min(start or _since(UsageSource.SLURM, sched.name, first=platform_start()), until)
    frames = [finished_only(parse_sacct_json(sched.accounting_json(since, until, chunk)))
              for chunk in accounting_chunks(platform_accounts())]  # sacct -A, in pieces
    return usage_ingest_records(records=pl.concat([SCHEMA.to_frame(), *frames]),
                                source=UsageSource.SLURM, window_start=since, window_end=until,
                                cluster=sched.name, checkpoint=True, progress=progress,
                                actor=actor)


def usage_ingest_local(*, end: datetime | None = None, actor: Actor = SYSTEM) -> IngestResult:
    """The local runner's finished jobs since the checkpoint (minus the overlap) as usage records:
    cluster ``local``, job id = the job's id, submit time = when it was created, its GPUs, no
    CPU count (0), the energy the runner measured through NVML (null: not measured), elapsed
    from its start and end."""
    until = end or timezone.now()
    since = min(_since(UsageSource.LOCAL, "local", first=LOCAL_FIRST), until)
    rows = jobs_reader().local_runs(since, until)
    jobs = pl.DataFrame(rows, orient="row", schema={
        "job_id": pl.Int64, "submit_time": _UTC, "project_id": pl.Int64, "user_id": pl.Int64,
        "user": pl.String, "partition": pl.String, "state": pl.String,
        "start_time": _UTC, "end_time": _UTC, "gpus": pl.Int64, "energy_j": pl.Int64,
    }).join(resolve.project_frame().select("project_id", code="account"), on="project_id", how="left")
    start = pl.min_horizontal("start_time", "end_time")
    elapsed = pl.when(pl.col("start_time").is_null()).then(0).otherwise(
        (pl.col("end_time") - start).dt.total_seconds()).cast(pl.Int64)
    records = jobs.select(
        cluster=pl.lit("local"), job_id="job_id", submit_time="submit_time",
        array_job_id=pl.lit(None, dtype=pl.Int64), array_task_id=pl.lit(None, dtype=pl.Int64),
        user=pl.col("user").fill_null(""), account=pl.col("code").fill_null(""),
        partition=pl.col("partition").fill_null(""), state=pl.col("state").str.to_uppercase(),
        start_time=pl.when(pl.col("start_time").is_not_null()).then(start),
        end_time="end_time", elapsed_s=elapsed, cpus=pl.lit(0, dtype=pl.Int64), gpus="gpus",
        energy_j="energy_j", cpu_seconds=pl.lit(0, dtype=pl.Int64),
        gpu_seconds=pl.col("gpus") * elapsed, project_id="project_id", user_id="user_id",
    )
    return usage_ingest_records(records=records, source=UsageSource.LOCAL, cluster="local",
                                window_start=since, window_end=until, checkpoint=True,
                                actor=actor)


def usage_ingest_records(*, records: pl.DataFrame, source: str, cluster: str = "",
                         window_start: datetime | None = None,
                         window_end: datetime | None = None, checkpoint: bool = False,
                         chunk_records: int = CHUNK_RECORDS,
                         progress: Progress | None = None,
                         actor: Actor = SYSTEM) -> IngestResult:
    """Write finished runs (columns of ``sacct.SCHEMA``; ``project_id``/``user_id`` may be given)
    into the ledger, chunk by chunk; see the module's docstring."""
    if chunk_records < 1:
        raise ValueError("chunk_records must be at least 1")
    label = (cluster or _cluster_label(records))[:64]
    run = IngestRun.objects.create(
        source=source, cluster=label, window_start=window_start, window_end=window_end,
        records_read=records.height, started_at=timezone.now(), **_runner())
    new_records = new_entries = 0
    until: datetime | None = None
    try:
        prepared, parts = resolve.usage_prepare(records, tz=settings.LAIF_SITE_TIME_ZONE)
        chunks = max(1, -(-prepared.height // chunk_records))
        for index in range(chunks):
            lo, hi = index * chunk_records, (index + 1) * chunk_records
            batch = prepared.slice(lo, chunk_records)
            batch_parts = parts.filter(pl.col("_row").is_between(lo, hi - 1))
            last = index == chunks - 1
            end_time = batch.item(batch.height - 1, "end_time") if batch.height else None
            mark = window_end if (last and window_end is not None) else end_time
            if mark is not None and window_end is not None:
                mark = min(mark, window_end)  # never past what the window read
            with transaction.atomic():
                added = bulk.batch_insert(bulk.batch_encode(batch, batch_parts),
                                                 run_id=run.pk, source=source)
                new_records, new_entries = new_records + added[0], new_entries + added[1]
                if checkpoint and mark is not None:
                    until = _checkpoint_advance(source=source, cluster=label, until=mark, run=run)
                IngestRun.objects.filter(pk=run.pk).update(records_new=new_records,
                                                           heartbeat_at=timezone.now())
            if progress is not None:
                progress(min(hi, prepared.height), prepared.height)
    except BaseException as exc:
        _run_failed(run, exc, records_new=new_records)
        raise
    with transaction.atomic():
        _run_done(run, actor=actor, source=source, cluster=label, records_read=records.height,
                  records_new=new_records)
    return IngestResult(run_id=run.pk, records_read=records.height, records_new=new_records,
                        entries_new=new_entries, ingested_until=until)


def _runner() -> dict[str, object]:
    """Who runs an ingestion (host, process) and its first sign of life (laif.ops.liveness)."""
    return {"host": socket.gethostname()[:255], "pid": os.getpid(),
            "heartbeat_at": timezone.now()}


def _run_done(run: IngestRun, *, actor: Actor, source: str, cluster: str, records_read: int,
              records_new: int, **fields: object) -> None:
    """Mark the run done (with ``fields`` of its own) and audit it, in the caller's transaction."""
    IngestRun.objects.filter(pk=run.pk).update(
        state=IngestRun.State.DONE, cluster=cluster, records_read=records_read,
        records_new=records_new, finished_at=timezone.now(), **fields)
    audit_record(actor=actor, action="usage.ingested", target=f"ingest_run:{run.pk}",
                 detail={"source": str(source), "cluster": cluster,
                         "records_read": records_read, "records_new": records_new})


def _run_failed(run: IngestRun, exc: BaseException, **counts: int) -> None:
    IngestRun.objects.filter(pk=run.pk).update(
        state=IngestRun.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
        finished_at=timezone.now(), **counts)


def _cluster_label(records: pl.DataFrame) -> str:
    names = sorted(records["cluster"].unique().drop_nulls().to_list()) if records.height else []
    return ",".join(names) or "-"


def _since(source: str, cluster: str, *, first: datetime | None) -> datetime:
    found = IngestCheckpoint.objects.filter(source=source, cluster=cluster).first()
    if found is None:  # the first ingestion (without a start: nothing to read before now)
        return first or timezone.now()
    return found.ingested_until - timedelta(hours=settings.LAIF_USAGE_OVERLAP_HOURS)


def _checkpoint_advance(*, source: str, cluster: str, until: datetime, run: IngestRun) -> datetime:
    """Move the checkpoint forward to ``until`` (never back), in the caller's transaction."""
    current = (IngestCheckpoint.objects.select_for_update()
               .filter(source=source, cluster=cluster).first())
    if current is None:
        IngestCheckpoint.objects.get_or_create(
            source=source, cluster=cluster, defaults={"ingested_until": until, "run": run})
        current = IngestCheckpoint.objects.select_for_update().get(source=source, cluster=cluster)
    if current.ingested_until < until:
        current.ingested_until = until
        current.run = run
        current.save(update_fields=["ingested_until", "run", "updated_at"])
    return current.ingested_until

