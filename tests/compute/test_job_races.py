"""Concurrency on PostgreSQL: two submissions that together exceed the grant cannot both pass,
because each locks the project's allocations in force before adding up the reserved minutes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from laif.accounts.errors import Conflict
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from laif.jobs.models import Job
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_races import in_threads
from tests.concurrency import needs_postgres
from tests.factories import make_world

pytestmark = [
    pytest.mark.postgres,
    needs_postgres,
    pytest.mark.django_db(transaction=True),
]


def test_two_jobs_that_together_exceed_the_grant(tmp_path: Path) -> None:
    w = make_world()
    grant(w.project, w.project_lead, 100)  # 6,000 GPU-minutes; each job needs 4,000
    fake = FakeScheduler()
    with override_settings(LAIF_JOBS_DIR=tmp_path), use_scheduler(fake):
        results = in_threads(2, lambda i: submit_job(
            w.project, w.project_lead, name=f"job {i}", gpus=4, time_limit_minutes=1000))
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1, results
    assert ("only 33.33 GPU-hours (2,000 GPU-minutes) remain of the project's 100.00 GPU-hours"
            in refused[0].message)
    assert Job.objects.count() == 1
    assert len(fake.submitted) == 1
