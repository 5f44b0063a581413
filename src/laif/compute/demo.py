"""Demo compute data for the embedded single-machine setup, on top of ``accounts.demo``: an
allocation for the demo project, cluster identities for its people and a month and a half of GPU
usage replayed as ``sacct --json`` output (``billing.demo`` issues last month's statement).

Everything goes through the services a real factory uses (request, review, ingestion),
so the demo shows what those produce. Idempotent: what exists already is left as it is. Never run
in production (refused there).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.choices import ProjectRole
from laif.accounts.selectors import user_by_email
from laif.accounts.services.identities import cluster_identity_ensure
from laif.allocations import capacity, review, services
from laif.allocations.selectors import project_allocations, project_requests
from laif.cluster.selectors import slurm_account_name
from laif.usage import selectors as usage_selectors
from laif.usage import services as ledger

if TYPE_CHECKING:
    from laif.accounts.models import Project, User
    from laif.allocations.models import Allocation

CLUSTER = "meluxina-ai"
FIRST_JOB_ID = 700_001
"""The demo's job ids (a fixed range, so that a second run finds its records)."""


@dataclass(frozen=True)
class DemoUsage:
    allocation_id: int
    organisation_id: int
    last_month: date
    records_new: int


def compute_demo_load(*, now: datetime | None = None) -> DemoUsage:
    """Give the demo project of ``accounts.demo`` an approved allocation from the first day of
    last month and usage from then until ``now``. Needs ``accounts.demo.demo_load`` first."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    now = now or timezone.now()
    project = accounts_demo.demo_project()
    this_month = now.astimezone(_site()).date().replace(day=1)
    last_month = capacity.add_months(this_month, -1)
    allocation = _allocation(project, user_by_email(accounts_demo.REVIEWER), last_month)
    people = [cluster_identity_ensure(user_id=m.user_id).username
              for m in project.memberships.order_by("pk")]
    records_new = 0
    account = slurm_account_name(project)
    if not usage_selectors.records_exist(cluster=CLUSTER, account=account,
                                         job_id_from=FIRST_JOB_ID):
        data = demo_sacct_json(account=account, users=people,
                               start=_local_midnight(last_month), end=now - timedelta(hours=1))
        records_new = ledger.usage_ingest_sacct(data=data).records_new
    return DemoUsage(allocation_id=allocation.pk, organisation_id=project.organisation_id,
                     last_month=last_month, records_new=records_new)


def _site() -> ZoneInfo:
    return ZoneInfo(settings.LAIF_SITE_TIME_ZONE)


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=_site())


def _allocation(project: Project, reviewer: User, first_day: date) -> Allocation:
    existing = project_allocations(project.pk).first()
    if existing is not None:
        return existing
    lead = project.memberships.select_related("user").get(role=ProjectRole.LEAD).user
    req = project_requests(project.pk).first()
    if req is None:
        req = services.allocation_request_submit(
            access=access_for(lead), actor=Actor.of(lead), project_id=project.pk,
            today=first_day, data=services.RequestData(
                title="Defect detection model, line 3", access_type="fast_lane",
                requested_gpu_hours=20_000,
                justification="Fine-tuning a vision transformer on 2 million labelled images "
                              "of parts from line 3.",
                expected_outputs="A defect detector deployed on the line; a short report.",
                data_sensitivity="confidential"))
    review.allocation_review(access=access_for(reviewer), actor=Actor.of(reviewer),
                             request_id=req.pk, decision="approve",
                             comment="Approved for the demo.", today=first_day)
    return project_allocations(project.pk).get()


def demo_sacct_json(*, account: str, users: list[str], start: datetime, end: datetime,
                    seed: int = 3) -> bytes:
    """``sacct --json -X -D`` output (Slurm 22.05 layout, the fields the ledger reads) of about
    sixty finished runs between ``start`` and ``end``: single jobs on ``gpu`` and ``gpu-dev``,
    an array of four tasks, a job requeued once, and a job running across the first of the
    month when the window holds one. Deterministic for a given window."""
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    jobs: list[dict[str, object]] = []
    span = int((end - start).total_seconds())
    if span < 6 * 3600 or not users:
        return _document(jobs)
    job_id = FIRST_JOB_ID

    def run(*, submit: int, seconds: int, user: str, partition: str = "gpu", gpus: int = 4,
            state: str = "COMPLETED", array: tuple[int, int] | None = None,
            energy: int | None = None) -> None:
        nonlocal job_id
        begin = submit + rng.randint(30, 900)
        jobs.append(_job(job_id=job_id, account=account, user=user, partition=partition,
                         submit=submit, begin=begin, seconds=seconds, gpus=gpus,
                         cpus=gpus * 16, state=state, array=array, energy=energy))
        job_id += 1

    base = int(start.timestamp())
    limit = int(end.timestamp())
    for k in range(48):
        submit = base + rng.randint(0, max(span - 30 * 3600, 1))
        dev = k % 5 == 0
        seconds = rng.randint(600, 7000) if dev else rng.randint(2 * 3600, 26 * 3600)
        gpus = 1 if dev else rng.choice((4, 4, 8, 16))
        # what Slurm's energy plugin would report: 420 to 660 W per GPU, the node's share
        # included, to the kWh; a third of the runs only (the others: "not reported")
        energy = (max(1, round(seconds * gpus * rng.randint(420, 660) / 3_600_000)) * 3_600_000
                  if k % 3 == 0 else None)
        run(submit=submit, user=users[k % len(users)], partition="gpu-dev" if dev else "gpu",
            seconds=seconds, gpus=gpus, state="FAILED" if k % 11 == 3 else "COMPLETED",
            energy=energy)
    master = job_id
    submit = base + span // 3
    for task in range(4):  # an array of four tasks, each its own record
        run(submit=submit, user=users[0], seconds=rng.randint(3600, 4 * 3600), gpus=4,
            array=(master, task))
    submit = base + span // 2  # a job requeued once: two runs, one key each
    first = len(jobs)
    run(submit=submit, user=users[-1], seconds=5400, gpus=8, state="REQUEUED")
    requeued_at = submit + 6000
    jobs.append({**jobs[first], "time": {**jobs[first]["time"],  # type: ignore[dict-item]
                                          "submission": requeued_at,
                                          "start": requeued_at + 120,
                                          "end": requeued_at + 120 + 9000, "elapsed": 9000},
                 "state": {"current": "COMPLETED"}})
    first_day = start.astimezone(_site()).date().replace(day=1)
    boundary = int(_local_midnight(capacity.add_months(first_day, 1)).timestamp())
    if base < boundary - 12 * 3600 and boundary + 12 * 3600 < limit:
        run(submit=boundary - 10 * 3600, user=users[0], seconds=20 * 3600, gpus=8)
    return _document([j for j in jobs if int(j["time"]["end"]) <= limit])  # type: ignore[index]


def _job(*, job_id: int, account: str, user: str, partition: str, submit: int, begin: int,
         seconds: int, gpus: int, cpus: int, state: str, array: tuple[int, int] | None,
         energy: int | None) -> dict[str, object]:
    tres = [{"type": "cpu", "name": None, "id": 1, "count": cpus},
            {"type": "energy", "name": None, "id": 3, "count": energy},
            {"type": "node", "name": None, "id": 4, "count": max(1, gpus // 4)},
            {"type": "gres", "name": "gpu", "id": 1001, "count": gpus},
            {"type": "gres", "name": "gpu:h200", "id": 1002, "count": gpus}]
    return {
        "account": account, "cluster": CLUSTER, "job_id": job_id, "user": user,
        "partition": partition, "name": "demo",
        "array": {"job_id": array[0] if array else 0, "task_id": array[1] if array else None},
        "state": {"current": state},
        "time": {"submission": submit, "eligible": submit, "start": begin,
                 "end": begin + seconds, "elapsed": seconds, "limit": 2880},
        "tres": {"allocated": tres},
    }


def _document(jobs: list[dict[str, object]]) -> bytes:
    return json.dumps({
        "meta": {"plugin": {"type": "openapi/dbv0.0.38", "name": "Slurm OpenAPI dbv0.0.38"},
                 "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5},
                           "release": "22.05.8"}},
        "errors": [], "jobs": jobs,
    }, indent=2).encode()

