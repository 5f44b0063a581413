"""The streamed release of a sandbox table: its column policies applied and its re-identification
risk checked, batch by batch, never the whole table in memory. Pure (no Django).

``source`` is a seekable binary file-like holding the Parquet file of a dataset (every column a
string column), e.g. ``envelope.DecryptingReader`` of the stored file; it is read with pyarrow
(``ParquetFile.iter_batches`` without ``pre_buffer``, which would keep every row group read: a
batch of ``batch_rows`` rows at a time; polars would read the whole file into memory). Two
passes:

1. **risk**: only the quasi-identifier and sensitive columns are read; each batch gets their
   policies (``policies.apply_policies`` semantics) and its group counts (and, per group, the
   distinct values of each sensitive column) are merged into a ``risk.GroupCounter``, whose
   report is ``risk.assess`` on the whole transformed table (one implementation of the final
   computation: ``risk.summarise``). The quasi-identifiers name OUTPUT columns: a suppressed
   column cannot be one (nor a sensitive one). A report that does not pass (k, or l, under the
   required values after suppression when ``suppress_below_k``; or no row) stops the release with
   :class:`ReleaseRefused` before anything is written.
2. **release**: the released columns are read (a suppressed column never is), every policy
   applied, the rows of the suppressed groups dropped (an anti-join per batch on the
   quasi-identifier values, a null equal to a null), and the batch written to ``sink`` as a
   Parquet row group: zstd, every column a UTF-8 string, no key-value metadata at all
   (``store_schema=False``, a schema without metadata: no pandas, polars or arrow schema that
   could hold a value), row order kept; pseudonymised and encrypted columns without dictionary
   and min/max statistics (nearly all distinct: of no use). The SHA-256 and size of what was written are computed on
   the way (:class:`ReleaseResult`). ``sink`` is flushed, never closed; on an error the rest of
   the output (the Parquet footer included) is not written, so the sink holds no readable file.
   The number of rows read and released must equal pass 1's, or the source changed between the
   passes and the release fails (``RuntimeError``).

Memory: two batches in flight (one being prepared while the MACs of the other are computed), the
group statistics of pass 1 (a row per group and per distinct (group, sensitive value) pair) and
the suppressed groups' values: bounded by the batch size and the number of groups, not by the
number of rows.

Pseudonyms: exactly ``policies.pseudonymise_values``'s (its pieces are called here: normalise,
deduplicate within the batch when it pays (``policies.mac_inputs``), MAC, put back). The MACs are
the one per-value loop. A column with at least :data:`PARALLEL_MIN_VALUES` values to MAC in a
batch has them split among ``workers``, started on first need and stopped at the end of the call,
so that the MACs of a batch are computed while the next one is read:

- threads (``ThreadPoolExecutor``) when the compiled loop is built (``laif.sandbox.kernel``),
  which releases the GIL;
- else worker processes (``ProcessPoolExecutor``, fork context): hashlib holds the GIL for short
  inputs. They receive the values' UTF-8 bytes and the ``DomainKey`` and return the pseudonyms'
  text; their code (``policies.pseudonym_text``) never calls polars or pyarrow, so forking a
  process whose libraries run thread pools is safe. Keys travel to them through the pool's
  pipes only.

Keys are never logged, never in a message, never in the output.

Refused with ``policies.PolicyError`` (a ``ValueError``; messages name columns, never values):
invalid policies, a missing key, a non-string column, a quasi-identifier or sensitive column that
is suppressed; with ``ValueError`` the requests ``risk.assess`` refuses (unknown or repeated
column, ``required_k < 1``, ...).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from laif.sandbox import kernel, policies
from laif.sandbox.policies import ColumnPolicy, DomainKey, PolicyError
from laif.sandbox.risk import GroupCounter, RiskReport, check_request
from laif.sandbox.sinks import DigestingSink

DEFAULT_BATCH_ROWS = 262_144
"""Rows read, transformed and written at a time."""

_KEYED = (policies.PSEUDONYMISE, policies.ENCRYPT)

PARALLEL_MIN_VALUES = 20_000
"""Distinct values of a pseudonymised column in one batch from which their MACs are computed by
the workers (below it, in this thread: starting and feeding workers would cost more)."""


@dataclass(frozen=True)
class ReleasePlan:
    policies: tuple[ColumnPolicy, ...]
    keys: Mapping[tuple[str, str], DomainKey]
    """``(purpose, domain)`` to key, as ``policies.apply_policies`` takes them."""
    quasi_identifiers: tuple[str, ...]
    """OUTPUT column names (after the policies); a suppressed column cannot be one."""
    sensitive: tuple[str, ...] = ()
    required_k: int = 5
    required_l: int | None = None
    suppress_below_k: bool = False


@dataclass(frozen=True)
class ReleaseResult:
    risk: RiskReport
    rows_in: int
    rows_out: int
    columns: tuple[str, ...]
    output_sha256: str
    output_bytes: int


class ReleaseRefused(Exception):
    """The risk report does not pass: nothing was written. The message holds the reached and
    required k and l and counts, never a data value."""

    def __init__(self, report: RiskReport) -> None:
        self.report = report
        super().__init__(refusal_text(report))


def refusal_text(report: RiskReport) -> str:
    """Why ``report`` does not pass, in numbers only."""
    reasons = []
    if report.rows == 0:
        reasons.append("no row would be released")
    elif report.k < report.required_k:
        reasons.append(f"k = {report.k}, under the required {report.required_k}")
    if report.rows and report.required_l is not None and (report.l or 0) < report.required_l:
        reasons.append(f"l = {report.l}, under the required {report.required_l}")
    if report.suppressed_rows:
        reasons.append(
            f"after suppressing {report.suppressed_rows} rows in {report.suppressed_groups} groups"
        )
    return "release refused: " + ("; ".join(reasons) or "the risk check does not pass")


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- MACs, in this process or in workers ---------------------------------------------------------


class _Macs:
    """Computes the pseudonyms of a batch's distinct values: in this process, or split among
    worker processes (started on first need) when there are enough of them."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: Executor | None = None

    def start(self, distinct: pl.Series, kind: str, key: DomainKey) -> Callable[[], pl.Series]:
        """Start the pseudonyms of ``distinct``; the function returned waits for them."""
        count = distinct.len()
        if self._workers < (1 if kernel.AVAILABLE else 2) or count < PARALLEL_MIN_VALUES:
            done = policies.pseudonyms_of(distinct, kind=kind, key=key)
            return lambda: done
        pool = self._started()
        share = -(-count // self._workers)
        futures: list[Future[bytes]] = [
            pool.submit(
                policies.pseudonym_text,
                *policies.value_buffers(distinct.slice(start, share)),
                kind=kind,
                key=key,
            )
            for start in range(0, count, share)
        ]

        def wait() -> pl.Series:
            text = b"".join(future.result() for future in futures)
            return policies.pseudonyms_from_text(text, kind=kind)

        return wait

    def _started(self) -> Executor:
        if self._pool is None:
            self._pool = (
                ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="laif-mac")
                if kernel.AVAILABLE
                else ProcessPoolExecutor(
                    max_workers=self._workers, mp_context=multiprocessing.get_context("fork")
                )
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# --- a batch ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Started:
    columns: tuple[str, ...]
    done: pl.DataFrame
    """The columns computed at once (kept, generalised, encrypted)."""
    pending: dict[str, tuple[Callable[[], pl.Series], pl.Series]]
    """Pseudonymised column: its images to wait for, and each row's code among them."""

    def finish(self) -> pl.DataFrame:
        """The batch under its policies, columns in source order."""
        pseudonymised = {
            name: policies.put_back(images(), codes, name)
            for name, (images, codes) in self.pending.items()
        }
        return pl.DataFrame(
            [
                pseudonymised[name] if name in pseudonymised else self.done.get_column(name)
                for name in self.columns
            ]
        )


class _Transform:
    """The policies of ``columns`` (source order, none suppressed) applied to a batch in two
    steps, so that the MACs of one batch are computed while the next is read."""

    def __init__(self, plan: ReleasePlan, columns: Sequence[str], macs: _Macs) -> None:
        by_column = {p.column: p for p in plan.policies}
        self._plan = plan
        self._columns = tuple(columns)
        self._macs = macs
        self._pseudonymised = [
            by_column[c] for c in columns if by_column[c].action == policies.PSEUDONYMISE
        ]
        self._others = [
            by_column[c] for c in columns if by_column[c].action != policies.PSEUDONYMISE
        ]

    def start(self, frame: pl.DataFrame) -> _Started:
        pending = {}
        normalised = frame.select(  # one select: the columns are normalised in parallel
            [policies.normalised(p.column, p.kind) for p in self._pseudonymised]
        )
        for policy in self._pseudonymised:
            key = self._plan.keys[(policies.PURPOSE_PSEUDONYM, policy.domain)]  # checked
            distinct, codes = policies.mac_inputs(normalised.get_column(policy.column))
            pending[policy.column] = (self._macs.start(distinct, policy.kind, key), codes)
        names = [p.column for p in self._others]
        done = (
            policies.apply_policies(frame.select(names), self._others, self._plan.keys)
            if names
            else pl.DataFrame()
        )
        return _Started(columns=self._columns, done=done, pending=pending)


def _batches(
    source: BinaryIO, columns: Sequence[str], batch_rows: int, transform: _Transform
) -> Iterator[pl.DataFrame]:
    """The batches of ``columns`` under their policies, one started ahead."""
    # pre_buffer=False: with it, the reader keeps every row group it pre-buffered (the memory
    # would grow with the file)
    parquet = pq.ParquetFile(pa.PythonFile(source, mode="r"), pre_buffer=False)
    ahead: _Started | None = None
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(columns)):
        frame = pl.DataFrame(pl.from_arrow(batch))
        started = transform.start(frame)
        if ahead is not None:
            yield ahead.finish()
        ahead = started
    if ahead is not None:
        yield ahead.finish()


