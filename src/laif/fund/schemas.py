"""API schemas of funding (validation only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import NoNul

Reference = Annotated[str, Field(max_length=100), NoNul]
Reason = Annotated[str, Field(min_length=1, max_length=1000), NoNul]


class ClaimOut(Schema):
    id: int
    organisation_id: int
    statement_id: int
    month: date
    state: str = Field(description="computed, submitted, paid or refused")
    statement_total_cents: int = Field(description="The statement's full price")
    credited_cents: int
    eligible_cents: int
    rate_percent: int
    gross_cents: int
    amount_cents: int = Field(description="The reimbursement claimed")
    limited_by: str = Field(description="'', 'cap' or 'de_minimis'")
    computed_at: datetime
    submitted_at: datetime | None
    paid_at: datetime | None
    payment_reference: str
    refused_at: datetime | None
    refusal_reason: str = Field(description="The funding body's reason, for a refused claim")
    credited_since_cents: int = Field(
        description="Credited on the statement by credit notes issued after the claim was "
                    "computed: its eligible amount is that much too high (a computed claim is "
                    "then computed again before it can be submitted)")


class PaidIn(Schema):
    payment_reference: Reference = ""
    paid_on: date | None = Field(default=None, ge=date(2020, 1, 1), le=date(2100, 12, 31))


class RefuseIn(Schema):
    reason: Reason = Field(description="The funding body's reason (at most 1000 characters)")


class DeMinimisOut(Schema):
    on: date
    since: date
    ceiling_cents: int
    received_cents: int
    pending_cents: int
    left_cents: int
    source: str
