"""Bulk writes of the usage ledger: one small function per database backend.

A batch is written in two steps, so that the first can run in a worker thread while the caller
writes the previous batch:

1. ``batch_encode(records, parts)`` turns the frames of ``resolve.usage_prepare`` into what the
   database driver takes (CSV bytes for PostgreSQL's ``COPY``, rows for SQLite's
   ``executemany``); no database access;
2. ``batch_insert(batch, run_id=..., source=...)``, inside the caller's transaction, loads the
   records and their monthly parts into two temporary tables, inserts the records whose key
   ``(cluster, job_id, submit_time)`` is not in the ledger yet, and then, in SQL, the monthly
   entries of exactly those records: the ones the insert gave this run's id (a record already
   there, from an earlier or a concurrent ingestion, keeps its own run and gets no entry). Answers
   how many records and entries were new.

- PostgreSQL: ``COPY`` (psycopg 3, CSV) into the temporary tables, then one statement:
  ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` the new records' ids, joined in the server to
  their parts for the entries' ``INSERT``. A concurrent ingestion of the same key waits for the
  other transaction and then skips the row, so nothing is ever doubled.
- SQLite: ``executemany`` into the temporary tables, ``INSERT OR IGNORE ... SELECT``, then the
  entries' ``INSERT ... SELECT`` joined to the ledger by its unique key, for the rows of this run
  above the highest id before the insert: the transaction holds the write lock
  (``BEGIN IMMEDIATE``), so those are exactly the records this statement inserted.

Both add the new entries to the ledger's running totals (``usage.totals``) in the same
transaction: PostgreSQL in the same statement (a CTE over the entries the insert returned),
SQLite over the entries above the highest id before the insert.

Nothing here loops over records in Python except the database driver's own ``executemany``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection

from laif.usage import totals
from laif.usage.models import UsageEntry, UsageRecord

RECORD_COLUMNS = (
    "cluster", "job_id", "submit_time", "array_job_id", "array_task_id", "username",
    "account", "partition", "state", "start_time", "end_time", "elapsed_s", "cpus", "gpus",
    "cpu_seconds", "gpu_seconds", "energy_j", "project_id", "user_id",
)
"""A record's columns taken from its frame (``source`` and ``run_id`` are the batch's)."""
_PRODUCTS = {"cpu_seconds": "cpus", "gpu_seconds": "gpus"}
"""``cpus x elapsed_s`` and ``gpus x elapsed_s``, for a record and for each of its parts (see
``usage.split``): computed in SQL, not sent."""
PART_COLUMNS = ("_row", "month", "allocation_id", "elapsed_s", "energy_j")
"""A monthly part's own columns; the rest of its entry comes from its record."""
_FIRST_PART = {"month": "month", "allocation_id": "allocation_id", "elapsed_s": "part_elapsed_s",
               "energy_j": "part_energy_j"}
_IN_COLUMNS = ("_row", *[c for c in RECORD_COLUMNS if c not in _PRODUCTS], "organisation_id",
               *_FIRST_PART.values())
"""A record with its first monthly part (most records have only one): the other parts, of the
records that ran across a month boundary, are rows of their own (``PART_COLUMNS``)."""
_SQL_TYPES = {  # the temporary tables' columns, with the ledger's own types (and affinities)
    "_row": "bigint", "cluster": "varchar(64)", "job_id": "bigint", "submit_time": "datetime",
    "array_job_id": "bigint", "array_task_id": "bigint", "username": "varchar(64)",
    "account": "varchar(64)", "partition": "varchar(64)", "state": "varchar(24)",
    "start_time": "datetime", "end_time": "datetime", "elapsed_s": "bigint", "cpus": "integer",
    "gpus": "integer", "cpu_seconds": "bigint", "gpu_seconds": "bigint", "energy_j": "bigint",
    "project_id": "bigint", "user_id": "bigint", "organisation_id": "bigint", "month": "date",
    "allocation_id": "bigint", "part_elapsed_s": "bigint", "part_energy_j": "bigint",
}
_UTC = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Batch:
    """One batch, encoded for the database driver (``batch_encode``)."""

    records: int
    record_data: Any  # CSV bytes (PostgreSQL) or a frame of SQLite's types
    part_data: Any
    dense: bool = False  # the records' ``_row`` are 0, 1, ..., records - 1


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def batch_encode(records: pl.DataFrame, parts: pl.DataFrame, *,
                 postgresql: bool | None = None) -> Batch:
    """Encode prepared records (``_row``, ``RECORD_COLUMNS``, ``organisation_id``) and their parts
    (``PART_COLUMNS``). Pure: safe in a worker thread."""
    pg = is_postgresql() if postgresql is None else postgresql
    encode = _csv if pg else _sqlite_rows
    rows = records["_row"]
    base = rows.min() if records.height else 0
    assert isinstance(base, int)
    dense = records.height > 0 and rows.is_sorted() and rows.max() == base + records.height - 1 \
        and rows.n_unique() == records.height
    rebased = pl.col("_row") - base  # from 0 in every batch
    first = pl.col("_row").is_first_distinct()
    with_first = records.join(parts.filter(first).select(
        "_row", *[pl.col(c).alias(alias) for c, alias in _FIRST_PART.items()]), on="_row",
                              how="left", maintain_order="left")
    return Batch(records=records.height, dense=dense,
                 record_data=encode(with_first.select(_IN_COLUMNS).with_columns(rebased)),
                 part_data=encode(parts.filter(~first).select(PART_COLUMNS).with_columns(rebased)))


