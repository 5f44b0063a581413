"""The local executor's runner: one process per job, started by the platform as
``python -I runner.py STATE_DIR`` in its own session (standard library only, no Django, no
settings, an environment of its own).

It reads ``STATE_DIR/spec.json`` (written by ``local.LocalScheduler``), writes ``started``, runs
each task of the job in turn and writes ``exit_code`` at the end. ``STATE_DIR`` is outside the
job's directory: when the platform runs as root it belongs to root (mode 0700) and the job, which
runs as its submitter's uid, can neither read nor forge these files.

Each task runs as ``/bin/bash ./job.sh`` in the job's directory:

- as the job's uid and gid with no supplementary group (when ``uid`` is given), in a new session;
- with only the environment in the spec (``PATH``, ``HOME``, ``LANG``, ``CUDA_VISIBLE_DEVICES``,
  ``LAIF_JOB_ID``...) and ``SLURM_ARRAY_TASK_ID`` for a task of an array;
- its output redirected to ``output.txt`` (``output-<task>.txt``) by the job's own shell, after
  the uid switch, so a link the user placed there leads only where the user may write;
- under resource limits (CPU seconds, file size, processes, data segment; no core file) and the
  time limit: past it, SIGTERM to the task's process group, SIGKILL after a grace period, exit
  code 124. Whatever the task leaves running in its process group is killed when it ends.

SIGTERM to the runner (cancellation) stops the running task the same way, and no other starts.

**Energy** (``energy`` in the spec, for a job with GPUs): the GPUs the job sees
(``CUDA_VISIBLE_DEVICES``) are measured while each task runs, through NVML (``pynvml``, from the
``nvidia-ml-py`` package): the difference of each GPU's total energy counter (millijoules,
Volta and newer), or, where the counter is not supported, its power draw sampled every 0.2 s and
integrated. The joules of all tasks are written to ``energy_j`` at the end; no NVML, no
``energy_j`` ("not reported", never 0). ``{"reader": "fake", "watts_per_gpu": W}`` draws W per GPU
(tests on machines without a GPU). Local jobs are not given GPUs exclusively: two GPU jobs at once
on one machine each measure the other's draw too.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

TIMEOUT_EXIT = 124
CANCELLED_EXIT = 143
TASK_COMMAND = 'exec >"$1" 2>&1 </dev/null && exec /bin/bash ./job.sh'

_stop: list[bool] = [False]


class Meter:
    """Energy of some GPUs over a task: ``start()``, ``sample()`` while it runs, ``joules()``."""

    def start(self) -> None:
        raise NotImplementedError

    def sample(self) -> None:
        raise NotImplementedError

    def joules(self) -> float:
        raise NotImplementedError


class FakeMeter(Meter):
    """A constant draw per GPU (tests on machines without a GPU)."""

    def __init__(self, watts_per_gpu: float, gpus: int) -> None:
        self.watts = watts_per_gpu * gpus
        self.began = time.monotonic()

    def start(self) -> None:
        self.began = time.monotonic()

    def sample(self) -> None:
        return None

    def joules(self) -> float:
        return self.watts * (time.monotonic() - self.began)


class NvmlMeter(Meter):
    """NVML's total energy counter of each GPU (mJ), or its power draw (mW) integrated."""

    def __init__(self, nvml: Any, indices: list[int],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.nvml = nvml
        self.clock = clock
        self.handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in indices]
        try:
            self.first = self._counter()
            self.counting = True
        except nvml.NVMLError:
            self.first, self.counting = 0, False
        self.integrated_mj = 0.0
        self.last = clock()

    def _counter(self) -> int:
        return sum(int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(h)) for h in self.handles)

    def start(self) -> None:
        self.integrated_mj, self.last = 0.0, self.clock()
        if self.counting:
            self.first = self._counter()

    def sample(self) -> None:
        now = self.clock()
        if not self.counting:
            with contextlib.suppress(self.nvml.NVMLError):
                milliwatts = sum(int(self.nvml.nvmlDeviceGetPowerUsage(h))
                                 for h in self.handles)
                self.integrated_mj += milliwatts * (now - self.last)
        self.last = now

    def joules(self) -> float:
        if self.counting:
            try:
                return max(0, self._counter() - self.first) / 1000
            except self.nvml.NVMLError:
                return 0.0
        self.sample()
        return self.integrated_mj / 1000


