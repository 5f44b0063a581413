"""A released dataset on the real Slurm test cluster (22.05, and 24.11 in its chroot), through the
platform, as two people of two projects: a data scientist's job of the project is told the
release's path (``LAIF_DATASET_<NAME>``, its folder in ``LAIF_DATASETS_DIR``) and reads the very
file, read-only; nothing of the platform's own environment reaches the job; a job of another
project, knowing the path, is refused by the file system (POSIX ACLs name the project's
members' uids only)."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import ClusterIdentity, Project, UidCounter, User
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.jobs.accounts_sync import slurm_account_name
from laif.jobs.files import job_output
from laif.jobs.models import Job, JobState
from tests.api_support import client_as
from tests.compute.jobs_support import grant, submit_job
from tests.compute.test_slurm_jobs import _until_finished, slurm_jobs
from tests.compute.test_slurm_scheduler import jobs_root
from tests.factories import add_member, create_project, sign_up
from tests.sandbox.data import customers
from tests.sandbox.test_release import _release, _save_policy, _upload
from tests.slurm_support import drop_account, ensure_unix_user, job_tempdir

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "slurm_jobs"]

CANARY = "platform-secret-canary-9c41"


@dataclass(frozen=True)
class Two:
    project: Project
    lead: User
    scientist: User
    other_project: Project
    other_lead: User


@pytest.fixture
def two_projects() -> Iterator[Two]:
    """A project with its lead and a data scientist, another organisation's project and its lead,
    each person with a Unix user of their own; both projects granted GPU time."""
    UidCounter.objects.update_or_create(pk=1, defaults={"next_uid": random.randint(300_000,
                                                                                   900_000)})
    org, _admin = sign_up()
    lead = add_member(org, first_name="Dora", last_name="Release")
    scientist = add_member(org, first_name="Sami", last_name="Release")
    project = create_project(org, f"sandbox {random.randint(0, 10**9)}", lead=lead)
    account_services.project_member_add(access=access_for(lead), actor=Actor.of(lead),
                                        project_id=project.pk, user_id=scientist.pk)
    other_org, _other_admin = sign_up("other")
    other_lead = add_member(other_org, first_name="Otto", last_name="Outsider")
    other_project = create_project(other_org, f"outside {random.randint(0, 10**9)}",
                                   lead=other_lead)
    for user in (lead, scientist, other_lead):
        identity = ClusterIdentity.objects.get(user=user)
        ensure_unix_user(identity.username, identity.uid)
    today = timezone.localdate()
    grant(project, lead, 10, today=today)
    grant(other_project, other_lead, 10, today=today)
    try:
        yield Two(project, lead, scientist, other_project, other_lead)
    finally:
        for p in (project, other_project):
            drop_account(slurm_account_name(p))


@pytest.fixture
def releases_root(settings: Settings) -> Iterator[Path]:
    """The releases folder where the cluster's nodes see it (the 24.11 chroot: its jobs folder),
    with parents a job's uid can traverse."""
    root = job_tempdir("laif-releases-")
    root.chmod(0o711)
    settings.LAIF_SANDBOX_RELEASES_DIR = root / "releases"
    settings.LAIF_SANDBOX_MIN_K = 1
    settings.LAIF_SANDBOX_MIN_L = 1
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _finished(job: Job) -> str:
    job = _until_finished(job, timeout=90)
    assert job.state == JobState.COMPLETED, (job.state, job.reason)
    return str(job_output(job).text)


def test_a_slurm_job_of_the_project_reads_the_release_and_another_projects_job_cannot(
        two_projects: Two, slurm_jobs: SlurmScheduler, releases_root: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    t = two_projects
    lead = client_as(t.lead)
    version = _upload(lead, t.project.pk, customers(60), "customers")["id"]
    _save_policy(lead, version)
    out = _release(lead, version, suppress=True, required_k=1)
    assert out.status_code == 201, out.content
    staged = Path(out.json()["staged_path"])
    digest = hashlib.sha256(staged.read_bytes()).hexdigest()
    monkeypatch.setenv("LAIF_CANARY_SECRET", CANARY)  # in the platform's own environment

    job = submit_job(t.project, t.scientist, today=None, gpus=0, time_limit_minutes=1,
                     script='#!/bin/bash\necho "user=$(id -un) job=$LAIF_JOB_ID"\n'
                            'echo "dir=$LAIF_DATASETS_DIR"\n'
                            'echo "file=$LAIF_DATASET_CUSTOMERS"\n'
                            'sha256sum < "$LAIF_DATASET_CUSTOMERS"\n'
                            'echo tamper >> "$LAIF_DATASET_CUSTOMERS" || echo read-only\n'
                            'env\n')
    assert job.state == JobState.PENDING, (job.state, job.reason)
    text = _finished(job)
    scientist = ClusterIdentity.objects.get(user=t.scientist)
    assert f"user={scientist.username} job={job.pk}\n" in text
    assert f"dir={staged.parent}\n" in text
    assert f"file={staged}\n" in text
    assert digest in text  # the very file, whole
    assert "read-only" in text
    assert hashlib.sha256(staged.read_bytes()).hexdigest() == digest
    assert CANARY not in text  # nothing of the platform's environment reaches the job
    assert "DATABASE_URL" not in text
    assert "DJANGO_" not in text

    other = submit_job(t.other_project, t.other_lead, today=None, gpus=0, time_limit_minutes=1,
                       script=f'#!/bin/bash\necho "data=${{LAIF_DATASET_CUSTOMERS:-none}}"\n'
                              f'head -c 4 "{staged}" || echo refused\n'
                              f'ls "{staged.parent}" || echo no-listing\n')
    text = _finished(other)
    assert "data=none" in text  # not told about another project's data
    assert "PAR1" not in text
    assert "refused" in text
    assert "no-listing" in text