def batch_insert(batch: Batch, *, run_id: int, source: str) -> tuple[int, int]:
    """Write an encoded batch in the caller's transaction; (new records, new entries)."""
    if batch.records == 0:
        return 0, 0
    if is_postgresql():
        return _insert_postgresql(batch, run_id=run_id, source=source)
    return _insert_sqlite(batch, run_id=run_id, source=source)


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _columns(names: tuple[str, ...], prefix: str = "") -> str:
    return ", ".join(prefix + connection.ops.quote_name(n) for n in names)


def _temporary_ddl(name: str, columns: tuple[str, ...]) -> str:
    types = dict(_SQL_TYPES, **({"submit_time": "timestamptz", "start_time": "timestamptz",
                                 "end_time": "timestamptz"} if is_postgresql() else {}))
    body = ", ".join(f"{connection.ops.quote_name(c)} {types[c]}" for c in columns)
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({body})"


_RECORD_KEY_JOIN = " AND ".join(f"r.{c} = t.{c}" for c in ("cluster", "job_id", "submit_time"))
_ENTRY_COLUMNS = ("record_id", "month", "project_id", "organisation_id", "user_id",
                  "allocation_id", "partition", "elapsed_s", "cpu_seconds", "gpu_seconds",
                  "energy_j")
_ENTRY_VALUES = ("r.id, p.month, t.project_id, t.organisation_id, t.user_id, p.allocation_id, "
                 "t.partition, p.elapsed_s, t.cpus * p.elapsed_s, t.gpus * p.elapsed_s, "
                 "p.energy_j")
_FIRST_ENTRY_VALUES = ("r.id, t.month, t.project_id, t.organisation_id, t.user_id, "
                       "t.allocation_id, t.partition, t.part_elapsed_s, "
                       "t.cpus * t.part_elapsed_s, t.gpus * t.part_elapsed_s, t.part_energy_j")
_TOTAL_COLUMNS = (*totals.KEY, "gpu_seconds", "cpu_seconds", "energy_j")
"""What the running totals take from each new entry (``usage.totals``)."""
_RECORD_VALUES = ", ".join(f"t.{_PRODUCTS[c]} * t.elapsed_s" if c in _PRODUCTS else f"t.{c}"
                           for c in RECORD_COLUMNS)


# --- PostgreSQL --------------------------------------------------------------------------------

def _csv(frame: pl.DataFrame) -> bytes:
    """CSV for ``COPY``: an empty unquoted field is NULL, ``""`` is ''."""
    return frame.write_csv(include_header=False, null_value="", quote_style="necessary",
                           datetime_format="%Y-%m-%d %H:%M:%S%.6f+00:00").encode()


def _copy(table: str, columns: tuple[str, ...], data: bytes) -> None:
    raw = connection.connection
    sql = f"COPY {table} ({_columns(columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(data)


