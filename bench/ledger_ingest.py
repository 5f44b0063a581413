"""Benchmark of the usage ledger: raw ``sacct --json`` bytes -> committed ledger rows + balances.

    .venv/bin/python bench/ledger_ingest.py [--records 1000000] [--sample 20000] [--seed 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laif_bench .venv/bin/python bench/ledger_ingest.py

Runs in a throw-away test database (SQLite: a file in a temporary directory, not memory).
Generates ``--records`` job records from the real fixtures' templates (``bench/sacct_parse.py``:
>= 10% array tasks, 5% requeued runs, 1% across a month boundary), with 120 projects whose codes are
their Slurm accounts, 300 cluster identities and one allocation per project and half-year, then:

1. baseline: a straightforward per-record ORM ingestion (``json.loads``, per record
   ``UsageRecord.objects.get_or_create`` and its monthly ``UsageEntry`` rows with the allocation
   looked up, one transaction) of a ``--sample`` document; its totals per account and month must
   equal the pure-Python reference of ``bench/sacct_parse.py`` (``naive``);
2. ``usage_ingest_sacct`` of the same sample (totals equal), then of the ``--records`` document:
   time from the bytes to committed rows and the balances of every allocation
   (``ledger_selectors.allocation_balances``), records/s, and the ratio to the baseline;
3. its totals per account and month equal to the kernel's (``parse`` + ``split_by_month``), the
   record count equal, and re-ingesting an overlapping 20% window of the same output adds nothing.
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
os.environ.setdefault("LAIF_ENV", "test")

import django

django.setup()

import polars as pl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from sacct_parse import allocated, generate, month_parts, naive  # noqa: E402

from laif.accounts.access import Access  # noqa: E402
from laif.accounts.models import (  # noqa: E402
    ClusterIdentity,
    Organisation,
    Project,
    User,
)
from laif.allocations.models import Allocation, AllocationPeriod, Pool  # noqa: E402
from laif.cluster.models import SlurmAccount  # noqa: E402
from laif.usage import selectors as ledger_selectors  # noqa: E402
from laif.usage import services as ledger  # noqa: E402
from laif.usage.models import (  # noqa: E402
    IngestRun,
    UsageEntry,
    UsageRecord,
    UsageTotal,
)
from laif.usage.sacct import FINISHED_STATES, finished_only, parse_sacct_json  # noqa: E402
from laif.usage.split import monthly_totals, split_by_month  # noqa: E402

Totals = dict[tuple[str, str], tuple[int, int]]


def _populate() -> None:
    org = Organisation.objects.create(name="Bench", sector="other", kind="company",
                                      sme_class="small")
    projects = Project.objects.bulk_create(
        [Project(organisation=org, name=f"P{k}", code=f"P{k:04d}") for k in range(120)])
    # the generated records' accounts are the codes, lowercased: accounts of before the prefix
    SlurmAccount.objects.bulk_create(
        [SlurmAccount(project=p, name=p.code.lower()) for p in projects])
    users = User.objects.bulk_create(
        [User(email=f"u{k}@bench.lu", first_name="U", last_name=f"N{k}") for k in range(300)])
    ClusterIdentity.objects.bulk_create(
        [ClusterIdentity(user=u, username=f"u{k:05d}", uid=300_000 + k)
         for k, u in enumerate(users)])
    halves = [(date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 12, 31))]
    allocations = []
    for start, end in halves:
        period = AllocationPeriod.objects.create(start=start, end=end, total_gpus=2000)
        pool = Pool.objects.create(period=period, kind="eurohpc", share_percent=50,
                                   capacity_gpu_hours=10**9, overbooking_factor="1.2")
        allocations += [Allocation(project=p, pool=pool, access_type="bench",
                                   eurohpc_reference=f"B-{start:%m}-{p.code}",
                                   granted_gpu_hours=10**6, start=start, end=end)
                        for p in projects]
    Allocation.objects.bulk_create(allocations)


def _wipe() -> None:
    with transaction.atomic():
        UsageEntry.objects.all().delete()
        UsageRecord.objects.all().delete()
        UsageTotal.objects.all().delete()


def _ledger_totals() -> Totals:
    rows = (UsageEntry.objects.values_list("record__account", "month")
            .annotate(g=Sum("gpu_seconds"), c=Sum("cpu_seconds")))
    return {(a, f"{m:%Y-%m}"): (g, c) for a, m, g, c in rows}


def orm_ingest(data: bytes) -> int:
    """The straightforward path: one record at a time through the ORM."""
    zone = ZoneInfo(settings.LAIF_SITE_TIME_ZONE)
    doc = json.loads(data)
    run = IngestRun.objects.create(source="file", cluster="bench", started_at=datetime.now(UTC))
    new = 0
    with transaction.atomic():
        for job in doc["jobs"]:
            if job["state"]["current"] not in FINISHED_STATES:
                continue
            cpus, gpus, energy = allocated(job)
            t = job["time"]
            elapsed = t["elapsed"]
            account = job["account"].lower()
            project = Project.objects.filter(code__iexact=account).first()
            ident = ClusterIdentity.objects.filter(username=job["user"]).first()
            array_id = job["array"]["job_id"] or None
            record, created = UsageRecord.objects.get_or_create(
                cluster=job["cluster"], job_id=job["job_id"],
                submit_time=datetime.fromtimestamp(t["submission"], UTC),
                defaults={
                    "source": "file", "array_job_id": array_id,
                    "array_task_id": job["array"]["task_id"] if array_id else None,
                    "username": job["user"], "account": account,
                    "partition": job["partition"] or "", "state": job["state"]["current"],
                    "start_time": datetime.fromtimestamp(t["start"], UTC) if t["start"] else None,
                    "end_time": datetime.fromtimestamp(t["end"], UTC), "elapsed_s": elapsed,
                    "cpus": cpus, "gpus": gpus, "cpu_seconds": cpus * elapsed,
                    "gpu_seconds": gpus * elapsed, "energy_j": energy, "project": project,
                    "user_id": ident.user_id if ident else None, "run": run,
                })
            if not created:
                continue
            new += 1
            parts = month_parts(t["start"] or t["end"], t["end"], elapsed, zone)
            for month, part in parts:
                allocation = (Allocation.objects.filter(project=project, start__lte=month,
                                                        end__gte=month).first()
                              if project else None)
                UsageEntry.objects.create(
                    record=record, month=month, project=project,
                    organisation_id=project.organisation_id if project else None,
                    user_id=record.user_id, allocation=allocation, partition=record.partition,
                    elapsed_s=part, cpu_seconds=cpus * part, gpu_seconds=gpus * part,
                    energy_j=None)
    return new


def kernel_totals(data: bytes) -> tuple[Totals, int]:
    records = finished_only(parse_sacct_json(data))
    sums = monthly_totals(split_by_month(records, tz=settings.LAIF_SITE_TIME_ZONE)).select(
        "account", pl.col("month").dt.strftime("%Y-%m"), "gpu_seconds", "cpu_seconds")
    return {(a, m): (g, c) for a, m, g, c in sums.iter_rows()}, records.height


def window(data: bytes, share: float) -> bytes:
    """A document of the jobs in the middle ``share`` of sacct's output (cut between jobs)."""
    sep = b"\n    },\n    {"
    open_at = data.index(b'\n  "jobs": [') + len(b'\n  "jobs": [')
    lo = data.index(sep, int(len(data) * (0.5 - share / 2))) + 6
    hi = data.index(sep, int(len(data) * (0.5 + share / 2))) + 6
    return data[:open_at] + b"\n" + data[lo + 1:hi] + b"\n  ]\n}\n"


