"""On the real Slurm test cluster: the job's token, its project and the platform's address reach
the job intact through sbatch (--export), and the token read back from inside the job is the
job's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from laif.accounts.models import Project, User
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.selectors import use_scheduler
from laif.jobs.files import job_output
from laif.jobs.models import JobState
from laif.jobs.tokens import job_of_token
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_jobs import _until_finished
from tests.compute.test_slurm_scheduler import jobs_root, team
from tests.slurm_support import slurm_scheduler

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]


@pytest.fixture
def slurm_jobs(jobs_root: Path) -> Iterator[SlurmScheduler]:
    sched = slurm_scheduler(20)
    with override_settings(LAIF_JOBS_DIR=jobs_root, LAIF_SITE_URL="https://laif.example.lu"), \
            use_scheduler(sched):
        yield sched


def test_the_job_reads_its_own_token(team: tuple[Project, User, User],
                                     slurm_jobs: SlurmScheduler) -> None:
    project, lead, _member = team
    grant(project, lead, 10, today=timezone.localdate())
    job = submit_job(project, lead, today=None, gpus=0, time_limit_minutes=1, script=(
        '#!/bin/bash\necho "token=$LAIF_JOB_TOKEN"\necho "project=$LAIF_PROJECT_ID"\n'
        'echo "url=$LAIF_URL"\n'))
    assert job.state == JobState.PENDING, (job.state, job.reason)
    _until_finished(job)
    text = job_output(job).text
    assert f"project={project.pk}\n" in text
    assert "url=https://laif.example.lu\n" in text
    found = re.search(r"^token=(\S+)$", text, re.MULTILINE)
    assert found is not None, text
    assert job_of_token(found.group(1)) == job
