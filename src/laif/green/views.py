"""The energy and carbon pages: an organisation's year (with its CSV and PDF) and a project's,
each comparable with another year, a project also with another project of its organisation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from laif.accounts.errors import DomainError
from laif.accounts.language import active_language
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.billing.pdf import attachment
from laif.green import report as documents
from laif.green import selectors
from laif.green.selectors import Report


def _year(request: HttpRequest, name: str = "year") -> int | None:
    return selectors.year_from_text(request.GET.get(name, ""), name)


def _context(request: HttpRequest, report: Report, other: Report | None,
             other_label: str) -> dict[str, Any]:
    return {"report": report, "chart": documents.chart_of(report), "other": other,
            "other_label": other_label,
            # (the month's name alone: both columns are the same month of their year)
            "compare_rows": ([(date_format(a[0], "F"), a[1], b[1])
                              for a, b in zip(report.by_month, other.by_month, strict=True)]
                             if other is not None else []),
            "years": selectors.recent_years(),
            "language": active_language(), "green": selectors.catalogue()}


@page
@require_GET
def organisation_footprint(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    year = _year(request) or selectors.this_year()
    report = selectors.organisation_footprint(access=access, actor=actor,
                                              organisation_id=org_id, year=year)
    compare = _year(request, "compare")
    other = (selectors.organisation_footprint(access=access, actor=actor,
                                              organisation_id=org_id, year=compare)
             if compare is not None else None)
    return render(request, "green/footprint.html",
                  _context(request, report, other, str(compare or "")))


def _organisation_report(request: HttpRequest, org_id: int) -> Report:
    return selectors.organisation_footprint(access=access_of(request), actor=actor_of(request),
                                            organisation_id=org_id,
                                            year=_year(request) or selectors.this_year())


@page
@require_GET
def organisation_footprint_csv(request: HttpRequest, org_id: int) -> HttpResponse:
    report = _organisation_report(request, org_id)
    return documents.csv_attachment(documents.report_csv(report),
                                    f"footprint-{org_id}-{report.year}")


@page
@require_GET
def organisation_footprint_pdf(request: HttpRequest, org_id: int) -> HttpResponse:
    report = _organisation_report(request, org_id)
    return attachment(documents.report_pdf(report, language=active_language()),
                      f"footprint-{org_id}-{report.year}")


def _project_id(request: HttpRequest) -> int | None:
    text = request.GET.get("with", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise DomainError(_("Choose the project to compare with from the list."), field="with")
    return int(text)


@page
@require_GET
def project_footprint(request: HttpRequest, project_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    year = _year(request) or selectors.this_year()
    report = selectors.project_footprint(access=access, actor=actor, project_id=project_id,
                                         year=year)
    compare, with_project = _year(request, "compare"), _project_id(request)
    other, label = None, ""
    if with_project is not None:
        other = selectors.project_footprint(access=access, actor=actor, project_id=with_project,
                                            year=compare or year)
        assert other.project is not None
        label = other.project.code + (f" {compare}" if compare else "")
    elif compare is not None:
        other = selectors.project_footprint(access=access, actor=actor, project_id=project_id,
                                            year=compare)
        label = str(compare)
    context = _context(request, report, other, label)
    context["peers"] = selectors.sibling_projects(access=access, project=report.project)
    context["runs"], context["runs_total"] = selectors.project_run_footprints(
        access=access, actor=actor, project_id=project_id, year=year)
    return render(request, "green/footprint.html", context)


@page
@require_GET
def project_footprint_box(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's year in a box (loaded into its usage page)."""
    report = selectors.project_footprint(access=access_of(request), actor=actor_of(request),
                                         project_id=project_id, year=selectors.this_year())
    return render(request, "green/_project_box.html", {"report": report})
