"""API schemas of the compute context (validation only; the rules are in the services)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.allocations.awards import MAX_AWARDS
from laif.config.apitypes import INT32_MAX, LongText, Name, NoNul, ShortText
from laif.usage.schemas import BalanceFiguresOut

GpuHours = Annotated[int, Field(ge=1, le=INT32_MAX)]
AccessKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
AwardReference = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$")]
ProjectCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
# Award dates are checked again (range, order) by laif.allocations.awards.
AwardDate = Annotated[date, Field(ge=date(2020, 1, 1), le=date(2100, 12, 31))]
ChangeDate = Annotated[date, Field(ge=date(2020, 1, 1), le=date(2100, 12, 31))]
Text = Annotated[str, Field(min_length=1, max_length=5000), NoNul]
Sensitivity = Literal["public", "internal", "confidential", "personal"]
StatusName = Literal["submitted", "changes_requested", "approved", "rejected", "withdrawn"]


class PartitionOut(Schema):
    name: str
    purpose: str
    nodes: int
    gpus_per_node: int
    gpus: int
    gpu_model: str
    gpu_memory_gb: int
    max_walltime_hours: int
    announced: bool = Field(description="True when the figures come only from the public "
                            "announcement, not verified with the operator of the machine.")
    note: str


class AccessTypeOut(Schema):
    key: str
    title: str
    summary: str
    max_gpu_hours: int
    max_duration_months: int


class PolicyOut(Schema):
    period_months: int
    first_period_start: date
    pool_shares_percent: dict[str, int]
    overbooking_factor: str


class ClusterOut(Schema):
    name: str
    operator: str
    location: str
    version: int
    effective_date: date
    source: str
    total_gpus: int
    announced: bool
    partitions: list[PartitionOut]
    access_types: list[AccessTypeOut]
    policy: PolicyOut


class RequestIn(Schema):
    title: Name
    access_type: AccessKey
    requested_gpu_hours: GpuHours
    justification: Text
    expected_outputs: Text
    data_sensitivity: Sensitivity


class SubmitIn(RequestIn):
    period: Literal["current", "next"] = "current"


class ReviewIn(Schema):
    decision: Literal["approve", "reject", "request_changes"]
    gpu_hours: GpuHours | None = Field(
        default=None, description="Approve: the GPU-hours granted (at most those requested; "
        "all of them when omitted).")
    comment: LongText = ""


class ChangeIn(Schema):
    kind: Literal["renewal", "extension", "top_up"]
    justification: Text
    expected_outputs: LongText = Field(
        default="", description="Left empty: those of the allocation's request are kept.")
    gpu_hours: Annotated[int, Field(ge=0, le=INT32_MAX)] = Field(
        default=0, description="Renewal: the GPU-hours of the new allocation; top-up: the "
        "GPU-hours to add; ignored for an extension.")
    end: ChangeDate | None = Field(default=None, description="Extension: the new end date.")
    title: Annotated[str, Field(max_length=200), NoNul] = Field(
        default="", description="Renewal only; left empty, the allocation's title is kept.")
    access_type: AccessKey | Literal[""] = Field(
        default="", description="Renewal only; left empty, the allocation's is kept.")


class EventOut(Schema):
    at: datetime
    actor: str
    decision: str
    gpu_hours: int | None
    comment: str


class AllocationOut(Schema):
    id: int
    project_id: int
    project_code: str
    pool: str
    period_start: date
    period_end: date
    access_type: str
    title: str
    granted_gpu_hours: int
    start: date
    end: date
    state: str
    request_id: int | None
    eurohpc_reference: str | None
    renews_id: int | None
    balance: BalanceFiguresOut


class ChangeOut(Schema):
    kind: str
    at: datetime
    by: str
    request_id: int
    gpu_hours_before: int
    gpu_hours_after: int
    end_before: date
    end_after: date


class RequestOut(Schema):
    id: int
    project_id: int
    project_code: str
    project_name: str
    organisation_name: str
    period_start: date
    period_end: date
    pool: str
    title: str
    access_type: str
    requested_gpu_hours: int
    justification: str
    expected_outputs: str
    data_sensitivity: str
    status: str
    kind: str
    amends_id: int | None
    requested_end: date | None
    submitted_by: str
    created_at: datetime
    updated_at: datetime


class RequestDetailOut(RequestOut):
    events: list[EventOut]
    allocation: AllocationOut | None


class AllocationDetailOut(AllocationOut):
    changes: list[ChangeOut] = Field(description="Approved top-ups and extensions, oldest first.")
    change_requests: list[RequestOut] = Field(description="Renewal, extension and top-up "
                                              "requests on this allocation, newest first.")
    renewed_by_id: int | None


class PoolOut(Schema):
    id: int
    kind: str
    period_id: int
    period_start: date
    period_end: date
    share_percent: int
    capacity_gpu_hours: int
    overbooking_factor: str
    ceiling_gpu_hours: int = Field(description="capacity x overbooking: the most that can be "
                                   "granted")
    granted_gpu_hours: int
    consumed_gpu_hours: int = Field(description="0 until the cluster's usage records are "
                                    "collected")
    left_gpu_hours: int
    pending_gpu_hours: int = Field(description="asked for in requests awaiting review")
    allocations: int


class AwardIn(Schema):
    reference: AwardReference
    project: ProjectCode
    gpu_hours: GpuHours
    start: AwardDate
    end: AwardDate
    access_type: AccessKey
    title: ShortText = ""


class AwardsIn(Schema):
    awards: list[AwardIn] = Field(min_length=1, max_length=MAX_AWARDS)


class ImportOut(Schema):
    created: list[AllocationOut]
    unchanged: list[str]


# ---------------------------------------------------------------- jobs

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
