"""API schemas of statements and credit notes (validation only; rules are in the services)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Id, NoNul

Month = Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
                             description="A calendar month, YYYY-MM")]
Cents = Annotated[int, Field(ge=1, le=10**13, description="Euro cents")]
Reason = Annotated[str, Field(min_length=1, max_length=2000), NoNul]


class StatementLineOut(Schema):
    id: int | None = None
    project_id: int | None
    project: str
    user_id: int | None
    member: str
    partition: str
    resource: str = Field(description="gpu (GPU-hours) or cpu (CPU-hours)")
    usage_month: date
    is_adjustment: bool = Field(description="Usage of an earlier, already issued month")
    seconds: int
    hours: str
    unit_price_eur: str
    amount_cents: int
    entries: int = Field(description="Ledger entries this line bills")
    energy_j: int | None = Field(description="Null: not reported by the scheduler (never 0)")
    credited_cents: int = 0


class StatementOut(Schema):
    id: int | None = Field(description="Null for a draft (not issued)")
    organisation_id: int
    month: date
    number: str
    issued: bool
    issued_at: datetime | None
    currency: str = "EUR"
    usage_cents: int
    adjustment_cents: int
    total_cents: int = Field(description="Full price: the cashback is a separate claim")
    credited_cents: int = 0
    entries: int
    energy_j: int | None
    energy_unreported: int
    price_assumption: bool


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]


class StatementIssueIn(Schema):
    month: Month


class LedgerEntryOut(Schema):
    id: int
    month: date
    cluster: str
    job_id: int
    submit_time: datetime
    end_time: datetime
    partition: str
    gpu_seconds: int
    cpu_seconds: int
    energy_j: int | None


class CreditIn(Schema):
    line_id: Id
    amount_cents: Cents


class CreditNoteIn(Schema):
    reason: Reason
    lines: list[CreditIn] = Field(min_length=1, max_length=1000)


class CreditNoteLineOut(Schema):
    line_id: int
    amount_cents: int


class CreditNoteOut(Schema):
    id: int
    number: str
    statement_id: int
    reason: str
    total_cents: int
    issued_at: datetime
    lines: list[CreditNoteLineOut]


