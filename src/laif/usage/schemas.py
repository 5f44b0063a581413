"""Schemas of the usage ledger's endpoints (bounded integers, NUL-free strings)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from laif.usage.budget import Balance

Month = Annotated[str, Field(pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])$",
                             description="a month, YYYY-MM")]


class BalanceFiguresOut(Schema):
    """An allocation's balance (``usage.balance``): the figures every page, the CLI and the
    job pre-check use, in GPU-hours (two decimals) and in whole GPU-minutes."""

    granted_gpu_hours: int
    used_gpu_hours: str = Field(description="The ledger's usage charged to the allocation, and "
                                "its jobs finished since the last ingestion.")
    reserved_gpu_hours: str = Field(description="Worst case of its unfinished jobs.")
    left_gpu_hours: str = Field(description="Granted - used - reserved (negative when over).")
    granted_gpu_minutes: int
    used_gpu_minutes: int
    reserved_gpu_minutes: int
    left_gpu_minutes: int


def balance_fields(b: Balance) -> dict[str, Any]:
    """The fields of ``BalanceFiguresOut`` for a balance."""
    return {"granted_gpu_hours": b.granted // 60, "used_gpu_hours": str(b.used_hours),
            "reserved_gpu_hours": str(b.reserved_hours), "left_gpu_hours": str(b.left_hours),
            "granted_gpu_minutes": b.granted, "used_gpu_minutes": b.used,
            "reserved_gpu_minutes": b.reserved, "left_gpu_minutes": b.left}


class UsageOut(Schema):
    gpu_seconds: int
    cpu_seconds: int
    gpu_hours: str
    cpu_hours: str
    energy_j: int | None = Field(description="joules over the entries that reported energy; "
                                             "null: not reported (never 0 for that)")
    energy_unreported: int = Field(description="entries without energy")
    entries: int


class MonthUsageOut(UsageOut):
    month: date


class MemberUsageOut(UsageOut):
    user_id: int | None
    email: str


class ProjectRowOut(UsageOut):
    project_id: int | None
    project_code: str


class BalanceOut(BalanceFiguresOut):
    """An allocation's balance: the figures the pages, the CLI and the job pre-check use."""

    allocation_id: int
    pool: str
    start: date
    end: date


class ProjectUsageOut(Schema):
    project_id: int
    project_code: str
    total: UsageOut
    by_month: list[MonthUsageOut]
    by_member: list[MemberUsageOut]
    balances: list[BalanceOut]


class OrganisationUsageOut(Schema):
    organisation_id: int
    total: UsageOut
    by_month: list[MonthUsageOut]
    by_project: list[ProjectRowOut]


class IngestOut(Schema):
    run_id: int
    records_read: int
    records_new: int
    entries_new: int
