"""API schemas of the AI Factories network (validation only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Email, Name, NoNul, ShortText

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$"),
                NoNul]
AnswerKey = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$"), NoNul]
Capabilities = Annotated[list[Key], Field(max_length=20)]
Need = Annotated[str, Field(min_length=1, max_length=2500), NoNul]
Note = Annotated[str, Field(max_length=2000), NoNul]
Reference = Annotated[str, Field(max_length=100), NoNul]
Language = Annotated[str, Field(pattern=r"^(en|fr|de)$")]


# ------------------------------------------------------------------------------ the catalogue


class SourceOut(Schema):
    url: str
    title: str


class ClaimOut(Schema):
    """One fact about a factory: a capability, access mode or sector, with its source; not
    ``verified`` when it was not read there (``note`` says where it comes from)."""

    key: str
    label: str
    verified: bool
    note: str
    source: SourceOut


class ServiceOut(ClaimOut):
    status: str


class SystemOut(Schema):
    name: str
    status: str
    verified: bool
    note: str
    source: SourceOut
    capabilities: list[ClaimOut]


class FactoryOut(Schema):
    key: str
    name: str
    country: str
    site: str
    host: str
    website: str
    selected: date
    local: bool
    verified: bool
    note: str
    source: SourceOut
    more_sources: list[SourceOut]
    systems: list[SystemOut]
    services: list[ServiceOut]
    access: list[ClaimOut]
    sectors: list[ClaimOut]
    capabilities: list[str] = Field(description="Everything it offers, in operation or planned")
    operational_capabilities: list[str]


class FactoryQuery(Schema):
    capability: Key | None = Field(None, description="Only the factories offering it")


class CapabilityQuery(Schema):
    capability: Capabilities = Field(default_factory=list,
                                     description="The capabilities a request needs")


class CapabilityOut(Schema):
    key: str
    label: str


class OfferOut(Schema):
    factory: str
    name: str
    offers: list[str]
    operational: list[str]
    verified: list[str]


class CapabilityCheckOut(Schema):
    required: list[CapabilityOut]
    local: list[str] = Field(description="Required and offered by the local factory")
    missing_locally: list[str]
    offering: list[OfferOut] = Field(description="Other factories offering what the local "
                                     "factory lacks, best first")
    nowhere: list[str] = Field(description="Missing locally and offered by no factory of the "
                               "network")


# ------------------------------------------------------------------------------ referrals


class OutgoingIn(Schema):
    factory: Key
    capabilities: Capabilities = Field(min_length=1)
    note: Note = ""


class IncomingIn(Schema):
    factory: Key = Field(description="The factory that refers the request to us")
    capabilities: Capabilities = Field(default_factory=list,
                                       description="Capabilities of ours they come for")
    organisation_name: ShortText = ""
    contact_name: Name
    email: Email
    need: Need
    sector: AnswerKey = Field(description="The single point of entry's sectors")
    data_kinds: list[AnswerKey] = Field(min_length=1, max_length=10,
                                        description="The single point of entry's kinds of data")
    timeline: AnswerKey
    budget: AnswerKey = "unknown"
    language: Language = "en"
    reference: Reference = Field("", description="The referring factory's reference")
    note: Note = ""


class StatusIn(Schema):
    status: Key
    note: Note = ""
    reference: Reference | None = Field(None, description="The other factory's reference")


class ReferralQuery(Schema):
    direction: Annotated[str, Field(pattern=r"^(outgoing|incoming)$")] | None = None
    status: Key | None = None
    factory: Key | None = None


class IntakeSummaryOut(Schema):
    id: int
    status: str
    status_label: str
    who: str
    goal: str
    outcome: str
    created_at: datetime
    confirmed: bool


class EventOut(Schema):
    at: datetime
    kind: str
    kind_label: str
    actor: str | None
    from_status: str
    to_status: str
    text: str


class ReferralOut(Schema):
    id: int
    direction: str
    direction_label: str
    factory: str
    factory_name: str
    capabilities: list[CapabilityOut]
    status: str
    status_label: str
    intake_id: int | None
    organisation_name: str
    contact_name: str
    email: str
    need: str
    sector: str
    data_kinds: list[str]
    budget: str
    timeline: str
    language: str
    reference: str
    notes: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class ReferralDetailOut(ReferralOut):
    intake: IntakeSummaryOut | None
    next_statuses: list[str] = Field(description="Where a change of status may take it now")
    can_convert: bool
    events: list[EventOut]
