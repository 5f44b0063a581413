"""The factory's figures of a year as CSV and as PDF (the page, the API and ``laif kpis`` send
these), and the charts' geometry they share."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.choices import Sector, SmeClassChoice
from laif.billing.pdf import html_pdf
from laif.green.report import month_chart
from laif.ops import charts
from laif.reports.kpis import COURSES_TARGET, Kpis, Period

CSV_COLUMNS = (
    "year", "month", "gpu_hours_national", "gpu_hours_eurohpc", "gpu_hours_no_allocation",
    "gpu_hours_total", "national_share_percent", "national_share_target_percent",
    "capacity_gpu_hours", "utilisation_percent", "organisations_served",
    "requests_submitted", "requests_decided", "mean_wait_days", "cashback_paid_eur",
    "aid_granted_eur", "energy_facility_kwh", "energy_basis", "location_based_kg_co2e",
    "market_based_kg_co2e",
)


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.2f}"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _row(kpis: Kpis, p: Period) -> list[str]:
    return [str(kpis.year), "*" if p.month is None else f"{p.month:%Y-%m}",
            _hours(p.national_gpu_s), _hours(p.eurohpc_gpu_s), _hours(p.unallocated_gpu_s),
            _hours(p.gpu_s), _text(p.national_percent), str(kpis.national_share_target),
            _hours(p.capacity_gpu_s), _text(p.utilisation_percent), str(p.organisations),
            str(p.requests_submitted), str(p.requests_decided), _text(p.mean_wait_days),
            f"{p.cashback_paid_cents / 100:.2f}", f"{p.aid_granted_cents / 100:.2f}",
            str(p.energy.facility_kwh), p.energy.energy.label, _text(p.energy.location_kg),
            str(p.energy.market_kg)]


def kpis_csv(kpis: Kpis) -> str:
    """One row per month, then the year (month ``*``); plain decimals with a point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for period in kpis.months:
        writer.writerow(_row(kpis, period))
    writer.writerow(_row(kpis, kpis.total))
    return out.getvalue()


def context_of(kpis: Kpis) -> dict[str, Any]:
    """What the page and the PDF draw: the pools' split per month, the organisations served by
    SME class, sector and country, the facility energy per month."""
    labels = [date_format(p.month, "N") for p in kpis.months if p.month is not None]
    sme = dict(SmeClassChoice.choices)
    sectors = dict(Sector.choices)
    return {
        "kpis": kpis, "width": charts.WIDTH, "courses_target": COURSES_TARGET,
        "split": charts.split([(label, p.national_gpu_s, p.eurohpc_gpu_s)
                               for label, p in zip(labels, kpis.months, strict=True)],
                              kpis.national_share_target),
        "served": [
            ("sme", _("Organisations served by SME class"), charts.bars(
                [(str(sme.get(key, _("Not declared"))), n)
                 for key, n in sorted(kpis.served_by_sme_class.items(), key=lambda i: -i[1])])),
            ("sector", _("Organisations served by sector"), charts.bars(
                [(str(sectors.get(key, key)), n)
                 for key, n in sorted(kpis.served_by_sector.items(), key=lambda i: -i[1])])),
            ("country", _("Organisations served by country"), charts.bars(
                sorted(kpis.served_by_country.items(), key=lambda i: -i[1]))),
        ],
        "energy_chart": month_chart([(p.month, p.energy) for p in kpis.months
                                     if p.month is not None]),
    }


def kpis_pdf(kpis: Kpis, *, language: str) -> bytes:
    with translation.override(language):
        return html_pdf(render_to_string("reports/kpis_pdf.html",
                                         {**context_of(kpis), "language": language}))
