"""REST endpoints of energy and carbon: an organisation's or a project's calendar year (JSON),
and an organisation's year as CSV and as PDF (the same documents as the pages)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router

from laif.accounts.language import active_language
from laif.accounts.requestinfo import access_of, actor_of
from laif.billing.pdf import attachment
from laif.config.apitypes import Id
from laif.green import footprint as fp
from laif.green import report as documents
from laif.green import schemas as s
from laif.green import selectors
from laif.green.selectors import Report

router = Router(tags=["energy and carbon"])


def _figures(f: fp.Footprint) -> dict[str, Any]:
    e = f.energy
    return {"runs_measured": e.measured_runs, "runs_estimated": e.estimated_runs,
            "energy_basis": e.label, "energy_measured_kwh": str(e.measured_kwh),
            "energy_estimated_kwh": str(e.estimated_kwh), "energy_it_kwh": str(e.it_kwh),
            "energy_facility_kwh": str(f.facility_kwh),
            "location_based_kg_co2e": None if f.location_kg is None else str(f.location_kg),
            "market_based_kg_co2e": str(f.market_kg)}


def _out(report: Report, language: str) -> s.FootprintOut:
    factors, green = report.factors, selectors.catalogue()
    intensity = factors.intensity
    return s.FootprintOut(
        year=report.year,
        organisation_id=report.organisation.pk if report.organisation else None,
        project_id=report.project.pk if report.project else None,
        factors=s.FactorsOut(
            pue=str(factors.pue), pue_configured=factors.pue_set,
            location_based_g_per_kwh=str(intensity.g_co2e_per_kwh) if intensity else None,
            location_based_year=intensity.year if intensity else None,
            location_based_verified=bool(intensity and intensity.verified),
            location_based_source=intensity.source_in(language) if intensity else "",
            market_based_g_per_kwh=str(factors.contract.g_co2e_per_kwh),
            market_based_announced_only=factors.contract.announced,
            market_based_evidence=[i.evidence_in(language)
                                   for i in factors.contract.instruments],
            estimate_source=green.default_profile.source_in(language)),
        total=s.FiguresOut(**_figures(report.total)),
        by_month=[s.MonthOut(month=m, **_figures(f)) for m, f in report.by_month],
        by_project=[s.ProjectFiguresOut(project_id=pid, project_code=code, **_figures(f))
                    for pid, code, f in report.by_project],
        lines=[s.LineOut(month=ln.month, project_id=ln.project_id,
                         project_code=ln.project_code, **_figures(ln.figures))
               for ln in report.lines])


def _organisation(request: HttpRequest, org_id: int, year: int | None) -> Report:
    return selectors.organisation_footprint(access=access_of(request), actor=actor_of(request),
                                            organisation_id=org_id,
                                            year=year or selectors.this_year())


@router.get("/organisations/{org_id}/footprint", response=s.FootprintOut,
            summary="An organisation's energy and carbon in a calendar year",
            description="Energy measured by Slurm where reported, estimated elsewhere (labelled); "
            "facility energy through the site's PUE; carbon by the location-based and the "
            "market-based methods of ESRS E1, side by side. Its admins and client-data staff. "
            "The year defaults to the current one.")
def organisation_footprint(request: HttpRequest, org_id: Id,
                           year: s.Year | None = None) -> s.FootprintOut:
    return _out(_organisation(request, org_id, year), active_language())


@router.get("/projects/{project_id}/footprint", response=s.FootprintOut,
            summary="A project's energy and carbon in a calendar year",
            description="Whoever sees the project's usage. The year defaults to the current one.")
def project_footprint(request: HttpRequest, project_id: Id,
                      year: s.Year | None = None) -> s.FootprintOut:
    report = selectors.project_footprint(access=access_of(request), actor=actor_of(request),
                                         project_id=project_id,
                                         year=year or selectors.this_year())
    return _out(report, active_language())


@router.get("/organisations/{org_id}/footprint/csv", response={200: None},
            summary="An organisation's energy and carbon in a year, as CSV",
            openapi_extra={"responses": {200: {"description": "CSV", "content": {
                "text/csv": {"schema": {"type": "string"}}}}}})
def organisation_footprint_csv(request: HttpRequest, org_id: Id,
                               year: s.Year | None = None) -> HttpResponse:
    report = _organisation(request, org_id, year)
    return documents.csv_attachment(documents.report_csv(report),
                                    f"footprint-{org_id}-{report.year}")


@router.get("/organisations/{org_id}/footprint/pdf", response={200: None},
            summary="An organisation's energy and carbon report in a year, as PDF (EN or FR)",
            openapi_extra={"responses": {200: {"description": "PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def organisation_footprint_pdf(request: HttpRequest, org_id: Id, year: s.Year | None = None,
                               language: s.Language = "en") -> HttpResponse:
    report = _organisation(request, org_id, year)
    return attachment(documents.report_pdf(report, language=language),
                      f"footprint-{org_id}-{report.year}")


@router.get("/projects/{project_id}/footprint/runs", response=s.RunsOut,
            summary="A project's job runs of a year with their energy and carbon, newest first",
            description="50 runs from offset; each measured by Slurm (or the local runner "
            "through NVML) or estimated, as the reports count it.")
def project_runs(request: HttpRequest, project_id: Id, year: s.Year | None = None,
                 offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0) -> s.RunsOut:
    chosen = year or selectors.this_year()
    runs, total = selectors.project_run_footprints(
        access=access_of(request), actor=actor_of(request), project_id=project_id, year=chosen,
        offset=offset)
    return s.RunsOut(year=chosen, total=total, offset=offset, runs=[
        s.RunOut(record_id=r.record_id, job=r.job, cluster=r.cluster, partition=r.partition,
                 end_time=r.end_time, gpu_hours=f"{r.gpu_seconds / 3600:.2f}",
                 **_figures(r.figures)) for r in runs])
