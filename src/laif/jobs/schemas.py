"""API schemas of jobs (validation only; the rules are in the services)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import NoNul

JobStateName = Literal["queued", "submitting", "confirming", "pending", "running", "completed",
                       "failed", "cancelled", "timeout", "refused", "unknown", "lost"]
TemplateKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PartitionName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


JobName = Annotated[str, Field(min_length=1, max_length=100), NoNul]


class JobIn(Schema):
    name: JobName
    template: TemplateKey | None = None
    script: Annotated[str, Field(max_length=100_000), NoNul] = ""
    gpus: Annotated[int, Field(ge=0, le=64)] | None = None
    time_limit_minutes: Annotated[int, Field(ge=1, le=100_000)] | None = None
    partition: PartitionName | None = None
    array_size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    array_throttle: Annotated[int, Field(
        ge=0, le=100_000, description="At most this many tasks of the array at a time (0: no "
        "limit); the budget still counts every task.")] | None = None


class JobOut(Schema):
    id: int
    project_id: int
    project_code: str
    name: str
    template: str
    gpus: int
    time_limit_minutes: int
    partition: str
    array_size: int
    array_throttle: int = Field(description="Tasks of the array at a time (0: no limit).")
    worst_case_gpu_minutes: int
    state: str
    scheduler: str
    scheduler_id: str
    reason: str = Field(description="The scheduler's own pending reason code.")
    reason_text: str = Field(description="Why the job waits, in plain words.")
    queued_reason: str = Field(description="Why the platform still holds the job (queued, or "
                               "confirming: the scheduler's answer to its submission was lost).")
    submit_attempts: int = Field(description="Attempts to submit it so far.")
    next_attempt_at: datetime | None = Field(
        description="When the platform next tries to submit it (queued) or to confirm that the "
        "scheduler received it (confirming).")
    submitted_by: str
    created_at: datetime
    submitted_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    exit_code: int | None
    state_checked_at: datetime | None = Field(
        description="When the state was last read from the scheduler (null: never; an "
        "unfinished job's state may be older when the scheduler does not answer).")


class JobDetailOut(JobOut):
    script: str


class JobSubmittedOut(JobDetailOut):
    notes: list[str] = Field(description="What the platform changed in the submission, e.g. "
                             "a script's Windows line endings made Unix ones.")


class JobLogOut(Schema):
    id: int
    state: str
    output: str
    truncated: bool = Field(description="Earlier output was left out (the last megabyte shown).")
    notes: list[str] = Field(description="What was not shown and why, in plain words.")


class JobTemplateOut(Schema):
    key: str
    title: str
    gpus: int
    time_limit_minutes: int
    array_size: int
    array_throttle: int
    script: str


class RunOut(Schema):
    """One run of a project: from the cluster's accounting (``recorded``) or, until it is
    recorded, the platform's job."""

    scheduler_id: str = Field(description="The id in squeue and sacct (an array's task: "
                              "`1234_7`); empty for a job the scheduler never received.")
    job_id: int | None = Field(description="The platform's job, when it was submitted through "
                               "the platform (null: over SSH).")
    name: str
    state: str = Field(description="The platform's state, or Slurm's for a recorded run.")
    outcome: Literal["active", "completed", "failed", "cancelled"]
    submitted_by: str = Field(description="The person's e-mail, or the cluster login the "
                              "accounting gives when it names no person of the platform.")
    submitted_at: datetime
    started_at: datetime | None
    elapsed_s: int | None = Field(description="Run time so far or in all, in seconds.")
    gpu_seconds: int | None = Field(description="From the accounting when `recorded`, else the "
                                    "platform's own count of a finished job; null while it "
                                    "runs.")
    recorded: bool
    cost_cents: int | None = Field(description="At the price of each month it ran in, before "
                                   "cashback; recorded runs only.")


class RunsPageOut(Schema):
    count: int
    page: int
    pages: int
    runs: list[RunOut]
