"""A year's energy and carbon report as CSV and as PDF (the one layout of each: pages, API and
CLI all send these)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format

from laif.billing.pdf import html_pdf
from laif.green import footprint as fp
from laif.green.chart import EnergyChart, energy_chart
from laif.green.selectors import Report, catalogue

CSV_COLUMNS = (
    "year", "month", "project", "runs_measured", "runs_estimated", "energy_measured_kwh",
    "energy_estimated_kwh", "energy_it_kwh", "pue", "energy_facility_kwh",
    "location_based_g_per_kwh", "location_based_kg_co2e", "market_based_g_per_kwh",
    "market_based_kg_co2e", "energy_basis",
)


def _row(report: Report, month: str, project: str, f: fp.Footprint) -> list[str]:
    e = f.energy
    return [str(report.year), month, project, str(e.measured_runs), str(e.estimated_runs),
            str(e.measured_kwh), str(e.estimated_kwh), str(e.it_kwh), str(f.pue),
            str(f.facility_kwh),
            "" if f.location_g_per_kwh is None else str(f.location_g_per_kwh),
            "" if f.location_kg is None else str(f.location_kg), str(f.market_g_per_kwh),
            str(f.market_kg), e.label]


def report_csv(report: Report) -> str:
    """One row per project and month, then one per month (project ``*``) and the year's total
    (month ``*``). Figures are plain decimals with a point, whatever the page's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        writer.writerow(_row(report, f"{line.month:%Y-%m}", line.project_code, line.figures))
    for month, figures in report.by_month:
        writer.writerow(_row(report, f"{month:%Y-%m}", "*", figures))
    writer.writerow(_row(report, "*", "*", report.total))
    return out.getvalue()


def csv_attachment(content: str, name: str) -> HttpResponse:
    """A CSV sent as a download named ``name.csv`` (pages and API)."""
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def month_chart(months: Sequence[tuple[date, fp.Footprint]]) -> EnergyChart:
    """A year's chart: facility kWh per month (short month names: the year is the page's),
    measured and estimated parts (the energy reports and the factory's figures)."""
    return energy_chart([
        (date_format(month, "N"),
         fp.kwh(f.energy.measured_j * f.pue), fp.kwh(f.energy.estimated_j * f.pue))
        for month, f in months])


def chart_of(report: Report) -> EnergyChart:
    return month_chart(report.by_month)


def report_pdf(report: Report, *, language: str) -> bytes:
    """The CSRD / ESRS E1-style PDF of the report, in ``language`` (en or fr)."""
    with translation.override(language):
        html = render_to_string("green/report_pdf.html", {
            "report": report, "chart": chart_of(report), "language": language,
            "green": catalogue(),
            "subject": report.organisation or report.project})
    return html_pdf(html)
