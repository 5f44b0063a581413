"""Bulk writes of the usage ledger: one small function per database backend.

``records_insert(records)`` inserts the usage records of a frame whose key
``(cluster, job_id, submit_time)`` is not in the ledger yet and answers the inserted ones with their
new ``id`` (a record already there, from an earlier or a concurrent ingestion, is left alone and not
answered). ``entries_insert(entries)`` inserts monthly entries of records just inserted (they cannot
exist yet). Both must run inside the caller's transaction.

- PostgreSQL: ``COPY`` (psycopg 3, CSV) into a temporary table, then
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``; a concurrent ingestion of the same key
  waits for the other transaction and then skips the row, so nothing is ever doubled. Entries are
  copied straight into their table.
- SQLite: ``executemany`` of ``INSERT OR IGNORE``; the transaction holds the write lock
  (``BEGIN IMMEDIATE``), so the rows inserted are those of this run with an id above the highest
  one before the insert.

The frames come from ``laif.compute.ledger``; nothing here loops over records in Python except the
database driver's own ``executemany``.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import connection

from laif.compute.ledger_models import UsageEntry, UsageRecord

RECORD_COLUMNS = (
    "source", "cluster", "job_id", "submit_time", "array_job_id", "array_task_id", "username",
    "account", "partition", "state", "start_time", "end_time", "elapsed_s", "cpus", "gpus",
    "cpu_seconds", "gpu_seconds", "energy_j", "project_id", "user_id", "run_id",
)
ENTRY_COLUMNS = (
    "record_id", "month", "project_id", "organisation_id", "user_id", "allocation_id",
    "partition", "elapsed_s", "cpu_seconds", "gpu_seconds", "energy_j",
)
_DATETIMES = ("submit_time", "start_time", "end_time")


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def records_insert(records: pl.DataFrame) -> pl.DataFrame:
    """Insert the new records of ``records`` (columns ``RECORD_COLUMNS``); the inserted ones, with
    ``id``. Records whose key is already in the ledger are skipped."""
    if records.height == 0:
        return records.with_columns(id=pl.lit(None, dtype=pl.Int64)).clear()
    if is_postgresql():
        return _records_insert_postgresql(records)
    return _records_insert_sqlite(records)


def entries_insert(entries: pl.DataFrame) -> int:
    """Insert monthly entries (columns ``ENTRY_COLUMNS``); how many."""
    if entries.height == 0:
        return 0
    if is_postgresql():
        _copy(_table(UsageEntry), ENTRY_COLUMNS, entries.select(ENTRY_COLUMNS))
    else:
        _executemany(_insert_sql("INSERT", UsageEntry, ENTRY_COLUMNS),
                     _sqlite_rows(entries, ENTRY_COLUMNS))
    return entries.height


# --- PostgreSQL --------------------------------------------------------------------------------

def _copy(table: str, columns: tuple[str, ...], frame: pl.DataFrame) -> None:
    """COPY the frame into the table, CSV: an empty unquoted field is NULL, ``""`` is ''."""
    data = frame.write_csv(include_header=False, null_value="", quote_style="necessary",
                           datetime_format="%Y-%m-%d %H:%M:%S%.6f+00:00").encode()
    connection.ensure_connection()
    raw = connection.connection
    sql = f"COPY {table} ({_columns(columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(data)


def _records_insert_postgresql(records: pl.DataFrame) -> pl.DataFrame:
    cols = _columns(RECORD_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS laif_usage_in AS SELECT {cols} "  # noqa: S608 - names from the model
                       f"FROM {_table(UsageRecord)} WITH NO DATA")
        cursor.execute("TRUNCATE laif_usage_in")
    _copy("laif_usage_in", RECORD_COLUMNS, records.select(RECORD_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(UsageRecord)} ({cols}) SELECT {cols} FROM laif_usage_in "  # noqa: S608 - names from the model
            "ON CONFLICT (cluster, job_id, submit_time) DO NOTHING "
            "RETURNING id, cluster, job_id, "
            "(extract(epoch from submit_time) * 1000000)::bigint"
        )
        rows = cursor.fetchall()
    new = pl.DataFrame(rows, schema={"id": pl.Int64, "cluster": pl.String, "job_id": pl.Int64,
                                     "_us": pl.Int64}, orient="row")
    keyed = records.with_columns(_us=pl.col("submit_time").dt.epoch("us"))
    return keyed.join(new, on=["cluster", "job_id", "_us"], how="inner").drop("_us")


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_text(column: str) -> pl.Expr:
    """A UTC instant as Django's SQLite backend stores it (naive UTC, microseconds only when not
    zero), so that the unique key compares equal to rows the ORM wrote."""
    value = pl.col(column).dt.replace_time_zone(None)
    return (pl.when(value.dt.microsecond() == 0).then(value.dt.strftime("%Y-%m-%d %H:%M:%S"))
            .otherwise(value.dt.strftime("%Y-%m-%d %H:%M:%S%.6f")))


def _sqlite_rows(frame: pl.DataFrame, columns: tuple[str, ...]) -> Any:
    text = [
        _sqlite_text(c).alias(c) if frame.schema[c] == pl.Datetime("us", "UTC")
        else pl.col(c).dt.strftime("%Y-%m-%d").alias(c) if frame.schema[c] == pl.Date()
        else pl.col(c)
        for c in columns
    ]
    return frame.select(text).iter_rows()


def _insert_sql(verb: str, model: Any, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"{verb} INTO {_table(model)} ({_columns(columns)}) VALUES ({marks})"


SQLITE_CACHE_KIB = 256 * 1024
"""Page cache of the ingesting connection: the indexes of a large ledger then stay in memory
while bulk inserts maintain them (SQLite's default, 2 MiB, makes inserts superlinear)."""


def _executemany(sql: str, rows: Any) -> None:
    connection.ensure_connection()
    raw = connection.connection
    raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    raw.executemany(sql, rows)


def _records_insert_sqlite(records: pl.DataFrame) -> pl.DataFrame:
    table = _table(UsageRecord)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - the model's table
        (before,) = cursor.fetchone()
    _executemany(_insert_sql("INSERT OR IGNORE", UsageRecord, RECORD_COLUMNS),
                 _sqlite_rows(records, RECORD_COLUMNS))
    run_id = int(records.item(0, "run_id"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, cluster, job_id, CAST(submit_time AS TEXT) FROM {table} "  # noqa: S608 - the model's table
                       "WHERE run_id = %s AND id > %s", [run_id, before])
        rows = cursor.fetchall()
    new = pl.DataFrame([(r[0], r[1], r[2], _sqlite_key(r[3])) for r in rows],
                       schema={"id": pl.Int64, "cluster": pl.String, "job_id": pl.Int64,
                               "_txt": pl.String}, orient="row")
    keyed = records.with_columns(_txt=_sqlite_text("submit_time"))
    return keyed.join(new, on=["cluster", "job_id", "_txt"], how="inner").drop("_txt")


def _sqlite_key(value: Any) -> str:
    """The stored text of a submit time, whatever the cursor converted it to."""
    if isinstance(value, str):
        return value
    naive = value.replace(tzinfo=None)
    return str(naive)