def _insert_postgresql(batch: Batch, *, run_id: int, source: str) -> tuple[int, int]:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(_temporary_ddl("laif_usage_in", _IN_COLUMNS))
        cursor.execute(_temporary_ddl("laif_parts_in", PART_COLUMNS))
        cursor.execute("TRUNCATE laif_usage_in, laif_parts_in")
    _copy("laif_usage_in", _IN_COLUMNS, batch.record_data)
    _copy("laif_parts_in", PART_COLUMNS, batch.part_data)
    cols = _columns(RECORD_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH r AS (INSERT INTO {_table(UsageRecord)} (source, run_id, {cols}) "  # noqa: S608 - names from the model
            f"SELECT %s, %s, {_RECORD_VALUES} FROM laif_usage_in t "
            "ON CONFLICT (cluster, job_id, submit_time) DO NOTHING "
            "RETURNING id, cluster, job_id, submit_time), "
            "n AS (SELECT r.id, t.* FROM r JOIN laif_usage_in t ON "
            f"{_RECORD_KEY_JOIN}), "
            f"e AS (INSERT INTO {_table(UsageEntry)} ({_columns(_ENTRY_COLUMNS)}) "
            f"SELECT {_FIRST_ENTRY_VALUES.replace('r.id', 't.id')} FROM n t UNION ALL "
            f"SELECT {_ENTRY_VALUES.replace('r.id', 't.id')} FROM n t "
            "JOIN laif_parts_in p ON p._row = t._row "
            f"RETURNING {_columns(_TOTAL_COLUMNS)}), "
            f"s AS ({totals.upsert_sql('e')} RETURNING 1) "
            "SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM e)",
            [source, run_id])
        new_records, new_entries = cursor.fetchone()
    return int(new_records), int(new_entries)


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_text(column: str) -> pl.Expr:
    """A UTC instant as Django's SQLite backend stores it (naive UTC, microseconds only when not
    zero), so that the unique key compares equal to rows the ORM wrote."""
    value = pl.col(column).dt.replace_time_zone(None)
    return (pl.when(value.dt.microsecond() == 0).then(value.dt.strftime("%Y-%m-%d %H:%M:%S"))
            .otherwise(value.dt.strftime("%Y-%m-%d %H:%M:%S%.6f")))


def _sqlite_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as SQLite takes it (instants and dates as text); its rows are made in the
    writing thread (``_insert_sqlite``): made in a worker, they would hold the interpreter lock
    against it."""
    text = [
        _sqlite_text(c).alias(c) if dtype == _UTC
        else pl.col(c).dt.strftime("%Y-%m-%d").alias(c) if dtype == pl.Date()
        else pl.col(c)
        for c, dtype in frame.schema.items()
    ]
    return frame.select(text)


SQLITE_CACHE_KIB = 256 * 1024
"""Page cache of the ingesting connection: the indexes of a large ledger then stay in memory
while bulk inserts maintain them (SQLite's default, 2 MiB, makes inserts superlinear)."""


def _insert_sqlite(batch: Batch, *, run_id: int, source: str) -> tuple[int, int]:
    connection.ensure_connection()
    raw = connection.connection
    raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    raw.execute(_temporary_ddl("laif_usage_in", _IN_COLUMNS).replace(
        '"_row" bigint', '"_row" integer PRIMARY KEY'))  # rowid: the parts find their record
    raw.execute(_temporary_ddl("laif_parts_in", PART_COLUMNS))
    raw.execute("DELETE FROM laif_usage_in")
    raw.execute("DELETE FROM laif_parts_in")
    raw.executemany(f"INSERT INTO laif_usage_in VALUES ({', '.join('?' * len(_IN_COLUMNS))})",  # noqa: S608 - names from the model
                    batch.record_data.iter_rows())
    raw.executemany(f"INSERT INTO laif_parts_in VALUES ({', '.join('?' * len(PART_COLUMNS))})",  # noqa: S608 - names from the model
                    batch.part_data.iter_rows())
    cols = _columns(RECORD_COLUMNS)
    (before,) = raw.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(UsageRecord)}").fetchone()  # noqa: S608 - the model's table
    (entries_before,) = raw.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(UsageEntry)}").fetchone()  # noqa: S608 - the model's table
    new_records, new_entries = _insert_sqlite_rows(batch, run_id=run_id, source=source, cols=cols,
                                                   before=before)
    # the write lock is held (BEGIN IMMEDIATE): the entries above the old highest id are ours
    totals.totals_add(UsageEntry.objects.filter(pk__gt=entries_before))
    return new_records, new_entries


def _insert_sqlite_rows(batch: Batch, *, run_id: int, source: str, cols: str,
                        before: int) -> tuple[int, int]:
    raw = connection.connection
    inserted = raw.execute(
        f"INSERT OR IGNORE INTO {_table(UsageRecord)} (source, run_id, {cols}) "  # noqa: S608 - names from the model
        f"SELECT ?, ?, {_RECORD_VALUES} FROM laif_usage_in t ORDER BY t._row", (source, run_id))
    new_records = inserted.rowcount
    entries = f"INSERT INTO {_table(UsageEntry)} ({_columns(_ENTRY_COLUMNS)}) "
    if batch.dense and new_records == batch.records and inserted.lastrowid is not None:
        # every record was new: AUTOINCREMENT gave them consecutive ids in _row order
        first = inserted.lastrowid - new_records + 1
        sql = (entries + f"SELECT {_FIRST_ENTRY_VALUES.replace('r.id', '? + t._row')} "  # noqa: S608 - names from the model
               "FROM laif_usage_in t UNION ALL "
               f"SELECT {_ENTRY_VALUES.replace('r.id', '? + p._row')} "
               "FROM laif_parts_in p JOIN laif_usage_in t ON t._row = p._row")
        return new_records, raw.execute(sql, (first, first)).rowcount
    new = (f"JOIN {_table(UsageRecord)} r ON {_RECORD_KEY_JOIN} "
           "WHERE r.run_id = ? AND r.id > ?")
    sql = (entries + f"SELECT {_FIRST_ENTRY_VALUES} FROM laif_usage_in t {new} UNION ALL "  # noqa: S608 - names from the model
           f"SELECT {_ENTRY_VALUES} FROM laif_parts_in p "
           f"JOIN laif_usage_in t ON t._row = p._row {new}")
    return new_records, raw.execute(sql, (run_id, before, run_id, before)).rowcount
