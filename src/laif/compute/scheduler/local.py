"""The embedded scheduler: runs a job's script as a subprocess on this machine.

Each job has its directory under the jobs root (``LAIF_JOBS_DIR``); its id is that directory's
name. A small runner script writes ``started``, runs the job (each task of an array in turn, with
``SLURM_ARRAY_TASK_ID`` set) under ``timeout`` for the time limit, and writes ``exit_code`` at the
end, so that any process of the platform can read the state from the files. GPUs are counted with
``nvidia-smi -L`` (0 without it); a job asking for more is refused. GPU-minutes are not accounted
here: the platform counts them from its own job records (``usage`` is None).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from laif.compute.scheduler.base import (
    CANCELLED,
    COMPLETED,
    EMPTY_ACCOUNTING,
    FAILED,
    RUNNING,
    TIMEOUT,
    AccountTag,
    AccountUsage,
    JobSpec,
    JobStatus,
    SubmitRefused,
    read_output,
)

TIMEOUT_EXIT = 124
_children: list[subprocess.Popen[bytes]] = []


@functools.cache
def detected_gpus() -> int:
    """GPUs on this machine according to ``nvidia-smi -L``; 0 when it is missing or fails."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return 0
    try:
        done = subprocess.run(  # noqa: S603 - nvidia-smi found on PATH
            [smi, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    if done.returncode != 0:
        return 0
    return sum(1 for line in done.stdout.splitlines() if line.startswith("GPU "))


def _runner(spec: JobSpec) -> str:
    limit = f"{spec.time_limit_minutes}m"
    lines = ["#!/bin/bash", "date +%s > started", "rc=0"]
    gpus = ",".join(str(i) for i in range(spec.gpus))
    exports = {"CUDA_VISIBLE_DEVICES": gpus, "LAIF_JOB_NAME": spec.name, **spec.env}
    lines += [f"export {key}={shlex.quote(value)}" for key, value in exports.items()]
    tasks = range(spec.array_size) if spec.array_size > 1 else [None]
    for task in tasks:
        out = "output.txt" if task is None else f"output-{task}.txt"
        env = "" if task is None else f"SLURM_ARRAY_TASK_ID={task} "
        lines.append(f"{env}timeout {limit} bash job.sh > {out} 2>&1 || rc=$?")
    lines += ["echo $rc > exit_code.tmp", "mv exit_code.tmp exit_code", ""]
    return "\n".join(lines)


def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(path.read_text().strip()), tz=UTC)
    except (OSError, ValueError):
        return None


class LocalScheduler:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def submit(self, spec: JobSpec) -> str:
        if spec.gpus > detected_gpus():
            raise SubmitRefused(
                f"this machine has {detected_gpus()} GPUs; the job asks for {spec.gpus}")
        if spec.workdir.parent != self.root:
            raise SubmitRefused("the job's directory must be under the jobs directory")
        spec.workdir.mkdir(parents=True, exist_ok=True)
        (spec.workdir / "job.sh").write_text(spec.script)
        (spec.workdir / "run.sh").write_text(_runner(spec))
        _reap()
        process = subprocess.Popen(
            ["/bin/bash", "run.sh"], cwd=spec.workdir, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _children.append(process)
        (spec.workdir / "pid").write_text(str(process.pid))
        return spec.workdir.name

    def _status(self, job_id: str) -> JobStatus | None:
        workdir = self.root / job_id
        if not job_id or "/" in job_id or not (workdir / "pid").exists():
            return None
        started = _stamp(workdir / "started")
        if (workdir / "cancelled").exists():
            return JobStatus(job_id, CANCELLED, started_at=started,
                             ended_at=_stamp(workdir / "cancelled"))
        try:
            code = int((workdir / "exit_code").read_text().strip())
        except (OSError, ValueError):
            if _alive(workdir):
                return JobStatus(job_id, RUNNING, started_at=started)
            return JobStatus(job_id, FAILED, reason="the process ended without an exit code",
                             started_at=started)
        ended = datetime.fromtimestamp((workdir / "exit_code").stat().st_mtime, tz=UTC)
        state = COMPLETED if code == 0 else TIMEOUT if code == TIMEOUT_EXIT else FAILED
        return JobStatus(job_id, state, exit_code=code, started_at=started, ended_at=ended)

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        _reap()
        found = {job_id: self._status(job_id) for job_id in ids}
        return {job_id: status for job_id, status in found.items() if status is not None}

    def cancel(self, scheduler_id: str) -> None:
        current = self._status(scheduler_id)
        if current is None or current.finished:
            return
        workdir = self.root / scheduler_id
        (workdir / "cancelled").write_text(str(int(datetime.now(tz=UTC).timestamp())))
        with contextlib.suppress(OSError, ValueError):
            os.killpg(int((workdir / "pid").read_text()), signal.SIGTERM)
        _reap()

    def output(self, workdir: Path, max_bytes: int = 1_000_000) -> str:
        return read_output(workdir, max_bytes)

    def account_tag(self, account: str) -> AccountTag | None:
        return None

    def set_account_tag(self, account: str, tag: AccountTag) -> None:
        return None

    def ensure_account(self, account: str, gpu_minutes_limit: int, *, tag: AccountTag) -> bool:
        return False

    def ensure_user(self, account: str, username: str) -> bool:
        return False

    def users(self, account: str) -> set[str]:
        return set()

    def remove_user(self, account: str, username: str) -> bool:
        return False

    def find(self, spec: JobSpec) -> str | None:
        """A job started from this spec left its pid in its own directory."""
        if spec.workdir.parent == self.root and (spec.workdir / "pid").exists():
            return spec.workdir.name
        return None

    def usage(self, account: str) -> AccountUsage | None:
        return None

    def accounting_json(self, start: datetime, end: datetime, accounts: Sequence[str]) -> bytes:
        """No accounting of its own: its usage is the platform's jobs (``usage_ingest_local``)."""
        return EMPTY_ACCOUNTING


def _alive(workdir: Path) -> bool:
    try:
        pid = int((workdir / "pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    for child in _children:
        if child.pid == pid:
            return child.poll() is None
    return True


def _reap() -> None:
    """Collect the exit of finished children so that they do not stay as zombies."""
    _children[:] = [child for child in _children if child.poll() is None]
