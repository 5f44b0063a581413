"""An in-memory scheduler for unit tests: records what it is asked, and can be made unavailable
or refusing, or lose its answer to a submission (``lose_answer``: "accepted" keeps the job,
"dropped" does not; either way ``submit`` raises ``SubmitUncertain``, as sbatch does when it times
out). ``set_state`` moves a job along as a test needs. Its accounts carry tags like Slurm's
(``FakeAccount.tag``; an account someone else made has another one), and its accounting is
``accounting_data`` filtered by account, as ``sacct -A`` does."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from laif.cluster.scheduler.base import (
    CANCELLED,
    EMPTY_ACCOUNTING,
    FINISHED,
    PENDING,
    AccountTag,
    AccountUsage,
    ForeignAccount,
    JobSpec,
    JobStatus,
    SchedulerError,
    SchedulerUnavailable,
    SubmitRefused,
    SubmitUncertain,
)
from laif.cluster.scheduler.output import JobOutput, read_output

UNTAGGED = AccountTag("", "")
"""The tag of an account made without one."""


@dataclass
class FakeAccount:
    gpu_minutes_limit: int
    users: set[str] = field(default_factory=set)
    used: int = 0
    running: int = 0
    tag: AccountTag = UNTAGGED


class FakeScheduler:
    name = "fake"

    def __init__(self) -> None:
        self.available = True
        self.refuse: str = ""
        self.lose_answer: str = ""  # "", "accepted" or "dropped"
        self.submitted: list[JobSpec] = []
        self.jobs: dict[str, JobStatus] = {}
        self.specs: dict[str, JobSpec] = {}
        self.accounts: dict[str, FakeAccount] = {}
        self.calls: list[str] = []
        self._next = 1000

    def _check(self, call: str) -> None:
        self.calls.append(call)
        if not self.available:
            raise SchedulerUnavailable("the fake scheduler is down")

    def submit(self, spec: JobSpec) -> str:
        self._check("submit")
        if self.refuse:
            raise SubmitRefused(self.refuse)
        if self.lose_answer == "dropped":
            raise SubmitUncertain("the fake scheduler did not answer (request lost)")
        self._next += 1
        job_id = str(self._next)
        self.submitted.append(spec)
        self.specs[job_id] = spec
        self.jobs[job_id] = JobStatus(scheduler_id=job_id, state=PENDING, reason="Priority")
        if self.lose_answer == "accepted":
            raise SubmitUncertain("the fake scheduler did not answer (job accepted)")
        return job_id

    def ping(self) -> None:
        self._check("ping")

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        self._check("status")
        return {i: self.jobs[i] for i in ids if i in self.jobs}

    def set_state(self, scheduler_id: str, **changes: object) -> None:
        self.jobs[scheduler_id] = replace(self.jobs[scheduler_id], **changes)  # type: ignore[arg-type]

    def cancel(self, scheduler_id: str) -> None:
        self._check("cancel")
        job = self.jobs.get(scheduler_id)
        if job is not None and job.state not in FINISHED:
            self.jobs[scheduler_id] = replace(job, state=CANCELLED, reason="")

    def output(self, workdir: Path, *, uid: int, max_bytes: int = 1_000_000) -> JobOutput:
        """Its jobs run nowhere: the files a test wrote as itself are the job's."""
        return read_output(workdir, uid=os.geteuid(), max_bytes=max_bytes)

    def account_tag(self, account: str) -> AccountTag | None:
        self._check("account_tag")
        found = self.accounts.get(account)
        return found.tag if found is not None else None

    def set_account_tag(self, account: str, tag: AccountTag) -> None:
        self._check("set_account_tag")
        self.accounts[account].tag = tag

    def ensure_account(self, account: str, gpu_minutes_limit: int, *, tag: AccountTag) -> bool:
        self._check("ensure_account")
        current = self.accounts.get(account)
        if current is None:
            self.accounts[account] = FakeAccount(gpu_minutes_limit, tag=tag)
            return True
        if current.tag != tag:
            raise ForeignAccount(account, current.tag)
        if current.gpu_minutes_limit != gpu_minutes_limit:
            current.gpu_minutes_limit = gpu_minutes_limit
            return True
        return False

    def ensure_user(self, account: str, username: str) -> bool:
        self._check("ensure_user")
        users = self.accounts[account].users
        if username in users:
            return False
        users.add(username)
        return True

    def users(self, account: str) -> set[str]:
        self._check("users")
        found = self.accounts.get(account)
        return set(found.users) if found is not None else set()

    def remove_user(self, account: str, username: str) -> bool:
        self._check("remove_user")
        found = self.accounts.get(account)
        if found is None or username not in found.users:
            return False
        if any(spec.account == account and spec.username == username
               and self.jobs[job_id].state not in FINISHED
               for job_id, spec in self.specs.items()):
            raise SchedulerError(f"{username} still has jobs on {account}")
        found.users.discard(username)
        return True

    def find(self, spec: JobSpec, *, since: datetime | None = None) -> str | None:
        self._check("find")
        for job_id, known in self.specs.items():
            same = known.tag == spec.tag if spec.tag else known.name == spec.name
            if same and known.account == spec.account and known.username == spec.username:
                return job_id
        return None

    def usage(self, account: str) -> AccountUsage | None:
        self._check("usage")
        found = self.accounts.get(account)
        if found is None:
            return AccountUsage(used_minutes=0, running_minutes=0)
        return AccountUsage(used_minutes=found.used, running_minutes=found.running)

    accounting_data: bytes = EMPTY_ACCOUNTING
    accounting_windows: tuple[tuple[datetime, datetime], ...] = ()
    accounting_accounts: tuple[tuple[str, ...], ...] = ()

    def accounting_json(self, start: datetime, end: datetime, accounts: Sequence[str]) -> bytes:
        """``accounting_data``'s jobs on ``accounts`` (every window: the test chooses the data)."""
        self._check("accounting_json")
        self.accounting_windows = (*self.accounting_windows, (start, end))
        self.accounting_accounts = (*self.accounting_accounts, tuple(accounts))
        if not accounts:
            return EMPTY_ACCOUNTING
        document = json.loads(self.accounting_data)
        wanted = {a.lower() for a in accounts}
        document["jobs"] = [job for job in document.get("jobs") or []
                            if str(job.get("account", "")).lower() in wanted]
        return json.dumps(document).encode()
