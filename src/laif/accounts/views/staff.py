"""Staff pages: audit log and its verification, identity export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from laif.accounts import selectors
from laif.accounts.forms import AuditFilterForm
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.spreadsheet import cell
from laif.accounts.views._base import (
    AUDIT_PAGE_SIZE,
    is_htmx,
    page,
)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if value.isdigit() and len(value) < 19:
        return int(value)
    return None


AUDIT_EXPORT_MAX = 100_000
AUDIT_CSV_COLUMNS = ("seq", "time", "actor", "action", "target", "target name",
                     "organisation", "organisation name", "ip", "detail", "hash")


def _filter_form(request: HttpRequest) -> AuditFilterForm:
    data = request.GET.copy()
    data.pop("before_seq", None)
    return AuditFilterForm(data if data else None)


@page
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    before = _int_param(request, "before_seq")
    form = _filter_form(request)
    entries = selectors.audit_entries(access=access_of(request), limit=AUDIT_PAGE_SIZE,
                                      before_seq=before, filters=form.filters())
    query = request.GET.copy()
    query.pop("before_seq", None)
    return render(request, "accounts/audit.html", {
        "entries": entries,
        "form": form,
        "query": query.urlencode(),
        "before_seq": before,
        "older": entries[-1].seq if len(entries) == AUDIT_PAGE_SIZE else None,
    })


@page
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit log as CSV, newest first, with names beside the ids (at most
    ``AUDIT_EXPORT_MAX`` rows); the export is itself recorded in the log."""
    form = _filter_form(request)
    rows = selectors.audit_rows(access=access_of(request), actor=actor_of(request),
                                filters=form.filters(), limit=AUDIT_EXPORT_MAX)
    buffer = _Line()
    writer = csv.writer(buffer)

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(AUDIT_CSV_COLUMNS)  # a BOM: spreadsheets read UTF-8
        for e in rows:
            yield writer.writerow([cell(v) for v in (
                e.seq, e.at.isoformat(), e.actor_label, e.action, e.target,
                e.__dict__["target_label"], e.organisation_id_ref,
                e.__dict__["organisation_name"], e.ip,
                json.dumps(e.detail, ensure_ascii=False, sort_keys=True), e.hash)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.localdate().isoformat()}.csv"')
    return response


class _Line:
    """A file-like object for ``csv.writer`` that hands back each line it is given."""

    def write(self, value: str) -> str:
        return value


@page
@require_GET
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = selectors.audit_check(access=access_of(request))
    template = "accounts/_audit_verify.html" if is_htmx(request) else "accounts/audit_verify.html"
    return render(request, template, {"result": result})


@page
@require_GET
def identities(request: HttpRequest) -> HttpResponse:
    records = selectors.identities_export(access=access_of(request), actor=actor_of(request))
    return render(request, "accounts/identities.html", {"records": records})
