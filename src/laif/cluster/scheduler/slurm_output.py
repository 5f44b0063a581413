"""What Slurm's commands print, read (pure): job states from ``squeue``/``sacct`` (text and
JSON, through ``laif.cluster.slurm_json``), array tasks combined into one job state, and an
account's GPU-minutes from ``scontrol show assoc_mgr``. Output it does not read raises
``SlurmOutputError`` (ADR 0013)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from laif.cluster import slurm_json
from laif.cluster.scheduler.base import (
    CANCELLED,
    COMPLETED,
    FAILED,
    FINISHED,
    PENDING,
    RUNNING,
    TIMEOUT,
    UNKNOWN,
    AccountUsage,
    JobStatus,
    SchedulerError,
)

_STATES = {
    "PENDING": PENDING, "CONFIGURING": PENDING, "REQUEUED": PENDING, "REQUEUE_HOLD": PENDING,
    "REQUEUE_FED": PENDING, "RESIZING": PENDING, "RUNNING": RUNNING, "COMPLETING": RUNNING,
    "SUSPENDED": RUNNING, "STOPPED": RUNNING, "SIGNALING": RUNNING, "STAGE_OUT": RUNNING,
    "COMPLETED": COMPLETED, "CANCELLED": CANCELLED, "TIMEOUT": TIMEOUT, "FAILED": FAILED,
    "NODE_FAIL": FAILED, "OUT_OF_MEMORY": FAILED, "BOOT_FAIL": FAILED, "DEADLINE": FAILED,
    "PREEMPTED": FAILED, "SPECIAL_EXIT": FAILED, "REVOKED": CANCELLED,
}


def slurm_state(raw: str) -> str:
    """The platform's state for a Slurm state (``CANCELLED by 0`` counts as ``CANCELLED``)."""
    return _STATES.get((raw.split() or [""])[0].upper(), UNKNOWN)


def combine(scheduler_id: str, tasks: Sequence[tuple[str, str, datetime | None, datetime | None,
                                                      int | None]]) -> JobStatus:
    """One status for a job from its records (one per task of an array): (state, reason, start,
    end, exit code). Running if any task runs, pending if any waits, otherwise finished."""
    states = [t[0] for t in tasks]
    starts = [t[2] for t in tasks if t[2] is not None]
    ends = [t[3] for t in tasks if t[3] is not None]
    codes = [t[4] for t in tasks if t[4] is not None]
    started = min(starts) if starts else None
    if RUNNING in states:
        return JobStatus(scheduler_id, RUNNING, started_at=started)
    if PENDING in states:
        reason = next((t[1] for t in tasks if t[0] == PENDING), "")
        return JobStatus(scheduler_id, PENDING, reason=reason, started_at=started)
    for state in (UNKNOWN, CANCELLED, TIMEOUT, FAILED):
        if state in states:
            break
    else:
        state = COMPLETED
    return JobStatus(scheduler_id, state, exit_code=max(codes) if codes else None,
                     started_at=started, ended_at=max(ends) if ends and state != UNKNOWN else None)


SQUEUE_FORMAT = "%F|%T|%r|%S|%e"
"""``squeue -o``: the array's (or the job's) id, state, reason, start and end (UTC with TZ=UTC).
The plain output honours ``-j`` on every Slurm version (22.05's ``--json`` prints the whole
cluster whatever the filter)."""
CHUNK = 200


def chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:  # N/A, Unknown, None
        return None


def parse_squeue_lines(text: str, ids: Iterable[str]) -> dict[str, JobStatus]:
    """Statuses of the wanted jobs from ``squeue -h -r -o SQUEUE_FORMAT`` (one line per job or
    array task)."""
    wanted = set(ids)
    grouped: dict[str, list[tuple[str, str, datetime | None, datetime | None, int | None]]] = {}
    for line in text.splitlines():
        fields = line.strip().split("|")
        if len(fields) != 5 or fields[0] not in wanted:
            continue
        master, raw_state, reason, start, end = fields
        state = slurm_state(raw_state)
        started = _instant(start) if state != PENDING else None
        ended = _instant(end) if state in FINISHED else None
        grouped.setdefault(master, []).append(
            (state, "" if reason == "None" else reason, started, ended, None))
    return {master: combine(master, tasks) for master, tasks in grouped.items()}




