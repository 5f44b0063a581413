"""API schemas of the AI maturity check (validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import NoNul

Key = Annotated[str, Field(min_length=1, max_length=40), NoNul]


class OptionOut(Schema):
    key: str
    points: int
    text: str


class QuestionOut(Schema):
    key: str
    text: str
    options: list[OptionOut]


class DimensionOut(Schema):
    key: str
    title: str
    questions: list[QuestionOut]


class LevelOut(Schema):
    level: int
    starts_at: int = Field(description="The overall score from which the level is reached")
    title: str
    summary: str


class QuestionnaireOut(Schema):
    version: int
    source: str
    levels: list[LevelOut]
    dimensions: list[DimensionOut]


class AssessmentIn(Schema):
    answers: dict[Key, Key] = Field(max_length=200,
                                    description="Question key -> answer key, every question")


class DriverOut(Schema):
    question: str
    answer: str
    points: int
    max_points: int


class ScoreOut(Schema):
    dimension: str
    score: int = Field(description="0-100")
    drivers: list[DriverOut] = Field(description="The answers of the dimension, weakest first")


class AssessmentOut(Schema):
    id: int
    organisation_id: int
    taken_at: datetime
    version: int
    overall: int
    level: int
    scores: list[ScoreOut]


class BenchmarkOut(Schema):
    sector: str
    shown: bool = Field(description="False until at least five other organisations of the "
                                    "sector contribute")
    others: int
    published_at: datetime | None
    values: dict[str, int | None] = Field(
        description="Per dimension the mean of the others, rounded to 10; null where one "
                    "organisation could move it")


Title = Annotated[str, Field(min_length=1, max_length=200), NoNul]
Objective = Annotated[str, Field(min_length=1, max_length=2000), NoNul]
Kpi = Annotated[str, Field(min_length=1, max_length=300), NoNul]
Prerequisites = Annotated[str, Field(max_length=4000), NoNul]


class UseCaseIn(Schema):
    title: Title = Field(description="e.g. Computer vision for quality control on line 3")
    objective: Objective
    kpi: Kpi = Field(description="The indicator the use case moves")
    roi_percent: Annotated[int, Field(ge=0, le=1000)] | None = None
    horizon_months: Annotated[int, Field(ge=1, le=60)] = 12
    prerequisites: Prerequisites = ""
    services: list[Key] = Field(default=[], max_length=20,
                                description="Service keys of catalogue/entry.json")
    funding: list[Key] = Field(default=[], max_length=20,
                               description="Instrument codes of catalogue/funding.json")
    gpu_hours: Annotated[int, Field(ge=1, le=10_000_000)] | None = None


class UseCaseOut(UseCaseIn):
    id: int
    position: int


class RoadmapOut(Schema):
    organisation_id: int
    exists: bool
    assessment_id: int | None = Field(description="The maturity check the draft started from")
    updated_at: datetime | None
    prerequisites_from_check: list[str] = Field(
        description="What the latest check asks first, weakest dimension first")
    use_cases: list[UseCaseOut]
