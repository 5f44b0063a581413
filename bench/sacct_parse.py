"""Benchmark of the accounting kernel: ``sacct --json`` bytes -> usage records -> monthly parts.

    .venv/bin/python bench/sacct_parse.py [--records 1000000] [--sample 20000] [--seed 1]

Generates ``--records`` job records as ``sacct --json`` output (Slurm 22.05, ``openapi/dbv0.0.38``,
sacct's own pretty layout) from templates cut byte for byte out of the real fixtures in
``tests/fixtures/slurm/`` (ids, users, accounts, times, resources and states vary; at least 10%
array tasks, 5% requeued runs, 1% runs across a month boundary, some across two, some cancelled
before they started, some still running, some reused job ids, some with energy reported), then
times ``parse_sacct_json`` + ``finished_only`` + ``split_by_month`` on them.

Baseline in the same run: a straightforward pure-Python parse (``json.loads`` and a walk over each
job's dicts, the same month split per record with ``zoneinfo``) on a ``--sample`` document,
extrapolated per record. The GPU-seconds and CPU-seconds per account and month of the kernel and
of the baseline must be equal on the sample (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import resource
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import polars as pl

from laif.usage.sacct import FINISHED_STATES, RECORD_KEY, finished_only, parse_sacct_json
from laif.usage.split import SITE_TIME_ZONE, monthly_totals, split_by_month

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "slurm"
JOBS_OPEN = '\n  "jobs": [\n'
YEAR_START = 1767222000  # 2026-01-01T00:00:00+01:00 (Europe/Luxembourg)
YEAR_S = 365 * 86400

# Each substitution: (pattern with one group before the value, placeholder). The patterns follow
# sacct's layout (json-c, two-space indent), so they hit exactly the job-level fields.
_FIELDS: list[tuple[str, str]] = [
    (r'(\n      "account": )"[^"]*"', "%(account)s"),
    (r'(\n        "account": )"[^"]*"', "%(account)s"),
    (r'(\n        "user": )"[^"]*"', "%(user)s"),
    (r'(\n      "user": )"[^"]*"', "%(user)s"),
    (r'(\n      "group": )"[^"]*"', "%(user)s"),
    (r'(\n      "job_id": )\d+', "%(job_id)d"),
    (r'(\n      "array": \{\n        "job_id": )\d+', "%(array_job_id)d"),
    (r'(\n        "task_id": )(?:null|\d+)', "%(task_id)s"),
    (r'(\n        "elapsed": )\d+', "%(elapsed)d"),
    (r'(\n        "eligible": )\d+', "%(submission)d"),
    (r'(\n        "end": )(?:null|\d+)', "%(end)s"),
    (r'(\n        "start": )(?:null|\d+)', "%(start)s"),
    (r'(\n        "submission": )\d+', "%(submission)d"),
    (r'(\n        "limit": )\d+', "%(limit)d"),
    (r'(\n        "current": )"[^"]*"', "%(state)s"),
    (r'("type": "cpu",\n            "name": null,\n            "id": 1,\n            "count": )\d+',
     "%(cpus)d"),
    (r'("name": "gpu(?::h200)?",\n            "id": 100[12],\n            "count": )\d+',
     "%(gpus)d"),
    (r'("type": "energy",\n            "name": null,\n            "id": 3,\n            "count": )'
     r"(?:null|\d+)", "%(energy)s"),
]


def _jobs_of(name: str) -> tuple[str, list[str]]:
    text = (FIXTURES / name).read_text()
    head, _, rest = text.partition(JOBS_OPEN)
    body = rest[: rest.rindex("\n  ]")]
    return head + JOBS_OPEN, _split(body)


def _split(body: str) -> list[str]:
    parts = body.split(",\n    {\n")
    return [parts[0]] + ["    {\n" + p for p in parts[1:]]


def _template(job: str) -> str:
    tpl = job.replace("%", "%%")
    for pattern, placeholder in _FIELDS:
        tpl, n = re.subn(pattern, rf"\g<1>{placeholder}", tpl)
        if n == 0 and "energy" not in placeholder and "cpus" not in placeholder \
                and "gpus" not in placeholder:
            raise SystemExit(f"template field not found: {pattern}")
    return tpl


def _templates() -> tuple[str, dict[str, str]]:
    head, completed = _jobs_of("sacct_completed.json")
    _, array = _jobs_of("sacct_array.json")
    _, requeued = _jobs_of("sacct_requeued.json")
    _, typed = _jobs_of("sacct_typed_gpu.json")
    _, states = _jobs_of("sacct_states.json")
    by_id = {json.loads(j)["job_id"]: j for j in states}
    templates = {
        "completed": completed[0],
        "array": array[0],
        "requeued": requeued[0],
        "requeued_last": requeued[1],
        "untyped": typed[0],
        "failed": by_id[9],
        "timeout": by_id[10],
        "cancelled": by_id[11],
        "never_started": by_id[12],
    }
    return head, {name: _template(job) for name, job in templates.items()}


def _q(text: str) -> str:
    return '"' + text + '"'


def generate(n: int, seed: int) -> bytes:
    """``n`` job records as one ``sacct --json`` document (exactly ``n`` records)."""
    rnd = random.Random(seed)  # noqa: S311 - test data
    head, tpl = _templates()
    users = [_q(f"u{k:05d}") for k in range(300)]
    accounts = [_q(f"p{k:04d}") for k in range(120)]
    month_ends = [int(datetime(2026, m, 1, tzinfo=ZoneInfo(SITE_TIME_ZONE)).timestamp())
                  for m in range(2, 13)]
    out = io.BytesIO()
    out.write(head.encode())
    step = YEAR_S / n
    job_id = 1000
    made = 0
    first = True

    def emit(kind: str, values: dict[str, Any]) -> None:
        nonlocal made, first
        if not first:
            out.write(b",\n")
        first = False
        out.write((tpl[kind] % values).encode())
        made += 1

    while made < n:
        job_id += 1
        submission = YEAR_START + int(made * step) + rnd.randrange(60)
        start = submission + rnd.randrange(600)
        elapsed = int(rnd.expovariate(1 / 3600)) + 1
        limit = elapsed // 60 + 1 + rnd.randrange(120)
        values: dict[str, Any] = {
            "account": rnd.choice(accounts),
            "user": rnd.choice(users),
            "job_id": job_id,
            "array_job_id": 0,
            "task_id": "null",
            "submission": submission,
            "start": start,
            "end": start + elapsed,
            "elapsed": elapsed,
            "limit": limit,
            "state": '"COMPLETED"',
            "cpus": rnd.choice((1, 2, 8, 16, 64)),
            "gpus": rnd.choice((1, 1, 2, 4, 8)),
            "energy": "null" if rnd.random() < 0.8 else str(rnd.randrange(10**7)),
        }
        roll = rnd.random()
        if roll < 0.03 and made + 4 <= n:  # 4 array tasks: about 10% of records
            master = job_id
            for task in range(4):
                t_start = start + task * 5
                values.update(
                    job_id=master if task == 3 else master + 1 + task,
                    array_job_id=master, task_id=str(task), start=t_start,
                    end=t_start + elapsed, energy="null",
                )
                emit("array", values)
            job_id += 3
        elif roll < 0.09 and made + 2 <= n:  # a requeued run and the last run: about 5% each
            first_elapsed = max(1, elapsed // 3)
            requeue = start + first_elapsed
            values.update(end=requeue, elapsed=first_elapsed, state='"REQUEUED"')
            emit("requeued", values)
            second = requeue + 120
            values.update(submission=requeue, start=second, end=second + elapsed,
                          elapsed=elapsed, state='"COMPLETED"')
            emit("requeued_last", values)
        elif roll < 0.105:  # across one month boundary (0.1% of records: across two)
            boundary = rnd.choice(month_ends)
            wall = rnd.randrange(3600, 3 * 86400) if roll < 0.104 else 35 * 86400
            start = boundary - rnd.randrange(60, wall)
            values.update(submission=start - 30, start=start, end=start + wall, elapsed=wall,
                          limit=wall // 60 + 1)
            emit("completed", values)
        elif roll < 0.115:  # cancelled while pending: nothing allocated
            values.update(start="null", end=submission + rnd.randrange(60, 3600), elapsed=0,
                          state='"CANCELLED"')
            emit("never_started", values)
        elif roll < 0.12:  # still running: not in the ledger yet
            values.update(end="null", state='"RUNNING"')
            emit("completed", values)
        elif roll < 0.14:
            values.update(state='"FAILED"')
            emit("failed", values)
        elif roll < 0.15:
            values.update(state='"TIMEOUT"', limit=max(1, elapsed // 60))
            emit("timeout", values)
        elif roll < 0.16:
            values.update(state='"CANCELLED"')
            emit("cancelled", values)
        elif roll < 0.162:  # a reused job id (slurmctld state lost): a new submit time
            values.update(job_id=max(1001, job_id - 5000))
            emit("untyped", values)
        else:
            emit("untyped" if roll < 0.5 else "completed", values)
    out.write(b"\n  ]\n}\n")
    return out.getvalue()


# --- the straightforward baseline --------------------------------------------------------------

Totals = dict[tuple[str, str], tuple[int, int]]


def allocated(job: dict[str, Any]) -> tuple[int, int, int | None]:
    """cpus, gpus and energy of one job's ``tres.allocated``, walked in Python: GPUs from the
    untyped ``gres/gpu`` entry, else the typed ones (never both); energy None when not reported."""
    cpus = gpus = typed = 0
    untyped = False
    energy = None
    for tres in job["tres"]["allocated"]:
        if tres["type"] == "cpu":
            cpus += tres["count"]
        elif tres["type"] == "gres" and tres["name"] == "gpu":
            gpus += tres["count"]
            untyped = True
        elif tres["type"] == "gres" and (tres["name"] or "").startswith("gpu:"):
            typed += tres["count"]
        elif tres["type"] == "energy":
            energy = tres["count"]
    return cpus, gpus if untyped else typed, energy


def month_parts(start: int, end: int, elapsed: int, zone: ZoneInfo) -> list[tuple[date, int]]:
    """A run's elapsed time per local month, one month at a time (cumulative flooring, as
    ``usage.split``): the first day of each month and its seconds."""
    wall = end - start
    local = datetime.fromtimestamp(start, zone)
    year, month = local.year, local.month
    out, done = [], 0
    while True:
        label = date(year, month, 1)
        year, month = year + month // 12, month % 12 + 1
        stop = min(end, int(datetime(year, month, 1, tzinfo=zone).timestamp()))
        through = (elapsed * (stop - start)) // wall if wall else elapsed
        out.append((label, through - done))
        done = through
        if stop >= end:
            return out


def naive(data: bytes, tz: str = SITE_TIME_ZONE) -> tuple[Totals, int]:
    """json.loads + one walk per job; the same rules as the kernel, one record at a time."""
    zone = ZoneInfo(tz)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    doc = json.loads(data)
    records = 0
    for job in doc["jobs"]:
        if job["state"]["current"] not in FINISHED_STATES:
            continue
        records += 1
        cpus, gpus, _ = allocated(job)
        account = job["account"].lower()
        t = job["time"]
        for month, part in month_parts(t["start"] or t["end"], t["end"], t["elapsed"], zone):
            acc = totals[(account, f"{month:%Y-%m}")]
            acc[0] += gpus * part
            acc[1] += cpus * part
    return {k: (v[0], v[1]) for k, v in totals.items()}, records


def kernel_totals(data: bytes) -> tuple[Totals, int]:
    records = finished_only(parse_sacct_json(data))
    sums = monthly_totals(split_by_month(records)).select(
        "account", pl.col("month").dt.strftime("%Y-%m"), "gpu_seconds", "cpu_seconds"
    )
    return {(a, m): (g, c) for a, m, g, c in sums.iter_rows()}, records.height


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = generate(args.records, args.seed)
    print(f"generated {args.records:,} records, {len(data) / 2**20:,.0f} MiB of sacct --json "
          f"in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    df = parse_sacct_json(data)
    t1 = time.perf_counter()
    done = finished_only(df)
    t2 = time.perf_counter()
    parts = split_by_month(done)
    t3 = time.perf_counter()
    del data
    kernel_s = t3 - t0
    rate = df.height / kernel_s
    arrays = df["array_job_id"].is_not_null().sum()
    requeued = (df["state"] == "REQUEUED").sum()
    spanning = parts.filter(pl.struct(RECORD_KEY).is_duplicated()).select(
        pl.struct(RECORD_KEY).n_unique()).item()
    print(f"records {df.height:,} (array tasks {arrays / df.height:.1%}, requeued runs "
          f"{requeued / df.height:.1%}, runs across a month boundary {spanning / df.height:.1%}), "
          f"finished {done.height:,}, monthly parts {parts.height:,}")
    print(f"kernel: parse {t1 - t0:.2f} s, finished_only {t2 - t1:.2f} s, split {t3 - t2:.2f} s "
          f"= {kernel_s:.2f} s -> {rate:,.0f} records/s; peak RSS {_rss_mb():,.0f} MiB")

    sample = generate(args.sample, args.seed + 1)
    t0 = time.perf_counter()
    expected, naive_records = naive(sample)
    naive_s = time.perf_counter() - t0
    naive_rate = args.sample / naive_s
    t0 = time.perf_counter()
    got, kernel_records = kernel_totals(sample)
    sample_s = time.perf_counter() - t0
    print(f"baseline (json.loads + per-record walk) on {args.sample:,} records: {naive_s:.2f} s "
          f"-> {naive_rate:,.0f} records/s; kernel on the same sample {sample_s:.2f} s "
          f"-> {args.sample / sample_s:,.0f} records/s")
    print(f"kernel / baseline: {rate / naive_rate:.1f}x (kernel on {args.records:,} records)")

    gpu_h = sum(g for g, _ in got.values()) / 3600
    cpu_h = sum(c for _, c in got.values()) / 3600
    same = got == expected and kernel_records == naive_records
    print(f"sample totals over {len(got):,} account-months: {gpu_h:,.2f} GPU-hours, "
          f"{cpu_h:,.2f} CPU-hours: {'equal' if same else 'DIFFERENT'} in kernel and baseline")
    if not same:
        diff = {k for k in got.keys() | expected.keys() if got.get(k) != expected.get(k)}
        for key in sorted(diff)[:10]:
            print(f"  {key}: kernel {got.get(key)} baseline {expected.get(key)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
