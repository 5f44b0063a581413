"""Hostile jobs on the local executor, through the platform: a job's output files are read
without leaking the platform's secrets or other people's files and without hanging, and the job
runs with nothing of the platform's (environment, uid, state files)."""

from __future__ import annotations

import logging
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from laif.accounts.models import ClusterIdentity
from laif.cluster.scheduler.local import LocalScheduler
from laif.jobs import state as job_state
from laif.jobs.models import Job, JobState
from tests.api_support import Api
from tests.compute.jobs_support import grant, submit_job
from tests.factories import World

pytestmark = pytest.mark.django_db

SECRET = "platform-secret-canary-7f3a9c"


@pytest.fixture
def local(world: World, tmp_path: Path) -> Iterator[Path]:
    """The local executor of the settings (no test double), its jobs under tmp_path."""
    root = tmp_path / "jobs"
    with override_settings(LAIF_EXECUTOR="local", LAIF_JOBS_DIR=root):
        grant(world.project, world.project_lead, 100)
        yield root


def run_job(world: World, script: str, timeout: float = 30) -> Job:
    job = submit_job(world.project, world.project_lead, script="#!/bin/bash\n" + script,
                     gpus=0, time_limit_minutes=1)
    deadline = time.monotonic() + timeout
    while not job.is_finished:
        assert time.monotonic() < deadline, f"job {job.pk} still {job.state}"
        time.sleep(0.1)
        job_state.job_refresh([job], fresh=True)
    return job


def logs(api_as: Callable[[Any], Api], world: World, job: Job) -> dict[str, Any]:
    response = api_as(world.project_lead).get(f"/api/compute/jobs/{job.pk}/logs")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def _platform_environment() -> list[str]:
    """Entries of this process's own environment, as /proc/self/environ gives them."""
    entries = Path("/proc/self/environ").read_bytes().split(b"\0")
    return [e.decode(errors="replace") for e in entries if len(e) > 12]


ATTACKS = [  # (id, what the job does, the file the platform must not show, shown as refused)
    ("environ-link", "ln -s /proc/self/environ output-1.txt", "output-1.txt", True),
    ("environ-link-other-name", "ln -s /proc/self/environ output-x.txt", "", False),
    ("dev-zero", "ln -s /dev/zero output-2.txt", "output-2.txt", True),
    ("fifo", "mkfifo output-3.txt", "output-3.txt", True),
    ("directory", "mkdir output-5.txt", "output-5.txt", True),
    ("another-users-file", "ln -s {secret} output-6.txt", "output-6.txt", True),
]


@pytest.mark.parametrize(("attack", "hostile", "name", "refused"), ATTACKS,
                         ids=[a[0] for a in ATTACKS])
def test_hostile_output_files_are_not_shown(
        world: World, local: Path, api_as: Callable[[Any], Api], tmp_path: Path,
        attack: str, hostile: str, name: str, refused: bool) -> None:
    secret = tmp_path / "secret.txt"  # root's, mode 0600: nobody else's to read
    secret.write_text(SECRET)
    secret.chmod(0o600)
    job = run_job(world, f"echo visible\n{hostile.format(secret=secret)}\n")
    assert job.state == JobState.COMPLETED, (job.state, job.reason)
    started = time.monotonic()
    data = logs(api_as, world, job)
    assert time.monotonic() - started < 10
    assert "visible" in data["output"]
    assert SECRET not in data["output"]
    leaked = [entry for entry in _platform_environment() if entry in data["output"]]
    assert not leaked
    if refused:
        assert f"{name} is not a regular file of the job: not shown." in data["notes"]


def test_a_huge_sparse_output_file_costs_one_megabyte(
        world: World, local: Path, api_as: Callable[[Any], Api]) -> None:
    job = run_job(world, "echo start\ntruncate -s 10G output-4.txt\necho end >> output-4.txt\n")
    assert job.state == JobState.COMPLETED, (job.state, job.reason)
    tracemalloc.start()
    try:
        data = logs(api_as, world, job)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data["output"].endswith("\0end\n")
    assert len(data["output"]) <= 1_000_000
    assert data["truncated"] is True
    assert "Only the end of the output is shown." in data["notes"]
    assert peak < 64_000_000, peak  # JSON writes each NUL as 6 characters


