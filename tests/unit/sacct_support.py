"""The real Slurm 22.05.8 ``sacct --json`` fixtures of tests/fixtures/slurm/, read and written as
the sacct tests need them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from laif.usage.sacct import parse_sacct_json

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "slurm"
SACCT_FILES = ["sacct_completed.json", "sacct_array.json", "sacct_requeued.json",
               "sacct_typed_gpu.json", "sacct_states.json", "sacct_steps.json"]

Doc = dict[str, Any]


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parsed(name: str) -> pl.DataFrame:
    return parse_sacct_json(raw(name))


def doc(name: str) -> Doc:
    loaded: Doc = json.loads(raw(name))
    return loaded


def dump(document: Doc) -> bytes:
    """Slurm's layout: two-space indent (what json-c prints, bar its ``\\/`` escapes)."""
    return json.dumps(document, indent=2).encode()
