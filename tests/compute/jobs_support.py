"""Helpers of the job tests: a grant in force, the fake scheduler, submissions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.test import override_settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Project, User
from laif.allocations.models import Allocation
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from laif.jobs import services as jobs
from laif.jobs.models import Job
from tests.compute.support import TODAY, review, submit
from tests.factories import staff


def grant(project: Project, lead: User, gpu_hours: int = 100,
          today: date = TODAY) -> Allocation:
    """An approved national allocation of ``gpu_hours``, in force on ``today``."""
    req = review(submit(project, lead, requested_gpu_hours=gpu_hours, today=today),
                 staff("reviewer"), "approve", today=today)
    allocation: Allocation = req.allocation
    return allocation


def submit_job(project: Project, by: User, *, today: date | None = TODAY,
               **fields: object) -> Job:
    defaults = {} if "template" in fields else {"script": "echo hi\n", "gpus": 1,
                                                "time_limit_minutes": 60}
    values: dict[str, object] = {"name": "train", **defaults, **fields}
    return jobs.job_submit(access=access_for(by), actor=Actor.of(by), project_id=project.pk,
                           data=jobs.JobData(**values), today=today)  # type: ignore[arg-type]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeScheduler]:
    with override_settings(LAIF_JOBS_DIR=tmp_path), use_scheduler(FakeScheduler()) as sched:
        assert isinstance(sched, FakeScheduler)
        yield sched
