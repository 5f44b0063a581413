"""API schemas of Connect (validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Email, Id, NoNul

Need = Annotated[str, Field(min_length=1, max_length=2000), NoNul]
Text = Annotated[str, Field(max_length=2000), NoNul]
Key = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_-]+$"), NoNul]
Phone = Annotated[str, Field(max_length=40), NoNul]


class MatchIn(Schema):
    need: Need = Field(description="The need in English, French or German")
    sector: Key | None = None
    language: Annotated[str, Field(pattern=r"^(en|fr|de)$")] | None = Field(
        None, description="The need's language (detected when left out)")
    limit: Annotated[int, Field(ge=1, le=30)] = 10


class Competence(Schema):
    key: str
    label: str


class ExpertOut(Schema):
    key: str
    name: str
    partner: str
    partner_name: str
    description: str
    competences: list[Competence]
    sectors: list[str]
    languages: list[str]
    source: str
    verified: bool


class MatchOut(Schema):
    rank: int
    score: float
    expert: ExpertOut
    matched_competences: list[Competence]
    matched_terms: list[str]
    sector_match: bool
    language: str


class IntroductionIn(Schema):
    expert_key: Key
    need: Need
    sector: Key | None = None
    message: Text = ""


class DecisionIn(Schema):
    accept: bool
    answer: Text = ""


class ContactOut(Schema):
    name: str
    email: str
    phone: str


class IntroductionOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    expert_key: str
    expert: str
    need: str
    sector: str
    language: str
    competences: list[str]
    message: str
    status: str
    answer: str
    created_at: datetime
    decided_at: datetime | None
    contacts: list[ContactOut] = Field(description="The expert's people: once accepted")
    requester_email: str = Field(description="To the expert: once accepted")


class ContactIn(Schema):
    expert_key: Key
    email: Email
    phone: Phone = ""


class ContactAddedOut(Schema):
    id: Id
    expert_key: str
    email: str
