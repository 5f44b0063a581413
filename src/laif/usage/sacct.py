"""Slurm accounting records from ``sacct --json``: exact usage records, vectorised. Pure (no Django).

``parse_sacct_json(data)`` turns the raw bytes printed by ``sacct --json`` into a polars DataFrame
with one row per job allocation **run** (``sacct -X`` level; steps are ignored):

- the record key is ``(cluster, job_id, submit_time)`` (``RECORD_KEY``): slurmdbd's own unique key
  is (job id, submit time), which survives job-id reuse; every run of a requeued job is its own
  record, since a requeue resubmits the job (its submit time becomes the requeue time);
- an array task is a record of its own: ``job_id`` is the task's raw id, ``array_job_id`` the
  master's id and ``array_task_id`` the index (both null when the job is not an array task);
- instants are timezone-aware UTC (``submit_time``, ``start_time``, ``end_time``); a job cancelled
  before it started has a null ``start_time`` (22.05 prints null, 24.11 0 or 4294967294); ``elapsed_s`` is Slurm's own elapsed time in seconds
  (suspended time excluded); ``time_limit_s`` is the limit in **seconds** (the JSON gives minutes),
  null when unlimited;
- resources are the ALLOCATED ones (``tres.allocated``, not ``tres.requested``): ``cpus``; ``gpus``
  from the untyped ``gres/gpu`` entry, which already counts every GPU (with
  ``AccountingStorageTRES=gres/gpu,gres/gpu:h200`` each GPU also appears as ``gpu:h200``; adding
  both would count it twice); only when no untyped entry exists are the typed ``gpu:<type>`` entries
  summed; ``energy_j`` in joules, null when Slurm did not report it (``count: null``, 24.11's
  ``-2``, or no energy entry), never 0 for "not reported";
- ``cpu_seconds = cpus x elapsed_s`` and ``gpu_seconds = gpus x elapsed_s`` (exact integers);
- ``account`` is lowercased (Slurm stores account names lowercased).

``finished_only(df)`` keeps the runs whose state is final (``FINISHED_STATES``): only those belong
in a usage ledger. Malformed input (not JSON, truncated, wrong types, missing key fields) and
unsupported formats raise ``SacctFormatError``; errors that sacct itself reported in the output
raise ``SacctReportedError``, except "Nothing found" (error 9003, which 22.05 reports for a window
without any record, e.g. ``-A`` of accounts that ran nothing): no records.

Formats: every layout of ``laif.cluster.slurm_json.LAYOUTS`` that sacct prints (22.05's
``openapi/dbv0.0.38`` to 24.11's ``data_parser/v0.0.42``), each only from the releases listed there;
anything else is refused (ADR 0013). The envelope names the layout (sniffed at the start or the end:
24.11 prints it after the jobs, then checked on the parsed envelope); each shape has its pyarrow
schema (``_format``: plain numbers or ``{set, infinite, number}`` objects, one state name or a list
of flags), and ``slurm_json``'s polars expressions read them the same way. Fixtures of each
version: ``tests/fixtures/slurm/`` (22.05) and ``tests/fixtures/slurm/24.11/``.

Speed: pyarrow's JSON reader parses the document with an explicit schema (fields the ledger does not
need are skipped, never turned into Python objects); large documents in sacct's own pretty layout are
cut between two jobs into chunks that are parsed in parallel threads (pyarrow releases the GIL).
``iter_sacct_json`` answers the records in batches of consecutive chunks, each parsed when asked
for, so that a consumer writes one batch while the next is parsed (``ledger``). Everything after
parsing is polars expressions; nothing loops over the records in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from laif.cluster import slurm_json
from laif.usage import sacct_pieces
from laif.usage.sacct_errors import SacctFormatError as SacctFormatError
from laif.usage.sacct_errors import SacctReportedError as SacctReportedError

DEFAULT_CLUSTER = "meluxina-ai"
"""Used only for records whose ``cluster`` is missing or empty; sacct always prints it."""

RECORD_KEY = ("cluster", "job_id", "submit_time")

FINISHED_STATES = frozenset({
    "COMPLETED",
    "FAILED",
    "TIMEOUT",
    "CANCELLED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "REQUEUED",
    "BOOT_FAIL",
    "DEADLINE",
})
"""States of a run that is over: its usage is final. PENDING, RUNNING, SUSPENDED, ... are not."""

_UTC = pl.Datetime("us", "UTC")

SCHEMA = pl.Schema({
    "cluster": pl.String(),
    "job_id": pl.Int64(),
    "submit_time": _UTC,
    "array_job_id": pl.Int64(),
    "array_task_id": pl.Int64(),
    "user": pl.String(),
    "account": pl.String(),
    "partition": pl.String(),
    "state": pl.String(),
    "start_time": _UTC,
    "end_time": _UTC,
    "elapsed_s": pl.Int64(),
    "time_limit_s": pl.Int64(),
    "cpus": pl.Int64(),
    "gpus": pl.Int64(),
    "energy_j": pl.Int64(),
    "cpu_seconds": pl.Int64(),
    "gpu_seconds": pl.Int64(),
})
"""The columns of ``parse_sacct_json``'s result, in order."""


