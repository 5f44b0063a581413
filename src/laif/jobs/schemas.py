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