def _visible(env: dict[str, str], gpus: int) -> list[int]:
    text = env.get("CUDA_VISIBLE_DEVICES", "")
    found = [int(part) for part in text.split(",") if part.strip().isdigit()]
    return found or list(range(gpus))


def meter_for(spec: dict[str, Any]) -> Meter | None:
    """The meter the spec asks for, or None (no GPU, no energy asked, no NVML on this machine)."""
    conf, gpus = spec.get("energy"), int(spec.get("gpus", 0))
    if not isinstance(conf, dict) or gpus <= 0:
        return None
    if conf.get("reader") == "fake":
        return FakeMeter(float(conf.get("watts_per_gpu", 0)), gpus)
    try:
        import pynvml

        pynvml.nvmlInit()
        return NvmlMeter(pynvml, _visible(spec["env"], gpus))
    except Exception as exc:
        print(f"no energy measurement: {exc}", file=sys.stderr)
        return None


def _on_signal(signum: int, frame: object) -> None:
    _stop[0] = True


def _write(state: str, name: str, text: str) -> None:
    tmp = os.path.join(state, f".{name}.tmp")
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write(text)
    os.replace(tmp, os.path.join(state, name))


def _limits(limits: dict[str, int]) -> Callable[[], None]:
    """Applied in the task's process after the uid switch (limits can only be lowered)."""
    wanted = [
        (resource.RLIMIT_CPU, limits.get("cpu_seconds", 0), 5),
        (resource.RLIMIT_FSIZE, limits.get("file_bytes", 0), 0),
        (resource.RLIMIT_NPROC, limits.get("processes", 0), 0),
        (resource.RLIMIT_DATA, limits.get("memory_bytes", 0), 0),
    ]

    def apply() -> None:
        for which, value, slack in wanted:
            if value <= 0:
                continue
            _soft, hard = resource.getrlimit(which)
            top = value + slack if hard == resource.RLIM_INFINITY else min(hard, value + slack)
            resource.setrlimit(which, (min(value, top), top))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _stop_task(process: subprocess.Popen[bytes], grace: float) -> int:
    _signal_group(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        return process.wait()


def _exit_code(code: int) -> int:
    return 128 - code if code < 0 else code  # killed by a signal: as a shell reports it


def run_task(spec: dict[str, Any], task: int | None, state: str,
             meter: Meter | None = None) -> int:
    env = dict(spec["env"])
    if task is not None:
        env["SLURM_ARRAY_TASK_ID"] = str(task)
    output = "output.txt" if task is None else f"output-{task}.txt"
    switch = spec.get("uid") is not None
    process = subprocess.Popen(  # noqa: S603 - a fixed command; the script is the job's
        ["/bin/bash", "-c", TASK_COMMAND, "laif-job", output], cwd=spec["workdir"], env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True, umask=0o077,
        user=spec["uid"] if switch else None, group=spec["gid"] if switch else None,
        extra_groups=[] if switch else None, preexec_fn=_limits(spec.get("limits", {})))
    _write(state, "task", str(process.pid))
    if meter is not None:
        meter.start()
    deadline = time.monotonic() + spec["time_limit_seconds"]
    grace = float(spec.get("grace_seconds", 10))
    while True:
        try:
            code = _exit_code(process.wait(timeout=0.2))
            break
        except subprocess.TimeoutExpired:
            if meter is not None:
                meter.sample()
            if _stop[0]:
                _stop_task(process, grace)
                code = CANCELLED_EXIT
                break
            if time.monotonic() > deadline:
                _stop_task(process, grace)
                code = TIMEOUT_EXIT
                break
    _signal_group(process.pid, signal.SIGKILL)  # what the task left behind in its group
    os.unlink(os.path.join(state, "task"))
    return code


def main(state: str) -> int:
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    with open(os.path.join(state, "spec.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    _write(state, "started", str(int(time.time())))
    meter = meter_for(spec)
    joules = 0.0
    rc = 0
    for task in spec["tasks"]:
        if _stop[0] or os.path.exists(os.path.join(state, "cancelled")):
            rc = CANCELLED_EXIT
            break
        try:
            code = run_task(spec, task, state, meter)
        except (OSError, subprocess.SubprocessError) as exc:  # no bash, the uid switch refused
            print(f"task {task}: {exc}", file=sys.stderr)
            code = 127
        else:
            if meter is not None:
                joules += meter.joules()
        if code != 0:
            rc = code
    if meter is not None:
        _write(state, "energy_j", str(round(joules)))
    _write(state, "exit_code", str(rc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
