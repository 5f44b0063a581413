"""REST endpoints of the factory's figures (operators, reviewers, auditors): a year as JSON,
CSV and PDF."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router

from laif.accounts.requestinfo import access_of
from laif.billing.pdf import attachment
from laif.green import selectors as green_selectors
from laif.green.report import csv_attachment
from laif.green.schemas import Year
from laif.reports import documents
from laif.reports import schemas as s
from laif.reports.kpis import COURSES_TARGET, Kpis, Period, factory_kpis

router = Router(tags=["factory figures"])


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _period(p: Period) -> s.PeriodOut:
    return s.PeriodOut(
        month=p.month, gpu_hours_national=f"{p.national_gpu_s / 3600:.2f}",
        gpu_hours_eurohpc=f"{p.eurohpc_gpu_s / 3600:.2f}",
        gpu_hours_no_allocation=f"{p.unallocated_gpu_s / 3600:.2f}",
        gpu_hours_total=f"{p.gpu_s / 3600:.2f}", national_share_percent=_text(p.national_percent),
        capacity_gpu_hours=f"{p.capacity_gpu_s / 3600:.2f}",
        utilisation_percent=_text(p.utilisation_percent), organisations_served=p.organisations,
        requests_submitted=p.requests_submitted, requests_decided=p.requests_decided,
        mean_wait_days=_text(p.mean_wait_days),
        cashback_paid_eur=f"{p.cashback_paid_cents / 100:.2f}",
        aid_granted_eur=f"{p.aid_granted_cents / 100:.2f}",
        energy_facility_kwh=str(p.energy.facility_kwh), energy_basis=p.energy.energy.label,
        location_based_kg_co2e=_text(p.energy.location_kg),
        market_based_kg_co2e=str(p.energy.market_kg))


def _kpis(request: HttpRequest, year: int | None) -> Kpis:
    return factory_kpis(access=access_of(request), year=year or green_selectors.this_year())


@router.get("/staff/kpis", response=s.KpisOut,
            summary="The factory's figures of a year, per month (operators, reviewers, auditors)",
            description="GPU-hours by pool against the agreed split, utilisation, requests "
            "waiting and review times, organisations served, cashback paid, aid granted, "
            "energy and carbon. The year defaults to the current one.")
def kpis(request: HttpRequest, year: Year | None = None) -> s.KpisOut:
    k = _kpis(request, year)
    out: dict[str, Any] = {
        "year": k.year, "national_share_target_percent": k.national_share_target,
        "requests_pending": k.pending, "pending_mean_age_days": _text(k.pending_mean_age_days),
        "pending_oldest_age_days": _text(k.pending_oldest_age_days),
        "organisations_served": k.organisations_served,
        "served_by_sme_class": k.served_by_sme_class, "served_by_sector": k.served_by_sector,
        "served_by_country": k.served_by_country, "courses_delivered": k.courses_delivered,
        "courses_target": list(COURSES_TARGET), "total": _period(k.total),
        "months": [_period(p) for p in k.months]}
    return s.KpisOut(**out)


@router.get("/staff/kpis/csv", response={200: None},
            summary="The factory's figures of a year as CSV",
            openapi_extra={"responses": {200: {"description": "CSV", "content": {
                "text/csv": {"schema": {"type": "string"}}}}}})
def kpis_csv(request: HttpRequest, year: Year | None = None) -> HttpResponse:
    k = _kpis(request, year)
    return csv_attachment(documents.kpis_csv(k), f"factory-kpis-{k.year}")


@router.get("/staff/kpis/pdf", response={200: None},
            summary="The factory's figures of a year as a PDF report (EN or FR)",
            openapi_extra={"responses": {200: {"description": "PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def kpis_pdf(request: HttpRequest, year: Year | None = None,
             language: Literal["en", "fr"] = "en") -> HttpResponse:
    k = _kpis(request, year)
    return attachment(documents.kpis_pdf(k, language=language), f"factory-kpis-{k.year}")
