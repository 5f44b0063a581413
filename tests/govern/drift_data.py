"""Model inputs for the drift monitor's tests: a reference of loan applications and current
batches like it or drifted from it (seeded numpy, written as Parquet or CSV bytes)."""

from __future__ import annotations

import io

import numpy as np
import polars as pl

REGIONS = ["north", "south", "east", "west"]


def applications(rows: int, *, seed: int, drifted: bool = False) -> pl.DataFrame:
    """Income and age (numerical), region and channel (categorical); drifted: incomes up a
    third, applicants older, the south over-represented, more online."""
    rng = np.random.default_rng(seed)
    income = rng.normal(52_000 * (1.35 if drifted else 1.0), 9_000, rows)
    age = rng.normal(47 if drifted else 38, 9, rows).round()
    region_p = [0.1, 0.6, 0.15, 0.15] if drifted else [0.25, 0.25, 0.25, 0.25]
    region = rng.choice(REGIONS, rows, p=region_p)
    channel = rng.choice(["branch", "online"], rows, p=[0.2, 0.8] if drifted else [0.5, 0.5])
    return pl.DataFrame({"income": income, "age": age, "region": region, "channel": channel})


def parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode()


def upload(name: str, data: bytes) -> io.BytesIO:
    """A file object for a multipart upload with Django's test client."""
    f = io.BytesIO(data)
    f.name = name
    return f