# --- the plan --------------------------------------------------------------------------------------


def _output_columns(source: BinaryIO, plan: ReleasePlan) -> list[str]:
    """The released columns (source order), once the plan is checked against the source."""
    schema = pq.ParquetFile(pa.PythonFile(source, mode="r")).schema_arrow
    # (not schema.empty_table(), which imports pandas where it is installed: a second lost)
    empty = pl.DataFrame(
        pl.from_arrow(pa.Table.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema))
    )
    # the policies, the keys and the columns' types, checked on no row
    policies.apply_policies(empty, plan.policies, plan.keys)
    by_column = {p.column: p for p in plan.policies}
    hidden = [
        c
        for c in (*plan.quasi_identifiers, *plan.sensitive)
        if c in by_column and by_column[c].action == policies.SUPPRESS
    ]
    if hidden:
        raise PolicyError(
            "a suppressed column is not in the release, so it cannot be a quasi-identifier or "
            "a sensitive column: " + ", ".join(repr(c) for c in hidden)
        )
    output = [c for c in schema.names if by_column[c].action != policies.SUPPRESS]
    check_request(output, plan.quasi_identifiers, plan.sensitive, plan.required_k, plan.required_l)
    return output


def _risk(
    source: BinaryIO, plan: ReleasePlan, output: Sequence[str], batch_rows: int, macs: _Macs
) -> tuple[RiskReport, pl.DataFrame, int]:
    """Pass 1: the report, the suppressed groups' values, and the rows read."""
    wanted = {*plan.quasi_identifiers, *plan.sensitive}
    columns = [c for c in output if c in wanted]
    counter = GroupCounter(plan.quasi_identifiers, plan.sensitive)
    for frame in _batches(source, columns, batch_rows, _Transform(plan, columns, macs)):
        counter.add(frame)
    report, suppressed = counter.report(
        required_k=plan.required_k,
        required_l=plan.required_l,
        suppress_below_k=plan.suppress_below_k,
    )
    return report, suppressed, counter.rows


