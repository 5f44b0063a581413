"""The energy and carbon report in the API: figures as decimal strings (kWh, kg CO2e, factors),
so that no binary float rounds them on the way."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from laif.config.apitypes import ShortText

Year = Annotated[int, Field(ge=2020, le=2100, description="a calendar year")]
Language = Literal["en", "fr"]


class FiguresOut(Schema):
    runs_measured: int = Field(description="ledger entries (a run's part in a month) with "
                               "energy measured by Slurm")
    runs_estimated: int = Field(description="entries whose energy is estimated")
    energy_basis: Literal["measured", "estimated", "mixed", "none"]
    energy_measured_kwh: str
    energy_estimated_kwh: str
    energy_it_kwh: str
    energy_facility_kwh: str = Field(description="IT energy x the site's PUE")
    location_based_kg_co2e: str | None = Field(
        description="facility energy x the grid's consumption intensity (imports included); "
        "null when no intensity is known")
    market_based_kg_co2e: str = Field(description="facility energy x the supply contract's "
                                      "factor")


class MonthOut(FiguresOut):
    month: date


class ProjectFiguresOut(FiguresOut):
    project_id: int | None
    project_code: ShortText


class LineOut(ProjectFiguresOut):
    month: date


class FactorsOut(Schema):
    pue: str
    pue_configured: bool = Field(description="false: the assumed default PUE")
    location_based_g_per_kwh: str | None
    location_based_year: int | None = Field(description="the year of the grid intensity used")
    location_based_verified: bool
    location_based_source: str
    market_based_g_per_kwh: str
    market_based_announced_only: bool = Field(description="true while the supply contract's "
                                              "evidence is not on file")
    market_based_evidence: list[str]
    estimate_source: str


class FootprintOut(Schema):
    year: Year
    organisation_id: int | None
    project_id: int | None
    factors: FactorsOut
    total: FiguresOut
    by_month: list[MonthOut]
    by_project: list[ProjectFiguresOut]
    lines: list[LineOut] = Field(description="per project and month")


class RunOut(FiguresOut):
    record_id: int
    job: ShortText = Field(description="the scheduler's job id, 1234_7 for an array task")
    cluster: ShortText
    partition: ShortText
    end_time: datetime
    gpu_hours: str


class RunsOut(Schema):
    year: Year
    total: int = Field(description="runs of the project that ended in the year")
    offset: int
    runs: list[RunOut] = Field(description="newest first, at most 50")
