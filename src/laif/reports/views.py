"""The factory's figures page (``/staff/kpis/``), its CSV and its PDF: operators, reviewers and
auditors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from laif.accounts.language import active_language
from laif.accounts.requestinfo import access_of
from laif.accounts.views import page
from laif.billing.pdf import attachment
from laif.green import selectors as green_selectors
from laif.green.report import csv_attachment
from laif.reports import documents
from laif.reports.kpis import Kpis, factory_kpis


def _kpis(request: HttpRequest) -> Kpis:
    year = green_selectors.year_from_text(request.GET.get("year", ""))
    return factory_kpis(access=access_of(request), year=year or green_selectors.this_year())


@page
@require_GET
def kpis_page(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    return render(request, "reports/kpis.html", {
        **documents.context_of(kpis), "years": green_selectors.recent_years()})


@page
@require_GET
def kpis_csv(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    return csv_attachment(documents.kpis_csv(kpis), f"factory-kpis-{kpis.year}")


@page
@require_GET
def kpis_pdf(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    return attachment(documents.kpis_pdf(kpis, language=active_language()),
                      f"factory-kpis-{kpis.year}")
