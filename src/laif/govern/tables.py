"""Reading a reference or current batch sent to a drift monitor: a CSV or Parquet file, or rows
posted as JSON (pure: polars, no Django). A file that cannot be read raises ``TableError`` with
a message a person can act on, never the parser's internals."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq

MAX_COLUMNS = 500
MAX_NAME = 80  # characters of a column's name
# A Parquet file's rows, read from its footer before its data: a few compressed megabytes can
# hold billions of repeated values (a CSV file's rows are bounded by its size)
MAX_PARQUET_ROWS = 20_000_000


class TableError(ValueError):
    """The file or rows are not a table this platform reads."""


def read_table(src: BinaryIO, filename: str, max_bytes: int) -> pl.DataFrame:
    """A CSV (comma-separated, header row, UTF-8) or Parquet file, by its name's extension, of
    at most ``max_bytes``."""
    name = filename.lower()
    if not name.endswith((".parquet", ".pq", ".csv")):
        raise TableError("send a .csv or .parquet file")
    data = src.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TableError(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    try:
        if name.endswith(".csv"):
            frame = pl.read_csv(io.BytesIO(data), infer_schema_length=10_000)
        else:
            rows = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
            if rows > MAX_PARQUET_ROWS:
                raise TableError(f"the file holds more than {MAX_PARQUET_ROWS:,} rows")
            frame = pl.read_parquet(io.BytesIO(data))
    except TableError:
        raise
    except Exception as exc:  # polars raises many kinds on a malformed file
        raise TableError(f"the file cannot be read as {name.rsplit('.', 1)[-1].upper()}"
                         ) from exc
    return _checked(frame)


def rows_table(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Rows posted as JSON objects (column -> value); every row names the same columns."""
    if not rows:
        raise TableError("send at least one row")
    names = list(rows[0])
    if any(list(row) != names for row in rows):
        raise TableError("every row names the same columns, in the same order")
    try:
        frame = pl.DataFrame([dict(row) for row in rows], infer_schema_length=None)
    except Exception as exc:
        raise TableError("a column mixes values of different types") from exc
    return _checked(frame)


def _checked(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.width == 0 or frame.height == 0:
        raise TableError("the table is empty")
    if frame.width > MAX_COLUMNS:
        raise TableError(f"at most {MAX_COLUMNS} columns")
    if any("\x00" in name for name in frame.columns):
        raise TableError("a column name contains a NUL character")
    if any(len(name) > MAX_NAME or not name.strip() for name in frame.columns):
        raise TableError(f"a column name is empty or longer than {MAX_NAME} characters")
    return frame