def test_the_page_names_what_it_does_not_show(
        world: World, local: Path, client_for: Callable[[Any], Any]) -> None:
    job = run_job(world, "echo visible\nln -s /proc/self/environ output-1.txt\n")
    page = client_for(world.project_lead).get(reverse("compute_job", args=[job.pk]))
    text = page.content.decode()
    assert "visible" in text
    assert "output-1.txt is not a regular file of the job: not shown." in text
    assert not [entry for entry in _platform_environment() if entry in text]


def test_a_job_directory_replaced_by_a_link_is_not_followed(
        world: World, local: Path, api_as: Callable[[Any], Api]) -> None:
    first = run_job(world, "echo the first job\n")
    second = run_job(world, "echo the second job\n")
    assert "the first job" in logs(api_as, world, first)["output"]
    # a job that runs as the platform's user (no root) could do this to another job's directory
    workdir = local / str(second.pk)
    os.rename(workdir, local / f"{second.pk}.old")
    os.symlink(local / str(first.pk), workdir)
    data = logs(api_as, world, second)
    assert "the first job" not in data["output"]
    assert "The job's directory is not a plain directory: its output is not shown." in \
        data["notes"]


def test_a_job_gets_none_of_the_platforms_environment(
        world: World, local: Path, api_as: Callable[[Any], Api],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LAIF_SECRET_KEY", "LAIF_AUDIT_KEY", "DATABASE_URL"):
        monkeypatch.setenv(name, f"{name.lower()}-{SECRET}")
    job = run_job(world, "env\n")
    output = logs(api_as, world, job)["output"]
    assert SECRET not in output
    lines = set(output.splitlines())
    assert f"LAIF_JOB_ID={job.pk}" in lines
    assert f"HOME={local / str(job.pk)}" in lines
    assert "PATH=/usr/local/bin:/usr/bin:/bin" in lines


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to the submitter's uid needs root")
def test_as_root_a_job_runs_as_its_submitter_in_its_own_session_under_limits(
        world: World, local: Path, api_as: Callable[[Any], Api]) -> None:
    job = run_job(world, 'id -u; id -g; id -G; ulimit -u; ulimit -f; ulimit -t; ulimit -c\n'
                         'test "$(ps -o sid= -p $$ | tr -d " ")" = "$$" && echo own-session\n')
    uid = ClusterIdentity.objects.get(user=world.project_lead).uid
    lines = logs(api_as, world, job)["output"].splitlines()
    cpu_seconds = 60 * (os.cpu_count() or 1)
    assert lines == [str(uid), str(uid), str(uid), "4096", str(64 << 20), str(cpu_seconds), "0",
                     "own-session"]
    workdir = local / str(job.pk)
    assert (workdir.stat().st_uid, workdir.stat().st_mode & 0o777) == (uid, 0o700)
    assert (local.stat().st_uid, local.stat().st_mode & 0o777) == (0, 0o711)


def test_a_job_cannot_forge_its_state(world: World, local: Path) -> None:
    job = submit_job(world.project, world.project_lead, gpus=0, time_limit_minutes=1,
                     script="#!/bin/bash\ntouch cancelled\necho 0 > exit_code\necho 1 > started\n"
                            "sleep 2\nexit 3\n")
    seen = set()
    deadline = time.monotonic() + 30
    while not job.is_finished:
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job_state.job_refresh([job], fresh=True)
        seen.add(job.state)
    assert (job.state, job.exit_code) == (JobState.FAILED, 3), seen
    assert job.started_at is not None
    assert job.started_at.year > 1970


def test_without_root_jobs_run_only_if_allowed(
        world: World, local: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, client_for: Callable[[Any], Any]) -> None:
    """Not as root the platform cannot switch users: a job would run as the platform itself."""
    monkeypatch.setattr(LocalScheduler, "isolated", property(lambda self: False))
    with override_settings(LAIF_LOCAL_UNISOLATED=False):
        refused = submit_job(world.project, world.project_lead, gpus=0, script="echo hi\n")
    assert refused.state == JobState.REFUSED
    assert "LAIF_LOCAL_UNISOLATED" in refused.reason
    assert not (local / str(refused.pk)).exists()

    with caplog.at_level(logging.WARNING, logger="laif.cluster.scheduler.local"):
        job = run_job(world, "echo allowed; env | grep -c SECRET || true\n")
    assert job.state == JobState.COMPLETED
    assert "not isolated" in caplog.text
    page = client_for(world.project_lead).get(reverse("compute_job", args=[job.pk]))
    assert "Development mode:" in page.content.decode()
    assert "allowed\n0\n" in page.content.decode()