def _check_batch_rows(batch_rows: int) -> None:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError("batch_rows must be a positive integer")


def assess_stream(
    source: BinaryIO,
    plan: ReleasePlan,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    workers: int | None = None,
) -> RiskReport:
    """The risk report of releasing ``source`` under ``plan`` (pass 1 only): ``risk.assess`` of
    the transformed table, computed batch by batch. ``workers``: processes for the MACs (default:
    the CPUs this process may use; 1: none)."""
    _check_batch_rows(batch_rows)
    output = _output_columns(source, plan)
    macs = _Macs(default_workers() if workers is None else workers)
    try:
        report, _suppressed, _rows = _risk(source, plan, output, batch_rows, macs)
    finally:
        macs.close()
    return report


# --- writing -------------------------------------------------------------------------------------


def _table(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame`` as a table of exactly ``schema`` (string columns, no metadata)."""
    arrow = frame.to_arrow()
    columns = [arrow.column(field.name) for field in schema]
    columns = [
        column if column.type == field.type else column.cast(field.type)
        for column, field in zip(columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def release_stream(
    source: BinaryIO,
    sink: BinaryIO,
    plan: ReleasePlan,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    workers: int | None = None,
) -> ReleaseResult:
    """Release ``source`` under ``plan`` into ``sink`` (see the module docstring), or raise
    :class:`ReleaseRefused` (nothing written) when the risk report does not pass."""
    _check_batch_rows(batch_rows)
    output = _output_columns(source, plan)
    qis = list(plan.quasi_identifiers)
    macs = _Macs(default_workers() if workers is None else workers)
    try:
        report, suppressed, rows_seen = _risk(source, plan, output, batch_rows, macs)
        if not report.passes:
            raise ReleaseRefused(report)
        # large_string is polars' own: no copy; in Parquet it is a UTF-8 string like any other
        schema = pa.schema([pa.field(name, pa.large_string()) for name in output])
        keyed = {p.column for p in plan.policies if p.action in _KEYED}
        digesting = DigestingSink(sink)
        file = pa.PythonFile(digesting, mode="w")
        rows_in = rows_out = 0
        try:
            writer = pq.ParquetWriter(
                file,
                schema,
                compression="zstd",
                store_schema=False,
                # a dictionary of pseudonyms or ciphertexts (nearly all distinct) is built for
                # nothing (Parquet gives it up past 1 MiB), and their min and max are no use
                use_dictionary=[c for c in output if c not in keyed],
                write_statistics=[c for c in output if c not in keyed],
            )
            try:
                for frame in _batches(source, output, batch_rows, _Transform(plan, output, macs)):
                    rows_in += frame.height
                    kept = frame
                    if suppressed.height:
                        kept = frame.join(
                            suppressed, on=qis, how="anti", nulls_equal=True, maintain_order="left"
                        )
                    if kept.height:
                        writer.write_table(_table(kept, schema))
                        rows_out += kept.height
                if rows_in != rows_seen or rows_out != report.rows:
                    raise RuntimeError("the source changed between the two passes of a release")
            except BaseException:
                digesting.abandoned = True  # no footer: the sink holds no readable file
                raise
            finally:
                writer.close()
        finally:
            file.close()
    finally:
        macs.close()
    return ReleaseResult(
        risk=report,
        rows_in=rows_in,
        rows_out=rows_out,
        columns=tuple(output),
        output_sha256=digesting.sha256,
        output_bytes=digesting.size,
    )
