"""Staff pages: audit log and its verification, identity export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from laif.accounts import selectors
from laif.accounts.requestinfo import access_of, actor_of
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


@page
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    before = _int_param(request, "before_seq")
    action = request.GET.get("action", "").strip()[:64].replace("\x00", "")
    entries = selectors.audit_entries(access=access_of(request), limit=AUDIT_PAGE_SIZE,
                                      before_seq=before, action=action or None)
    return render(request, "accounts/audit.html", {
        "entries": entries,
        "action": action,
        "before_seq": before,
        "older": entries[-1].seq if len(entries) == AUDIT_PAGE_SIZE else None,
    })


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