def parse_sacct_json(data: bytes, *, cluster_default: str = DEFAULT_CLUSTER) -> pl.DataFrame:
    """One row per job allocation run of ``sacct --json`` output, columns ``SCHEMA``, in the
    output's order. Raises ``SacctFormatError`` for anything else."""
    batches = list(iter_sacct_json(data, cluster_default=cluster_default))
    out = pl.concat(batches, how="vertical", rechunk=False) if batches else SCHEMA.to_frame()
    check_unique_keys(out)
    return out


BATCH_BYTES = 256 * 1024 * 1024
"""About how much JSON one batch of ``iter_sacct_json`` covers (about 75,000 records of sacct's
pretty layout)."""


def iter_sacct_json(data: bytes | bytearray, *, cluster_default: str = DEFAULT_CLUSTER,
                    batch_bytes: int | None = None) -> Iterator[pl.DataFrame]:
    """``parse_sacct_json`` in batches of consecutive jobs, in the output's order, each parsed
    only when the caller asks for it (so that a consumer can write one batch while the next is
    parsed). The format and the envelope are checked before the first batch is answered; a
    malformed batch raises ``SacctFormatError`` when it is reached. Keys are unique within a
    batch; across batches see ``check_unique_keys``. At least one batch, maybe empty."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"sacct output must be bytes, not {type(data).__name__}")
    if not cluster_default:
        raise ValueError("cluster_default must not be empty")
    batch_bytes = BATCH_BYTES if batch_bytes is None else batch_bytes
    if batch_bytes < 1:
        raise ValueError("batch_bytes must be positive")
    name = sacct_pieces.sniff_layout(data)
    fmt = _FORMATS.get(name)
    if fmt is None:
        try:
            slurm_json.check_layout(name, "", "sacct")
        except slurm_json.SlurmJsonError as exc:
            raise SacctFormatError(str(exc)) from exc
        raise AssertionError(name)  # check_layout refuses what _FORMATS lacks
    pieces = sacct_pieces.pieces(data)
    groups: list[list[sacct_pieces.Piece]] = [[]]
    size = 0
    for piece in pieces:  # a loop over pieces of megabytes, not over records
        if groups[-1] and size + len(piece) > batch_bytes:
            groups.append([])
            size = 0
        groups[-1].append(piece)
        size += len(piece)
    return _batches(groups, fmt, cluster_default)


def _batches(groups: list[list[sacct_pieces.Piece]], fmt: _Format,
             cluster_default: str) -> Iterator[pl.DataFrame]:
    last = len(groups) - 1
    read = {0: sacct_pieces.read_pieces(groups[0], fmt.schema)}
    if not _metas(read[0]) and last > 0:  # the envelope printed after the jobs: read it first
        read[last] = sacct_pieces.read_pieces(groups[last], fmt.schema)
    metas = [m for tables in read.values() for m in _metas(tables)]
    if len(metas) != 1:
        raise SacctFormatError("no meta object in sacct output" if not metas
                               else "more than one meta object in sacct output")
    _check_meta(metas[0], fmt)
    for tables in read.values():  # errors printed with the envelope stop everything up front
        _check_body(tables)
    for index, group in enumerate(groups):
        tables = read.pop(index) if index in read else sacct_pieces.read_pieces(group, fmt.schema)
        if index not in (0, last) and _metas(tables):
            raise SacctFormatError("more than one meta object in sacct output")
        _check_body(tables)
        jobs = [chunk.flatten() for t in tables for chunk in t.column("jobs").chunks]
        if not any(len(chunk) for chunk in jobs):
            yield SCHEMA.to_frame()
            continue
        series = pl.from_arrow(pa.chunked_array(jobs, type=fmt.job_type))
        assert isinstance(series, pl.Series)
        batch = _records(series.struct.unnest(), cluster_default, fmt.layout)
        check_unique_keys(batch)
        yield batch


def check_unique_keys(df: pl.DataFrame) -> None:
    """Raise ``SacctFormatError`` naming the first record whose key (``RECORD_KEY``) appears twice
    (columns ``RECORD_KEY`` at least): slurmdbd never prints two runs with one key."""
    duplicated = df.select(pl.struct(RECORD_KEY).is_duplicated().arg_true().first()).item()
    if duplicated is not None:
        row = df.row(duplicated, named=True)
        raise SacctFormatError(
            f"two records with the same key (cluster {row['cluster']!r}, job {row['job_id']}, "
            f"submitted {row['submit_time']:%Y-%m-%dT%H:%M:%SZ})"
        )


def finished_only(df: pl.DataFrame) -> pl.DataFrame:
    """The runs that are over (``FINISHED_STATES``): the ones a usage ledger counts."""
    return df.filter(pl.col("state").is_in(sorted(FINISHED_STATES)))


# --- the layouts (laif.cluster.slurm_json): one schema per shape -------------------------------

@dataclass(frozen=True)
class _Format:
    layout: slurm_json.Layout
    schema: pa.Schema  # the document, only the fields the ledger needs
    job_type: pa.DataType  # one element of its jobs list


_NUMBER = pa.struct([("set", pa.bool_()), ("infinite", pa.bool_()), ("number", pa.int64())])
_TRES = pa.list_(pa.struct([("type", pa.string()), ("name", pa.string()), ("count", pa.int64())]))
_META = pa.struct([  # every layout's envelope: the fields a layout lacks are null
    ("plugin", pa.struct([("type", pa.string()), ("data_parser", pa.string())])),
    ("plugins", pa.struct([("data_parser", pa.string())])),
    ("Slurm", pa.struct([("release", pa.string())])),
    ("slurm", pa.struct([("release", pa.string())])),
])
_ERRORS = pa.list_(pa.struct([("error", pa.string()), ("description", pa.string()),
                               ("error_number", pa.int64())]))


def _format(layout: slurm_json.Layout) -> _Format:
    """The pyarrow schema of a layout's document: plain numbers (22.05) or number objects, one
    state name (up to 23.02) or a list of flags."""
    number = _NUMBER if layout.numbers else pa.int64()
    job = pa.struct([
        ("cluster", pa.string()),
        ("job_id", pa.int64()),
        ("user", pa.string()),
        ("account", pa.string()),
        ("partition", pa.string()),
        ("array", pa.struct([("job_id", pa.int64()), ("task_id", number)])),
        ("state", pa.struct([
            ("current", pa.list_(pa.string()) if layout.state_lists else pa.string()),
        ])),
        ("time", pa.struct([
            ("submission", pa.int64()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("elapsed", pa.int64()),
            ("limit", number),
        ])),
        ("tres", pa.struct([("allocated", _TRES)])),
    ])
    schema = pa.schema([("meta", _META), ("errors", _ERRORS), ("jobs", pa.list_(job))])
    return _Format(layout, schema, job)


_FORMATS = {name: _format(layout) for name, layout in slurm_json.LAYOUTS.items()
            if "sacct" in layout.commands}

# 22.05's "unlimited" / "not set" 32-bit markers (INFINITE, NO_VAL) for time limits.
_TIME_LIMIT_UNSET = (0xFFFFFFFF, 0xFFFFFFFE)


def _records(raw: pl.DataFrame, cluster_default: str, layout: slurm_json.Layout) -> pl.DataFrame:
    time = pl.col("time")
    array = pl.col("array")
    limit = slurm_json.number_expr(time.struct.field("limit"), layout)
    df = raw.select(
        cluster=pl.col("cluster"),
        job_id=pl.col("job_id"),
        submission=slurm_json.seconds_expr(time.struct.field("submission")),
        array_job_id=array.struct.field("job_id"),
        array_task_id=slurm_json.number_expr(array.struct.field("task_id"), layout),
        # null when the uid no longer maps to a name (the person's Unix account was removed):
        # the run still counts, charged to its account, with no person ("")
        user=pl.col("user").fill_null(""),
        account=pl.col("account"),
        partition=pl.col("partition"),
        state=slurm_json.state_expr(pl.col("state").struct.field("current"), layout),
        start=slurm_json.seconds_expr(time.struct.field("start")),
        end=slurm_json.seconds_expr(time.struct.field("end")),
        elapsed_s=time.struct.field("elapsed"),
        limit_min=limit if layout.numbers else pl.when(limit.is_in(_TIME_LIMIT_UNSET).not_())
        .then(limit),
    )
    _validate(df)
    resources = _allocated(raw)

    def instant(col: str) -> pl.Expr:  # epoch seconds -> UTC; null means "not set"
        return pl.from_epoch(pl.col(col), time_unit="s").dt.replace_time_zone("UTC")

    cluster = pl.col("cluster")
    out = df.hstack(resources.get_columns()).select(
        cluster=pl.when(cluster.is_null() | (cluster == "")).then(pl.lit(cluster_default))
        .otherwise(cluster),
        job_id=pl.col("job_id"),
        submit_time=instant("submission"),
        array_job_id=pl.when(pl.col("array_job_id") > 0).then(pl.col("array_job_id")),
        array_task_id=pl.when(pl.col("array_job_id") > 0).then(pl.col("array_task_id")),
        user=pl.col("user"),
        account=pl.col("account").str.to_lowercase(),
        partition=pl.col("partition"),
        state=pl.col("state"),
        start_time=instant("start"),
        end_time=instant("end"),
        elapsed_s=pl.col("elapsed_s"),
        time_limit_s=pl.col("limit_min") * 60,
        cpus=pl.col("cpus"),
        gpus=pl.col("gpus"),
        energy_j=pl.col("energy_j"),
        cpu_seconds=pl.col("cpus") * pl.col("elapsed_s"),
        gpu_seconds=pl.col("gpus") * pl.col("elapsed_s"),
    )
    return out.cast(SCHEMA)


def _validate(df: pl.DataFrame) -> None:
    """Every record must carry its key, its state, its account and a usable elapsed time;
    a finished run must have ended. Reports the first offending record. Instants are already
    null where not set (``slurm_json.seconds_expr``)."""
    finished = pl.col("state").is_in(sorted(FINISHED_STATES))
    checks: Sequence[tuple[str, pl.Expr]] = (
        ("no job_id", pl.col("job_id").is_null() | (pl.col("job_id") <= 0)),
        ("no time.submission", pl.col("submission").is_null()),
        ("no state.current", pl.col("state").is_null() | (pl.col("state") == "")),
        ("no account", pl.col("account").is_null()),
        ("no or negative time.elapsed", pl.col("elapsed_s").is_null() | (pl.col("elapsed_s") < 0)),
        ("a finished run without time.end", finished & pl.col("end").is_null()),
        ("time.end before time.start", pl.col("end") < pl.col("start")),
        ("time.elapsed but never started", pl.col("start").is_null() & (pl.col("elapsed_s") > 0)),
    )
    found = df.select(
        [expr.arg_true().first().alias(str(i)) for i, (_, expr) in enumerate(checks)]
    ).row(0)
    for (problem, _), index in zip(checks, found, strict=True):
        if index is not None:
            job_id = df.item(index, "job_id")
            raise SacctFormatError(f"record {index} (job {job_id}): {problem}")


def _allocated(raw: pl.DataFrame) -> pl.DataFrame:
    """cpus, gpus and energy_j of each record from its ``tres.allocated`` list, one row per record
    in order. GPUs: the untyped ``gres/gpu`` entry when there is one, else the sum of the typed
    ``gres/gpu:<type>`` entries (never both). Energy: null when not reported (null, or a negative
    count: 24.11 prints -2)."""
    entries = (
        raw.select(
            row=pl.int_range(pl.len(), dtype=pl.UInt32),
            tres=pl.col("tres").struct.field("allocated"),
        )
        .explode("tres", empty_as_null=True, keep_nulls=True)  # one row at least per record
        .unnest("tres")
    )
    kind, name, count = pl.col("type"), pl.col("name"), pl.col("count")
    is_cpu = kind == "cpu"
    is_gpu = (kind == "gres") & (name == "gpu")
    is_typed_gpu = (kind == "gres") & name.str.starts_with("gpu:")
    is_energy = kind == "energy"
    bad = entries.select(
        ((is_cpu | is_gpu | is_typed_gpu) & (count.is_null() | (count < 0))).arg_true().first()
    ).item()
    if bad is not None:
        raise SacctFormatError(f"record {entries.item(bad, 'row')}: a cpu or gpu TRES without a count")
    per_row = entries.group_by("row", maintain_order=True).agg(
        cpus=count.filter(is_cpu).sum(),
        untyped=count.filter(is_gpu).sum(),
        has_untyped=is_gpu.any(),
        typed=count.filter(is_typed_gpu).sum(),
        energy_j=count.filter(is_energy).first(),
    )
    if per_row.height != raw.height:  # every record has a row (see explode above)
        raise AssertionError("TRES rows lost")
    return per_row.select(
        cpus=pl.col("cpus"),
        gpus=pl.when(pl.col("has_untyped")).then(pl.col("untyped")).otherwise(pl.col("typed")),
        energy_j=pl.when(pl.col("energy_j") >= 0).then(pl.col("energy_j")),
    )


def _metas(tables: list[pa.Table]) -> list[dict[str, Any]]:
    return [m for t in tables for m in t.column("meta").to_pylist() if m is not None]


def _check_body(tables: list[pa.Table]) -> None:
    """No errors reported by sacct (in any piece) and a jobs list in every piece."""
    errors = [e for t in tables for es in t.column("errors").to_pylist() for e in es or ()
              if (e or {}).get("error_number") != slurm_json.NOTHING_FOUND]
    if errors:
        texts = "; ".join(
            str((e or {}).get("description") or (e or {}).get("error") or e) for e in errors
        )
        raise SacctReportedError(f"sacct reported errors: {texts}")
    if any(t.column("jobs").null_count for t in tables):
        raise SacctFormatError("no jobs list in sacct output")


def _check_meta(meta: dict[str, Any], fmt: _Format) -> None:
    name = slurm_json.layout_name(meta)
    if name != fmt.layout.name:
        raise SacctFormatError(f"the envelope names {name!r}, expected {fmt.layout.name!r}")
    try:
        slurm_json.check_layout(name, slurm_json.release_of(meta), "sacct")
    except slurm_json.SlurmJsonError as exc:
        raise SacctFormatError(str(exc)) from exc
