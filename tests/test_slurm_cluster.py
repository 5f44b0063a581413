"""The Slurm test cluster of deploy/slurm/cluster.sh: a real job, as a real Unix user, on fake GPUs,
read back from slurmdbd's accounting. Needs the cluster up (`sudo deploy/slurm/cluster.sh up`)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from laif.cluster.slurm_json import exit_code
from tests.slurm_support import job_tempdir, record_state, slurm, slurm_json, unavailable

pytestmark = pytest.mark.slurm

USER = "laif_u1"
ACCOUNT = "laiftest"

JOB = """#!/bin/bash
echo "user=$(id -un)"
echo "gpus=$CUDA_VISIBLE_DEVICES"
echo "job_gpus=$SLURM_JOB_GPUS"
"""


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory the job's user can write its output to (pytest's tmp_path is private to root)."""
    if os.geteuid() != 0:
        unavailable("submitting jobs as laif_u1 (sbatch --uid) needs root")
    path = job_tempdir("laif-slurm-test-")
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _accounted(job_id: str, timeout: float = 30) -> dict[str, Any]:
    """The job's record in slurmdbd once it has its final state (the end is sent asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        data = slurm_json("sacct", "--json", "-X", "-a", "-j", job_id)
        jobs = [job for job in data["jobs"] if str(job["job_id"]) == job_id]
        if jobs and record_state(jobs[-1]) == "COMPLETED":
            job: dict[str, Any] = jobs[-1]
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} not COMPLETED in sacct after {timeout} s: {jobs}")
        time.sleep(0.5)


def test_job_as_laif_u1_gets_two_gpus_and_is_accounted(workdir: Path) -> None:
    script = workdir / "job.sh"
    script.write_text(JOB)
    script.chmod(0o755)
    started = time.monotonic()
    job_id = slurm(
        "sbatch", "--parsable", "--wait", f"--uid={USER}", f"--gid={USER}", "-A", ACCOUNT,
        "--gres=gpu:h200:2", "-t", "2", "-J", "laif-pytest", f"--chdir={workdir}",
        "-o", f"{workdir}/out-%j.txt", str(script), timeout=50,
    ).strip().split(";")[0]
    assert job_id.isdigit(), job_id

    output = dict(
        line.split("=", 1) for line in (workdir / f"out-{job_id}.txt").read_text().splitlines()
    )
    assert output["user"] == USER
    gpus = output["gpus"].split(",")
    assert len(gpus) == 2, output
    assert len(set(gpus)) == 2
    assert output["job_gpus"].split(",") == gpus  # the fake devices' minor numbers

    job = _accounted(job_id)
    assert job["user"] == USER
    assert job["account"] == ACCOUNT
    assert job["association"]["user"] == USER
    status = job["exit_code"]["status"]  # "SUCCESS" in 22.05, ["SUCCESS"] in 24.11
    assert status in ("SUCCESS", ["SUCCESS"])
    assert exit_code(job["exit_code"], "COMPLETED") == 0
    allocated = {(tres["type"], tres["name"]): tres["count"] for tres in job["tres"]["allocated"]}
    assert allocated[("gres", "gpu")] == 2
    assert allocated[("gres", "gpu:h200")] == 2  # typed GPUs are counted a second time
    assert time.monotonic() - started < 60
