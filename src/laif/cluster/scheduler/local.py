"""The embedded scheduler: runs a job's script on this machine, never as the platform.

Each job has its directory under the jobs root (``LAIF_JOBS_DIR``, see ``workdir.py``); its id is
that directory's name. The platform writes ``job.sh`` there and starts ``runner.py`` for the job
in its own session; the runner runs each task (``runner.py`` says how) and keeps the job's state
(``pid``, ``started``, ``exit_code``, ``cancelled``) in ``<root>/.runner/<id>/``, outside the
directory the job writes, so that any process of the platform reads the state from the files.

- **As root** (as Slurm runs): each job runs as its submitter's cluster identity (uid, gid, no
  supplementary group), with an environment of its own (never the platform's: no
  ``LAIF_SECRET_KEY``, ``DATABASE_URL``...), under resource limits (``LocalLimits``); the state
  directory is root's (0700): the job cannot forge its exit code.
- **Not as root** the platform cannot switch users: jobs would run as the platform's own user,
  who can read its database and secrets, so there is no isolation at all. That is refused unless
  ``allow_unisolated`` (``LAIF_LOCAL_UNISOLATED``, on by default outside production: a
  developer's own machine, the README's demo); each such job is logged as a warning and the job
  pages say so. The environment and limits still apply.

GPUs are counted with ``nvidia-smi -L`` (0 without it); a job asking for more is refused.
GPU-minutes are not accounted here: the platform counts them from its own job records (``usage``
is None). The energy of a job with GPUs is measured by the runner through NVML (``energy``:
``"nvml"``, ``"off"``, or ``"fake:<watts per GPU>"`` in tests) and reported in its status
(``energy_j``; None where not measured).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from laif.cluster.scheduler import runner
from laif.cluster.scheduler.base import (
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
    SchedulerUnavailable,
    SubmitRefused,
)
from laif.cluster.scheduler.output import JobOutput, read_output
from laif.cluster.scheduler.workdir import make_job_dir, prepare_root, refuse_root

logger = logging.getLogger(__name__)

TIMEOUT_EXIT = runner.TIMEOUT_EXIT
STATE_DIR = ".runner"
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_children: list[subprocess.Popen[bytes]] = []


@dataclass(frozen=True)
class LocalLimits:
    """Resource limits of each process of a local job (0: none). CPU seconds come from the time
    limit (x this machine's cores); ``memory_bytes`` 0 means three quarters of its memory."""

    processes: int = 4096
    file_bytes: int = 64 << 30
    memory_bytes: int = 0


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


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 0


def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(path.read_text().strip()), tz=UTC)
    except (OSError, ValueError):
        return None


def job_environment(spec: JobSpec, workdir: Path, username: str) -> dict[str, str]:
    """All the environment a local job gets: nothing of the platform's."""
    return {
        "PATH": SAFE_PATH, "HOME": str(workdir), "LANG": "C.UTF-8", "SHELL": "/bin/bash",
        "USER": username, "LOGNAME": username,
        "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in range(spec.gpus)),
        "LAIF_JOB_NAME": spec.name, **spec.env,
    }


