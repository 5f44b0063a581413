"""The usage ledger from the real Slurm test cluster: jobs submitted through the platform (one of
them an array) run, then the periodic ingestion reads ``sacct --json -X -D`` of the window and the
ledger equals sacct: GPU-seconds per user and account, computed here from the same output with a
plain walk over its JSON."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from laif.accounts.models import Project, User
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.jobs.accounts_sync import slurm_account_name
from laif.jobs.models import JobState
from laif.usage import services as ledger
from laif.usage.models import UsageRecord
from laif.usage.sacct import FINISHED_STATES
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_jobs import SCRIPT, _until_finished, slurm_jobs
from tests.compute.test_slurm_scheduler import jobs_root, team

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "slurm_jobs", "team"]


def _states(job: dict[str, Any]) -> set[str]:
    """A record's state: one name up to 23.02, a list of the state and its flags in 24.11."""
    current = job["state"]["current"]
    return set(current) if isinstance(current, list) else {current}


def _gpu_seconds(document: dict[str, Any]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for job in document["jobs"]:
        if not _states(job) & FINISHED_STATES:
            continue
        gpus = [t["count"] for t in job["tres"]["allocated"]
                if t["type"] == "gres" and t["name"] == "gpu"]
        sums[(job["user"], job["account"].lower())] += sum(gpus) * job["time"]["elapsed"]
    return dict(sums)


def test_ledger_equals_sacct_for_jobs_run_through_the_platform(
        team: tuple[Project, User, User], slurm_jobs: SlurmScheduler) -> None:
    project, lead, member = team
    grant(project, lead, 10, today=timezone.localdate())
    since = datetime.now(UTC) - timedelta(minutes=1)
    submitted = [
        submit_job(project, lead, today=None, script=SCRIPT + "sleep 2\n", gpus=1,
                   time_limit_minutes=2),
        submit_job(project, member, today=None, name="array", script=SCRIPT, gpus=2,
                   time_limit_minutes=2, array_size=2),
    ]
    for job in submitted:
        _until_finished(job, timeout=120)
        assert job.state == JobState.COMPLETED
    account = slurm_account_name(project)
    deadline = time.monotonic() + 60
    while True:  # slurmdbd records the ends asynchronously
        end = datetime.now(UTC) + timedelta(seconds=5)
        data = slurm_jobs.accounting_json(since, end, [account])
        mine = [j for j in json.loads(data)["jobs"] if j["account"].lower() == account]
        if len(mine) == 3 and all(_states(j) == {"COMPLETED"} for j in mine):
            break
        assert time.monotonic() < deadline, [(j["job_id"], j["state"]) for j in mine]
        time.sleep(1)

    result = ledger.usage_ingest_window(scheduler=slurm_jobs, start=since, end=end)
    expected = _gpu_seconds(json.loads(data))
    got = {(u, a): int(g) for u, a, g in UsageRecord.objects.values_list("username", "account")
           .annotate(g=Sum("gpu_seconds"))}
    assert {k: v for k, v in got.items() if k[1] == account} == \
        {k: v for k, v in expected.items() if k[1] == account}
    assert sum(got.values()) == sum(expected.values())
    records = UsageRecord.objects.filter(account=account)
    assert records.count() == 3
    # as sacct reports them: slurmdbd 22.05 sometimes records an array's tasks without their
    # array ids (array.job_id 0), and then says so in every later query
    reported = [j for j in json.loads(slurm_jobs.accounting_json(since, end, [account]))["jobs"]
                if j["account"].lower() == account and j["array"]["job_id"]]
    assert records.filter(array_task_id__isnull=False).count() == len(reported)
    assert set(records.values_list("project_id", flat=True)) == {project.pk}
    assert set(records.values_list("user_id", flat=True)) == {lead.pk, member.pk}
    assert result.records_new == result.records_read
    again = ledger.usage_ingest_window(scheduler=slurm_jobs, start=since, end=end)
    assert again.records_new == 0
