"""The one interface of the job schedulers (``local``, ``slurm``, and ``fake`` for tests).

Pure Python (no Django). A scheduler submits a job described by a ``JobSpec`` and answers with
its own id; it reports states as ``JobStatus`` in the platform's vocabulary (``STATES``), keeping
the scheduler's raw pending reason for the plain-words translation. It also reconciles the
accounting side: one account per project with a GPU-minute limit, one user association per member.
The platform's accounts carry its tag (``AccountTag``); ``ensure_account`` refuses an account that
exists with another tag or none (``ForeignAccount``), and the other account methods are only
called on an account ``ensure_account`` accepted (docs/adr/0011-slurm-account-naming.md).

Errors: ``SchedulerUnavailable`` when the scheduler certainly did not get the request (it cannot
be reached: the platform keeps the job as queued and retries later); ``SubmitRefused`` when it
answered and refused the job; ``SubmitUncertain`` when a submission may have reached it but no
answer came back (the platform looks the job up by its tag before it ever submits it again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from laif.cluster.scheduler.output import OUTPUT_NAME as OUTPUT_NAME  # re-exported
from laif.cluster.scheduler.output import JobOutput as JobOutput

PENDING = "pending"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
TIMEOUT = "timeout"
UNKNOWN = "unknown"
STATES = (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, UNKNOWN)
FINISHED = frozenset({COMPLETED, FAILED, CANCELLED, TIMEOUT})


class SchedulerError(Exception):
    """Base of the scheduler errors; the message is safe to show to the job's owner."""


class SchedulerUnavailable(SchedulerError):
    """The scheduler did not answer (daemon stopped, timeout, command missing)."""


class SubmitRefused(SchedulerError):
    """The scheduler answered and refused the job (policy, invalid request)."""


class SubmitUncertain(SchedulerError):
    """The request may have reached the scheduler, but no answer came back (the client timed out,
    the connection broke after sending): the job may exist. Never submit it again before the
    scheduler says it has no job with this spec's tag (``Scheduler.find``)."""


@dataclass(frozen=True)
class AccountTag:
    """Whose an account is, as the scheduler shows it: its ``Organization`` and ``Description``
    (Slurm stores both lowercased; so do the platform's tags)."""

    organization: str
    description: str


class ForeignAccount(SchedulerError):
    """The account exists but is not this platform installation's (another tag, or none): the
    platform changes nothing in it."""

    def __init__(self, account: str, found: AccountTag) -> None:
        super().__init__(
            f"Slurm account {account} exists but is not this platform's (organization "
            f"{found.organization!r}, description {found.description!r}): it is left as it is")
        self.account = account
        self.found = found


@dataclass(frozen=True)
class JobSpec:
    """What to run, as whom, on which account, with which resources.

    ``workdir`` is the job's own directory under the jobs root, made by the scheduler
    (``workdir.make_job_dir``) and given to ``uid``/``gid``: the job's output goes there
    (``output.txt``, or ``output-<task>.txt`` for each task of an array). Every resource is
    given here and passed to the scheduler explicitly (one node, one task, ``cpus`` CPUs,
    ``memory_mb`` of memory, ``gpus`` GPUs including none, the time limit, the partition, the
    array and its throttle: at most ``array_throttle`` tasks at a time, 0 for no limit).
    ``tag`` (``laif-<installation>-<job id>``) starts the job's name in the scheduler: how the
    platform finds a job whose submission it is not sure of."""

    name: str
    script: str
    account: str
    username: str
    uid: int
    gid: int
    workdir: Path
    gpus: int = 0
    time_limit_minutes: int = 60
    partition: str = ""
    array_size: int = 1
    env: Mapping[str, str] = field(default_factory=dict)
    cpus: int = 1
    memory_mb: int = 4096
    array_throttle: int = 0
    tag: str = ""


@dataclass(frozen=True)
class JobStatus:
    scheduler_id: str
    state: str
    reason: str = ""
    exit_code: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    energy_j: int | None = None  # measured by the executor (local runner, NVML); None: not

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class AccountUsage:
    """What the scheduler counts against an account's GPU-minute limit."""

    used_minutes: int  # recorded usage (finished runs and the elapsed part of running ones)
    running_minutes: int  # what its running jobs may still use (time left x GPUs)


class Scheduler(Protocol):
    name: str

    def submit(self, spec: JobSpec) -> str:
        """Submit the job; its id in the scheduler."""

    def ping(self) -> None:
        """Nothing when the scheduler answers; ``SchedulerUnavailable`` when it does not."""

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """The state of each job it knows among ``ids`` (unknown ids are left out)."""

    def cancel(self, scheduler_id: str) -> None:
        """Cancel a job (pending or running); cancelling a finished job does nothing."""

    def output(self, workdir: Path, *, uid: int, max_bytes: int = 1_000_000) -> JobOutput:
        """The job's output so far (the last ``max_bytes`` of it), from the files of the job's
        directory that are regular files owned by the uid the job ran as (``uid``: the
        submitter's cluster identity; the scheduler knows when it ran the job as another)."""

    def account_tag(self, account: str) -> AccountTag | None:
        """The account's tag, or None when there is no such account."""

    def set_account_tag(self, account: str, tag: AccountTag) -> None:
        """Tag an existing account (the adoption of an account of before the prefix)."""

    def ensure_account(self, account: str, gpu_minutes_limit: int, *, tag: AccountTag) -> bool:
        """Make the account exist with this GPU-minute limit, created with ``tag``; True if
        anything changed. ``ForeignAccount``, with nothing changed, when it exists with another
        tag."""

    def ensure_user(self, account: str, username: str) -> bool:
        """Associate the user with the account (under the budget QOS); True if anything changed."""

    def users(self, account: str) -> set[str]:
        """The users associated with the account."""

    def remove_user(self, account: str, username: str) -> bool:
        """End the user's association with the account (they left the project); True if it
        was removed, False if there was none. ``SchedulerError`` while they still have jobs
        there (the next reconciliation tries again)."""

    def find(self, spec: JobSpec, *, since: datetime | None = None) -> str | None:
        """The id of a job submitted earlier from this spec (its tag, or its name without one;
        the same account and user), submitted after ``since`` if given, if the scheduler has it:
        how a submission interrupted by a crash or a lost answer is recognised. ``None`` only when
        the scheduler answered and has no such job; ``SchedulerError`` when it did not answer."""

    def usage(self, account: str) -> AccountUsage | None:
        """What the scheduler counts against the account's limit, or None when it has no
        limits (the platform's pre-check is then the only gate)."""

    def accounting_json(self, start: datetime, end: datetime, accounts: Sequence[str]) -> bytes:
        """The raw ``sacct --json -X -D`` output of the runs on ``accounts`` that ended between
        ``start`` and ``end`` (the usage ledger's input); ``EMPTY_ACCOUNTING`` where there is no
        accounting, or no account."""


EMPTY_ACCOUNTING = (b'{"meta": {"plugin": {"type": "openapi/dbv0.0.38"}, '
                    b'"Slurm": {"release": "22.05.8"}}, "errors": [], "jobs": []}')
"""``sacct --json`` output without any job (a scheduler without accounting of its own)."""
