"""API schemas of funding (validation only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

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
    limited_by: str = Field(description="'' or 'cap' ('de_minimis' on claims computed before "
                                        "claims stopped being trimmed to the ceiling)")
    de_minimis_left_cents: int = Field(
        description="The headroom under the de minimis ceiling when the claim was computed")
    over_de_minimis_cents: int = Field(
        description="How far the claim, while pending, goes past today's de minimis headroom "
                    "(the other pending claims and the aid recorded counted): that much cannot "
                    "be granted under de minimis; the factory grants a reduced amount or "
                    "refuses")
    reduced_from_cents: int | None = Field(
        description="A reduced grant: the amount claimed before the factory's decision")
    reduction_reason: str
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
    paid_on: date | None = Field(default=None, ge=date(2020, 1, 1), le=date(2100, 12, 31),
                                 description="The payment's date (default today): between the "
                                             "claim's submission and today")
    reduced_to_cents: int | None = Field(
        default=None, ge=1, le=10**15 - 1,
        description="Only when the full amount does not fit under the de minimis ceiling: the "
                    "reduced amount the factory decided to grant (at most the headroom)")
    reduction_reason: Annotated[str, Field(max_length=1000), NoNul] = ""


LegalBasisName = Literal["de_minimis", "block_exemption", "other"]


class AidIn(Schema):
    amount_cents: int = Field(ge=1, le=10**15 - 1)
    granted_on: date = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31),
                             description="The date the legal right to the aid was conferred "
                                         "(not the payment date)")
    legal_basis: LegalBasisName = "de_minimis"
    source: Annotated[str, Field(min_length=1, max_length=300), NoNul] = Field(
        description="The granting authority and its reference")
    recipient: Annotated[str, Field(max_length=200), NoNul] = Field(
        default="", description="A linked enterprise that received it ('' : the organisation)")


class AidOut(Schema):
    id: int
    amount_cents: int
    granted_on: date
    paid_on: date | None
    legal_basis: str
    instrument: str
    source: str
    recipient: str
    claim_id: int | None


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


class FundingCheckIn(Schema):
    costs_eur: int = Field(ge=0, le=10**12, description="The project's eligible costs")
    compute_eur: int = Field(default=0, ge=0, le=10**12,
                             description="Of which compute on MeluXina-AI")
    start_on: date = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31),
                           description="When the work would start")
    apply_on: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31),
                                  description="When the application would be made (today)")


class ReasonOut(Schema):
    code: str
    text: str


class InstrumentCheckOut(Schema):
    code: str
    name: str
    provider: str
    outcome: str = Field(description="eligible, not_eligible or to_check")
    amount_cents: int | None
    to_confirm: bool = Field(description="Figures known only from the factory's announcement")
    reasons: list[ReasonOut]
    source: str


class FundingCheckOut(Schema):
    sme_class: str = Field(description="The verified SME status used ('' when none)")
    sme_year: int | None
    kind: str
    de_minimis_headroom_cents: int
    warnings: list[ReasonOut]
    instruments: list[InstrumentCheckOut]
    catalogue_retrieved: date


Title = Annotated[str, Field(min_length=1, max_length=200), NoNul]
Code = Annotated[str, Field(min_length=1, max_length=40), NoNul]
Cents = Annotated[int, Field(ge=1, le=10**13 - 1)]


class ApplicationIn(Schema):
    instrument: Code = Field(description="An instrument code of catalogue/funding.json")
    title: Title
    amount_cents: Cents


class GrantIn(Schema):
    granted_cents: Cents
    granted_on: date = Field(description="The date the legal right is conferred")
    legal_basis: Literal["de_minimis", "block_exemption", "other"]
    reference: Annotated[str, Field(min_length=1, max_length=200), NoNul]
    reduction_reason: Annotated[str, Field(max_length=1000), NoNul] = ""


class ApplicationOut(Schema):
    id: int
    organisation_id: int
    instrument: str
    title: str
    amount_cents: int
    state: str = Field(description="draft, submitted, granted or refused")
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    granted_cents: int | None
    decision_note: str = Field(description="Why less was granted, or why it was refused")
    aid_id: int | None = Field(description="The aid record of a grant (de minimis counted)")


class InstrumentOut(Schema):
    code: str
    name: str
    provider: str
    status: str = Field(description="verified, or as_announced (shown as 'to confirm')")
    effective_from: date
    kind: str
    rate_percent: int | None
    caps_eur: dict[str, int]
    eligible_sme_classes: list[str]
    eligible_kinds: list[str]
    source: str


class InstrumentVersionIn(Schema):
    effective_from: date
    note: Annotated[str, Field(min_length=1, max_length=300), NoNul]
    instrument: dict[str, Any] = Field(
        description="The instrument in catalogue/funding.json's format (code and date are "
                    "taken from the path and effective_from)")
