"""The factory's figures page (``/staff/kpis/``), its CSV and its PDF: operators, reviewers and
auditors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from laif.accounts.errors import DomainError
from laif.accounts.requestinfo import access_of
from laif.accounts.views import page
from laif.billing.pdf import attachment
from laif.green import selectors as green_selectors
from laif.reports import documents
from laif.reports.kpis import Kpis, factory_kpis


def _kpis(request: HttpRequest) -> Kpis:
    text = request.GET.get("year", "").strip()
    if text and not (text.isascii() and text.isdigit() and len(text) == 4):
        from django.utils.translation import gettext as _

        raise DomainError(_("The year must be written with four digits, such as 2026."),
                          field="year")
    year = int(text) if text else green_selectors.this_year()
    return factory_kpis(access=access_of(request), year=year)


@page
@require_GET
def kpis_page(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    this = green_selectors.this_year()
    return render(request, "reports/kpis.html", {
        **documents.context_of(kpis), "years": list(range(this, this - 6, -1))})


@page
@require_GET
def kpis_csv(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    response = HttpResponse(documents.kpis_csv(kpis), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="factory-kpis-{kpis.year}.csv"'
    return response


@page
@require_GET
def kpis_pdf(request: HttpRequest) -> HttpResponse:
    kpis = _kpis(request)
    language = "fr" if (get_language() or "en").startswith("fr") else "en"
    return attachment(documents.kpis_pdf(kpis, language=language), f"factory-kpis-{kpis.year}")
