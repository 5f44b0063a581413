"""Ledger entries for the load benchmarks, added through the real ingestion.

    .venv/bin/python bench/load_data.py N    (after ``laif demo``; prints the demo's ids as JSON)

``add_month_entries(n)`` replays ``n`` synthetic finished runs of the demo project (``sacct
--json -X -D``, Slurm 22.05 layout, the fields the ledger reads) ending this month, spread over
the demo's people and partitions, through ``ledger.usage_ingest_sacct``: each run is one ledger
entry of this month. Job ids start at 10,000,000 (clear of the demo's).
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

from laif.accounts import demo as accounts_demo  # noqa: E402
from laif.accounts.models import ClusterIdentity, Project  # noqa: E402
from laif.cluster.selectors import slurm_account_name  # noqa: E402
from laif.usage import services as ledger  # noqa: E402
from laif.usage.models import UsageEntry  # noqa: E402

FIRST_JOB_ID = 10_000_000


def demo_project() -> Project:
    return Project.objects.get(name=accounts_demo.DEMO_PROJECT,
                               organisation__name=accounts_demo.DEMO_ORGANISATION)


def _job(job_id: int, account: str, user: str, partition: str, end: int,
         seconds: int, gpus: int, energy: int | None) -> dict[str, Any]:
    tres = [{"type": "cpu", "name": None, "id": 1, "count": gpus * 16},
            {"type": "energy", "name": None, "id": 3, "count": energy},
            {"type": "node", "name": None, "id": 4, "count": 1},
            {"type": "gres", "name": "gpu", "id": 1001, "count": gpus}]
    return {"account": account, "cluster": "meluxina-ai", "job_id": job_id, "user": user,
            "partition": partition, "name": "load",
            "array": {"job_id": 0, "task_id": None}, "state": {"current": "COMPLETED"},
            "time": {"submission": end - seconds - 60, "eligible": end - seconds - 60,
                     "start": end - seconds, "end": end, "elapsed": seconds, "limit": 2880},
            "tres": {"allocated": tres}}


def month_sacct_json(count: int, *, now: datetime, first_id: int = FIRST_JOB_ID) -> bytes:
    """``count`` finished runs of the demo project, each inside this month (site time)."""
    project = demo_project()
    account = slurm_account_name(project)  # the platform's account (prefixed, ADR 0011)
    users = list(ClusterIdentity.objects.filter(
        user__project_memberships__project=project).values_list("username", flat=True))
    zone = ZoneInfo(settings.LAIF_SITE_TIME_ZONE)
    local = now.astimezone(zone)
    month_start = int(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                      .timestamp())
    latest = int((now - timedelta(minutes=1)).timestamp())
    rng = random.Random(17)  # noqa: S311 - benchmark figures, not secrets
    jobs = []
    for k in range(count):
        seconds = rng.randint(1, max(1, min(3600, (latest - month_start) // 2)))
        end = rng.randint(month_start + seconds + 1, max(month_start + seconds + 1, latest))
        jobs.append(_job(first_id + k, account, users[k % len(users)],
                         "gpu-dev" if k % 5 == 0 else "gpu", end, seconds,
                         rng.choice((1, 4, 8)), rng.randint(1, 9) * 3_600_000 if k % 3 else None))
    return json.dumps({
        "meta": {"plugin": {"type": "openapi/dbv0.0.38", "name": "Slurm OpenAPI dbv0.0.38"},
                 "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5},
                           "release": "22.05.8"}},
        "errors": [], "jobs": jobs}, indent=2).encode()


def add_month_entries(count: int, *, first_id: int = FIRST_JOB_ID) -> int:
    """Ingest ``count`` runs of this month; the new entries."""
    if count <= 0:
        return 0
    before = ids()["month_entries"]
    data = month_sacct_json(count, now=datetime.now(UTC), first_id=first_id)
    new = ledger.usage_ingest_sacct(data=data).entries_new
    landed = ids()["month_entries"] - before
    if landed != count:  # e.g. runs on an account the ledger does not give to the project
        raise SystemExit(f"{count} runs replayed but {landed} entries landed on the demo "
                         f"project this month ({new} new entries in the ledger)")
    return new


def ids() -> dict[str, int]:
    project = demo_project()
    month = datetime.now(ZoneInfo(settings.LAIF_SITE_TIME_ZONE)).date().replace(day=1)
    return {"project": project.pk, "organisation": project.organisation_id,
            "month_entries": UsageEntry.objects.filter(project=project, month=month).count()}


if __name__ == "__main__":
    add_month_entries(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(json.dumps(ids()))
