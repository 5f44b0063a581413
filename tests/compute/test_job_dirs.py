"""The jobs root and each job's directory, as both executors make them: the root is the
platform's and not world-writable, and the platform never writes through a link a user placed in
a job's directory, including when a dispatch is retried for the same job."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import pytest

from laif.cluster.scheduler import base
from laif.cluster.scheduler.local import LocalScheduler
from laif.cluster.scheduler.slurm import SlurmScheduler

UID = 290_002  # no one's: the owner of the jobs of these tests
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving directories to users needs root")


def _spec(workdir: Path, **changes: object) -> base.JobSpec:
    values: dict[str, object] = {
        "name": "laif-1-test", "script": "#!/bin/bash\necho hi\n", "account": "acct",
        "username": "u", "uid": UID, "gid": UID, "workdir": workdir, "time_limit_minutes": 1,
        **changes,
    }
    return base.JobSpec(**values)  # type: ignore[arg-type]


@pytest.fixture
def slurm_down(monkeypatch: pytest.MonkeyPatch) -> SlurmScheduler:
    """A Slurm scheduler whose commands cannot be found: submissions stop after the directory."""
    monkeypatch.setenv("PATH", "/nonexistent")
    return SlurmScheduler(timeout=5)


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"  # root's file that a link in a job's directory points to
    victim.write_text("root's data\n")
    return victim


@as_root
def test_the_jobs_root_is_the_platforms_and_not_world_writable(
        tmp_path: Path, slurm_down: SlurmScheduler) -> None:
    for name, submit in (("local", LocalScheduler(tmp_path / "local").submit),
                         ("slurm", slurm_down.submit)):
        root = tmp_path / name
        root.mkdir(mode=0o777)
        root.chmod(0o1777)  # as a shared scratch directory would be
        with pytest.raises(base.SchedulerUnavailable) if name == "slurm" else nullcontext():
            submit(_spec(root / "1"))
        assert (root.stat().st_uid, root.stat().st_mode & 0o7777) == (0, 0o711), name

        other = tmp_path / f"{name}-other"
        other.mkdir(mode=0o711)
        os.chown(other, UID, UID)  # someone else's: not used, nothing made in it
        with pytest.raises(base.SchedulerUnavailable, match="belongs to uid"):
            (LocalScheduler(other).submit if name == "local" else slurm_down.submit)(
                _spec(other / "1"))
        assert list(other.iterdir()) == []


@as_root
def test_a_retried_local_submission_writes_no_file_through_a_link(tmp_path: Path) -> None:
    root = tmp_path / "jobs"
    victim = _victim(tmp_path)
    workdir = root / "7"
    workdir.mkdir(parents=True)
    os.symlink(victim, workdir / "job.sh")  # left by the job's user in an earlier attempt
    os.chown(workdir, UID, UID, follow_symlinks=False)
    os.chown(workdir / "job.sh", UID, UID, follow_symlinks=False)
    sched = LocalScheduler(root)
    assert sched.submit(_spec(workdir, script="#!/bin/bash\nexit 0\n")) == "7"
    assert victim.read_text() == "root's data\n"
    script = workdir / "job.sh"
    assert not script.is_symlink()
    assert script.read_text() == "#!/bin/bash\nexit 0\n"
    assert (workdir.stat().st_uid, workdir.stat().st_mode & 0o777) == (UID, 0o700)


@as_root
def test_slurm_writes_no_script_and_adopts_the_directory_of_an_earlier_attempt(
        tmp_path: Path, slurm_down: SlurmScheduler) -> None:
    root = tmp_path / "jobs"
    victim = _victim(tmp_path)
    workdir = root / "8"
    spec = _spec(workdir)
    with pytest.raises(base.SchedulerUnavailable):  # the first attempt: Slurm does not answer
        slurm_down.submit(spec)
    assert (workdir.stat().st_uid, workdir.stat().st_mode & 0o777) == (UID, 0o700)
    assert list(workdir.iterdir()) == []  # the script goes on sbatch's standard input
    os.symlink(victim, workdir / "job.sh")  # the user, between the two attempts
    with pytest.raises(base.SchedulerUnavailable):  # the dispatch retried
        slurm_down.submit(spec)
    assert victim.read_text() == "root's data\n"
    assert (workdir.stat().st_uid, workdir.stat().st_mode & 0o777) == (UID, 0o700)


@as_root
def test_a_job_directory_that_is_a_link_is_refused(
        tmp_path: Path, slurm_down: SlurmScheduler) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name, sched in (("local", LocalScheduler(tmp_path / "local")), ("slurm", slurm_down)):
        root = tmp_path / name
        root.mkdir(exist_ok=True)
        os.symlink(elsewhere, root / "9")
        with pytest.raises(base.SubmitRefused, match="not a directory"):
            sched.submit(_spec(root / "9"))
        assert list(elsewhere.iterdir()) == [], name


def test_a_job_never_runs_as_root(tmp_path: Path, slurm_down: SlurmScheduler) -> None:
    if os.geteuid() == 0:
        with pytest.raises(base.SubmitRefused, match="never runs as root"):
            LocalScheduler(tmp_path / "local").submit(_spec(tmp_path / "local" / "1", uid=0))
    with pytest.raises(base.SubmitRefused, match="never runs as root"):
        slurm_down.submit(_spec(tmp_path / "slurm" / "1", uid=0, gid=0))