class SlurmOutputError(SchedulerError):
    """Slurm answered in a form laif does not read (a layout or release of ``slurm_json`` it does
    not know, or an answer without the figure asked for): nothing is guessed from it, so a job is
    never read as UNKNOWN for ever, nor a budget as unused."""


def _read(read: Callable[[Any], list[slurm_json.JobRecord]], data: Any) -> list[slurm_json.JobRecord]:
    try:
        return read(data)
    except slurm_json.SlurmJsonError as exc:
        raise SlurmOutputError(str(exc)) from exc


def parse_squeue(data: Any, ids: Iterable[str]) -> dict[str, JobStatus]:
    """Statuses of the wanted jobs from ``squeue --json`` (every layout of ``slurm_json``)."""
    wanted = set(ids)
    grouped: dict[str, list[tuple[str, str, datetime | None, datetime | None, int | None]]] = {}
    for job in _read(slurm_json.squeue_jobs, data):
        master = str(job.array_job_id or job.job_id)
        if master not in wanted:
            continue
        state = slurm_state(job.state)
        started = job.start if state != PENDING else None
        ended = job.end if state in FINISHED else None
        grouped.setdefault(master, []).append((state, job.reason, started, ended, None))
    return {master: combine(master, tasks) for master, tasks in grouped.items()}


def parse_sacct(data: Any, ids: Iterable[str]) -> dict[str, JobStatus]:
    """Statuses of the wanted jobs from ``sacct --json -X`` (the last run of each record)."""
    wanted = set(ids)
    latest: dict[tuple[str, int], slurm_json.JobRecord] = {}
    for job in _read(slurm_json.sacct_jobs, data):
        master = str(job.array_job_id or job.job_id)
        if master in wanted:
            latest[(master, job.job_id)] = job  # later runs replace requeued ones
    grouped: dict[str, list[tuple[str, str, datetime | None, datetime | None, int | None]]] = {}
    for (master, _raw_id), job in latest.items():
        grouped.setdefault(master, []).append(
            (slurm_state(job.state), job.reason, job.start, job.end, job.exit_code))
    return {master: combine(master, tasks) for master, tasks in grouped.items()}


def parse_gpu_minutes(text: str) -> int | None:
    """``gres/gpu=600`` -> 600 in a TRES string; None when absent."""
    match = re.search(r"(?:^|,)gres/gpu=(\d+)", text)
    return int(match.group(1)) if match else None


def parse_account_usage(assoc_mgr: str, account: str) -> AccountUsage:
    """The GPU-minutes the account's own association has used and may still use for its running
    jobs, from ``scontrol show assoc_mgr accounts=A flags=assoc``: ``GrpTRESMins=...,
    gres/gpu=LIMIT(USED)`` and ``GrpTRESRunMins=...,gres/gpu=N(RUNNING)``. An account the
    controller has no association of has used nothing; one whose figures cannot be read raises
    ``SchedulerError`` (fails closed: never read as 0)."""
    block: list[str] = []
    for line in assoc_mgr.splitlines():
        if line.startswith("ClusterName="):
            if block:
                break
            fields = dict(part.partition("=")[::2] for part in line.split())
            if fields.get("Account", "").lower() == account.lower() and not fields.get(
                    "UserName") and "UserName" in fields:
                block = [line]
        elif block:
            block.append(line.strip())
    figures: dict[str, int] = {}
    for line in block:
        for key in ("GrpTRESMins", "GrpTRESRunMins"):
            match = re.match(rf"{key}=(?:.*,)?gres/gpu=[^(,]*\((\d+)\)", line)
            if match:
                figures[key] = int(match.group(1))
    if not block and f"account={account.lower()} " not in assoc_mgr.lower():
        return AccountUsage(used_minutes=0, running_minutes=0)  # no association yet: nothing used
    if len(figures) != 2:
        raise SlurmOutputError(
            f"scontrol show assoc_mgr gave no GPU usage of account {account}")
    return AccountUsage(used_minutes=figures["GrpTRESMins"],
                        running_minutes=figures["GrpTRESRunMins"])
