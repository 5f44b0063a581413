"""API schemas of the single point of entry (validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Id, NoNul, ShortText

Key = Annotated[str, Field(min_length=1, max_length=32), NoNul]
Description = Annotated[str, Field(min_length=1, max_length=3000), NoNul]
Comment = Annotated[str, Field(min_length=1, max_length=5000), NoNul]
Note = Annotated[str, Field(max_length=2000), NoNul]


class NeedIn(Schema):
    goal: Key = Field(description="One of the goals of catalogue/entry.json (e.g. train_model)")
    sector: Key
    data: list[Key] = Field(min_length=1, max_length=10, description="Kinds of data held")
    budget: Key
    timeline: Key


class IntakeIn(NeedIn):
    description: Description
    organisation: ShortText = ""
    language: Literal["en", "fr", "de"] = "en"


class MatchOut(Schema):
    rule: str = Field(description="The catalogue rule that made this routing")
    service: str
    pillar: str
    next_step: str
    because: str = Field(description="The rule's reason, in the request's language")


class ClassifyOut(Schema):
    rules_version: int
    matches: list[MatchOut]
    next_steps: list[str]
    response_working_days: int


class EventOut(Schema):
    at: datetime
    kind: str
    public: bool
    text: str
    actor: str


class IntakeOut(Schema):
    id: int
    created_at: datetime
    status: str = Field(description="unverified, new, triaged, in_progress or closed")
    goal: str
    sector: str
    data: list[str]
    budget: str
    timeline: str
    language: str
    description: str
    organisation: str
    contact_name: str
    email: str
    rules_version: int
    matches: list[MatchOut]
    owner: str | None
    respond_by: datetime | None = Field(description="The response time target")
    responded_at: datetime | None
    overdue: bool
    outcome: str = Field(description="'', gpu_request or referral")
    referral_service: str
    events: list[EventOut] = Field(description="The history (internal notes for staff only)")


class AssignIn(Schema):
    owner_id: Id | None = None


class StatusIn(Schema):
    status: Literal["new", "triaged", "in_progress", "closed"]


class CommentIn(Schema):
    text: Comment
    public: bool = False


class ReplyIn(Schema):
    text: Comment


class OutcomeIn(Schema):
    outcome: Literal["gpu_request", "referral"]
    service: Key | Literal[""] = ""
    note: Note = ""


class InboxFilter(Schema):
    status: Literal["new", "triaged", "in_progress", "closed"] | None = None
    mine: bool = False
    overdue: bool = False