class LocalScheduler:
    name = "local"

    def __init__(self, root: Path, *, limits: LocalLimits | None = None,
                 allow_unisolated: bool = True, energy: str = "nvml") -> None:
        self.root = root
        self.limits = limits or LocalLimits()
        self.allow_unisolated = allow_unisolated
        self.energy = _energy_conf(energy)

    @property
    def isolated(self) -> bool:
        """True when jobs run as their submitter (the platform runs as root)."""
        return os.geteuid() == 0

    def _run_as(self, spec: JobSpec) -> tuple[int, int]:
        if not self.isolated:
            return os.geteuid(), os.getegid()
        refuse_root(spec.uid, spec.gid)
        return spec.uid, spec.gid

    def _state(self, job_id: str) -> Path:
        return self.root / STATE_DIR / job_id

    def submit(self, spec: JobSpec) -> str:
        if spec.gpus > detected_gpus():
            raise SubmitRefused(
                f"this machine has {detected_gpus()} GPUs; the job asks for {spec.gpus}")
        if spec.workdir.parent != self.root:
            raise SubmitRefused("the job's directory must be under the jobs directory")
        if not self.isolated:
            if not self.allow_unisolated:
                raise SubmitRefused(
                    "this machine cannot run jobs as the person who submits them (the platform "
                    "does not run as root); LAIF_LOCAL_UNISOLATED allows it on a developer's "
                    "own machine")
            logger.warning("local executor not isolated: job %s runs as the platform's own user "
                           "(uid %d), who can read its database and secrets; run the platform "
                           "as root or use Slurm", spec.name, os.geteuid())
        uid, gid = self._run_as(spec)
        workdir = make_job_dir(self.root, spec.workdir.name, uid=uid, gid=gid,
                               files={"job.sh": spec.script.encode()})
        try:
            self._start(spec, workdir)
        except OSError as exc:
            raise SchedulerUnavailable(f"the job cannot be started ({exc.strerror or exc})") \
                from exc
        return spec.workdir.name

    def _start(self, spec: JobSpec, workdir: Path) -> None:
        state = self._fresh_state(spec.workdir.name)
        (state / "spec.json").write_text(json.dumps(self._runner_spec(spec, workdir)))
        _reap()
        with open(state / "runner.log", "ab") as log:
            process = subprocess.Popen(  # noqa: S603 - this package's runner, as a list
                [sys.executable, "-I", runner.__file__, str(state)], cwd=state,
                env={"PATH": SAFE_PATH, "LANG": "C.UTF-8"}, start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _children.append(process)
        (state / "pid").write_text(str(process.pid))

    def _fresh_state(self, job_id: str) -> Path:
        prepare_root(self.root)
        parent = self.root / STATE_DIR
        with contextlib.suppress(FileExistsError):
            parent.mkdir(mode=0o700)
        parent.chmod(0o700)
        state = parent / job_id
        if state.exists():  # an earlier attempt that never started (no pid: find() said so)
            shutil.rmtree(state)
        state.mkdir(mode=0o700)
        return state

    def _runner_spec(self, spec: JobSpec, workdir: Path) -> dict[str, object]:
        seconds = spec.time_limit_minutes * 60
        memory = self.limits.memory_bytes or _machine_memory() * 3 // 4
        return {
            "workdir": str(workdir),
            "uid": spec.uid if self.isolated else None,
            "gid": spec.gid if self.isolated else None,
            "tasks": list(range(spec.array_size)) if spec.array_size > 1 else [None],
            "gpus": spec.gpus,
            **({"energy": self.energy} if self.energy and spec.gpus > 0 else {}),
            "time_limit_seconds": seconds,
            "env": job_environment(spec, workdir, spec.username),
            "limits": {"cpu_seconds": seconds * (os.cpu_count() or 1),
                       "file_bytes": self.limits.file_bytes,
                       "processes": self.limits.processes, "memory_bytes": memory},
        }

    def _status(self, job_id: str) -> JobStatus | None:
        if not job_id or "/" in job_id or job_id.startswith("."):
            return None
        state = self._state(job_id)
        if not (state / "pid").exists():
            return None
        started = _stamp(state / "started")
        if (state / "cancelled").exists():
            return JobStatus(job_id, CANCELLED, started_at=started,
                             ended_at=_stamp(state / "cancelled"))
        try:
            code = int((state / "exit_code").read_text().strip())
        except (OSError, ValueError):
            if _alive(state):
                return JobStatus(job_id, RUNNING, started_at=started)
            return JobStatus(job_id, FAILED, reason="the process ended without an exit code",
                             started_at=started)
        ended = datetime.fromtimestamp((state / "exit_code").stat().st_mtime, tz=UTC)
        state_name = COMPLETED if code == 0 else TIMEOUT if code == TIMEOUT_EXIT else FAILED
        return JobStatus(job_id, state_name, exit_code=code, started_at=started, ended_at=ended,
                         energy_j=_energy_of(state))

    def ping(self) -> None:
        return None  # this machine: always there

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        _reap()
        found = {job_id: self._status(job_id) for job_id in ids}
        return {job_id: status for job_id, status in found.items() if status is not None}

    def cancel(self, scheduler_id: str) -> None:
        current = self._status(scheduler_id)
        if current is None or current.finished:
            return
        state = self._state(scheduler_id)
        (state / "cancelled").write_text(str(int(datetime.now(tz=UTC).timestamp())))
        if _alive(state):
            for name, kill in (("pid", os.kill), ("task", os.killpg)):
                with contextlib.suppress(OSError, ValueError):
                    kill(int((state / name).read_text()), signal.SIGTERM)
        _reap()

    def output(self, workdir: Path, *, uid: int, max_bytes: int = 1_000_000) -> JobOutput:
        return read_output(workdir, uid=uid if self.isolated else os.geteuid(),
                           max_bytes=max_bytes)

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

    def find(self, spec: JobSpec, *, since: datetime | None = None) -> str | None:
        """A job started from this spec left its runner's pid in its state directory."""
        job_id = spec.workdir.name
        if spec.workdir.parent == self.root and self._status(job_id) is not None:
            return job_id
        return None

    def usage(self, account: str) -> AccountUsage | None:
        return None

    def accounting_json(self, start: datetime, end: datetime, accounts: Sequence[str]) -> bytes:
        """No accounting of its own: its usage is the platform's jobs (``usage_ingest_local``)."""
        return EMPTY_ACCOUNTING


def _energy_conf(energy: str) -> dict[str, object] | None:
    """The runner's ``energy`` spec: NVML, none, or a fake draw (``fake:300``) for tests."""
    if energy == "off":
        return None
    if energy == "nvml":
        return {"reader": "nvml"}
    kind, _, watts = energy.partition(":")
    if kind == "fake" and watts.isdigit():
        return {"reader": "fake", "watts_per_gpu": int(watts)}
    raise ValueError(f"energy must be nvml, off or fake:<watts>, got {energy!r}")


def _energy_of(state: Path) -> int | None:
    """The joules the runner measured (None: not measured)."""
    try:
        value = int((state / "energy_j").read_text().strip())
    except (OSError, ValueError):
        return None
    return value if value >= 0 else None


def _alive(state: Path) -> bool:
    try:
        pid = int((state / "pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    for child in _children:
        if child.pid == pid:
            return child.poll() is None
    return True


def _reap() -> None:
    """Collect the exit of finished runners so that they do not stay as zombies."""
    _children[:] = [child for child in _children if child.poll() is None]
