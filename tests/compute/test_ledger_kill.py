"""Killing a usage ingestion with SIGKILL mid-way, then running it again, gives the same totals as
one clean run: a real process (``manage.py usage_ingest --sacct-json``) on a database file of its
own, killed after it has written batches but before it committed."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl

from laif.usage.sacct import finished_only, parse_sacct_json
from tests.compute.ledger_support import ALL_SACCT, doc, dump

ROOT = Path(__file__).resolve().parent.parent.parent

# usage_ingest with small batches, so that a small file makes many of them, each reported
_INGEST = """
import sys
import django
django.setup()
from django.core.management import call_command
from laif.usage import sacct
from laif.usage import sacct_pieces
sacct_pieces.CHUNK_BYTES = 256 * 1024
sacct.BATCH_BYTES = 512 * 1024
call_command("usage_ingest", "--sacct-json", sys.argv[1])
"""


def _document(n: int) -> bytes:
    """``n`` job runs from the real fixtures' jobs, each with its own job id."""
    templates = [job for name in ALL_SACCT for job in doc(name)["jobs"]]
    document = doc(ALL_SACCT[0])
    jobs = []
    for i in range(n):
        job = copy.deepcopy(templates[i % len(templates)])
        job["job_id"] = 100_000 + i
        jobs.append(job)
    document["jobs"] = jobs
    return dump(document)


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "DATABASE_URL": f"sqlite:///{db}", "LAIF_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "laif.config.settings", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _ledger(db: Path) -> tuple[int, int, int, int]:
    """Records, entries, and the sums of GPU-seconds over records and over entries."""
    with sqlite3.connect(db) as con:
        records, gpu = con.execute(
            "SELECT COUNT(*), COALESCE(SUM(gpu_seconds), 0) FROM compute_usagerecord").fetchone()
        entries, parts = con.execute(
            "SELECT COUNT(*), COALESCE(SUM(gpu_seconds), 0) FROM compute_usageentry").fetchone()
    return records, entries, gpu, parts


def test_sigkill_midway_then_rerun_gives_the_totals_of_one_clean_run(tmp_path: Path) -> None:
    data = _document(6000)
    sacct_file = tmp_path / "sacct.json"
    sacct_file.write_bytes(data)
    db = tmp_path / "ledger.sqlite3"
    env = _env(db)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env,
                   cwd=ROOT, check=True, timeout=240)
    expected = finished_only(parse_sacct_json(data))

    ingest = subprocess.Popen([sys.executable, "-c", _INGEST, str(sacct_file)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert ingest.stdout is not None
    seen = [ingest.stdout.readline() for _ in range(2)]  # two batches written, not committed
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=60)
    assert ingest.returncode == -signal.SIGKILL
    assert all("records processed" in line for line in seen), seen
    assert _ledger(db)[:2] == (0, 0)  # nothing half-written survives the kill

    done = subprocess.run([sys.executable, "-c", _INGEST, str(sacct_file)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=True)
    assert f"{expected.height:,} new" in done.stdout
    records, entries, gpu, parts = _ledger(db)
    assert records == expected.height
    assert gpu == parts == expected.select(pl.col("gpu_seconds").sum()).item()
    assert entries >= records
    again = subprocess.run([sys.executable, "-c", _INGEST, str(sacct_file)], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=240, check=True)
    assert " 0 new" in again.stdout
    assert _ledger(db) == (records, entries, gpu, parts)
