"""The usage page of a project: GPU-hours, CPU-hours and energy from the usage ledger, per month
and per member, with the balance of each allocation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.usage import selectors


@page
@require_GET
def project_usage(request: HttpRequest, project_id: int) -> HttpResponse:
    usage = selectors.project_usage(access=access_of(request), actor=actor_of(request),
                                           project_id=project_id)
    return render(request, "compute/usage.html", {"project": usage.project, "usage": usage})
