"""The factory's figures in the API: hours, percentages, euros, kWh and kg as decimal strings."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


class PeriodOut(Schema):
    month: date | None = Field(description="null: the year")
    gpu_hours_national: str
    gpu_hours_eurohpc: str
    gpu_hours_no_allocation: str
    gpu_hours_total: str
    national_share_percent: str | None = Field(description="of the pools' GPU-hours")
    capacity_gpu_hours: str = Field(description="the partitions' GPUs x the hours of the "
                                    "months begun")
    utilisation_percent: str | None
    organisations_served: int
    requests_submitted: int
    requests_decided: int
    mean_wait_days: str | None = Field(description="submission to first decision")
    cashback_paid_eur: str
    aid_granted_eur: str
    energy_facility_kwh: str
    energy_basis: str
    location_based_kg_co2e: str | None
    market_based_kg_co2e: str


class KpisOut(Schema):
    year: int
    national_share_target_percent: int
    requests_pending: int
    pending_mean_age_days: str | None
    pending_oldest_age_days: str | None
    organisations_served: int
    served_by_sme_class: dict[str, int] = Field(description='"": not declared')
    served_by_sector: dict[str, int]
    served_by_country: dict[str, int]
    courses_delivered: int = Field(description="Training sessions held in the year, as the "
                                   "trainers' page of the year counts them")
    courses_target: list[int]
    total: PeriodOut
    months: list[PeriodOut]
