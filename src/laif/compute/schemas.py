"""API schemas of the compute context (validation only; the rules are in the services)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.allocations.awards import MAX_AWARDS
from laif.catalogue.cluster import MAX_PERIOD_MONTHS
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
    requested_months: Annotated[int, Field(ge=1, le=MAX_PERIOD_MONTHS)] | None = Field(
        None, description="How long the project needs the GPU-hours. Longer than the access "
        "type's maximum, or than the period leaves, is refused (400); left out: as long as the "
        "access type allows, within the period.")
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
    requested_months: int | None
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