def balances() -> Any:
    staff = Access(user_id=None, staff_roles=frozenset({"operator"}))
    return ledger_selectors.allocation_balances(access=staff)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    tmp = tempfile.TemporaryDirectory()
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp.name) / "b.sqlite3")
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    ok = True
    try:
        print(f"database: {connection.vendor}")
        _populate()
        sample = generate(args.sample, args.seed + 1)
        reference, ref_records = naive(sample, settings.LAIF_SITE_TIME_ZONE)

        t0 = time.perf_counter()
        orm_new = orm_ingest(sample)
        orm_s = time.perf_counter() - t0
        orm_rate = args.sample / orm_s
        same = _ledger_totals() == reference and orm_new == ref_records
        ok &= same
        print(f"baseline, per-record ORM on {args.sample:,} records: {orm_s:.1f} s -> "
              f"{orm_rate:,.0f} records/s; totals {'equal' if same else 'DIFFERENT'} to the "
              "reference")
        _wipe()
        t0 = time.perf_counter()
        fast = ledger.usage_ingest_sacct(data=sample)
        sample_s = time.perf_counter() - t0
        same = _ledger_totals() == reference and fast.records_new == ref_records
        ok &= same
        print(f"usage_ingest_sacct on the same sample: {sample_s:.2f} s -> "
              f"{args.sample / sample_s:,.0f} records/s; totals "
              f"{'equal' if same else 'DIFFERENT'} to the reference")
        _wipe()
        del sample

        data = generate(args.records, args.seed)
        print(f"generated {args.records:,} records, {len(data) / 2**20:,.0f} MiB")
        t0 = time.perf_counter()
        result = ledger.usage_ingest_sacct(data=data)
        t1 = time.perf_counter()
        found = balances()
        t2 = time.perf_counter()
        total_s = t2 - t0
        rate = args.records / total_s
        print(f"ingest {args.records:,} records ({result.records_read:,} finished, "
              f"{result.records_new:,} new, {result.entries_new:,} monthly entries): "
              f"{t1 - t0:.1f} s + balances of {len(found):,} allocations {t2 - t1:.2f} s = "
              f"{total_s:.1f} s -> {rate:,.0f} records/s")
        print(f"ratio to the per-record ORM path: {rate / orm_rate:.0f}x")

        expected, kernel_records = kernel_totals(data)
        same = _ledger_totals() == expected and result.records_new == kernel_records
        ok &= same
        gpu_h = sum(g for g, _ in expected.values()) / 3600
        print(f"ledger totals ({gpu_h:,.0f} GPU-hours over {len(expected):,} account-months) "
              f"{'equal' if same else 'DIFFERENT'} to the kernel's")
        part = window(data, 0.2)
        del data
        t0 = time.perf_counter()
        again = ledger.usage_ingest_sacct(data=part)
        print(f"re-ingest an overlapping 20% window ({again.records_read:,} records): "
              f"{again.records_new} new, {time.perf_counter() - t0:.1f} s")
        ok &= again.records_new == 0 and _ledger_totals() == expected
    finally:
        creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()
    print("all checks passed" if ok else "CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
