"""The balance of a person's allocations as people read it (issue 22, point 3): per allocation in
force, what is left of the grant in GPU-hours, a burn-down chart (what was left week by week
against an even use of the grant until the end) and the day it runs out at the current pace.
Loaded into the home page and the project page (htmx), and shown on the allocation's page. The
figures are the balance's (``usage.balance``), the same as the usage page and the job pre-check."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from laif.accounts import selectors as account_selectors
from laif.accounts.errors import NotFound
from laif.accounts.requestinfo import access_of
from laif.accounts.views import is_htmx, page
from laif.allocations import selectors
from laif.allocations.choices import LIMIT_STATES
from laif.compute.views import titled
from laif.usage.balance import balances_of, burndowns_of
from laif.usage.burndown import chart

PANEL_LIMIT = 8


def balance_panels(allocations: list[Any]) -> list[dict[str, Any]]:
    """What the balance panel shows of each allocation: its balance, burn-down and chart."""
    today = timezone.localdate()
    balances = balances_of(allocations)
    burndowns = burndowns_of(allocations, today, balances)
    panels = []
    for a in titled(allocations):
        drawn = chart(burndowns[a.pk])
        panels.append({"allocation": a, "balance": balances[a.pk], "burndown": burndowns[a.pk],
                       "chart": drawn,
                       # the months under the chart, abbreviated in the page's language
                       "ticks": [(x, date_format(month, "M")) for x, month in drawn.ticks]})
    return panels


@page
@require_GET
def balance(request: HttpRequest, project_id: int | None = None) -> HttpResponse:
    """The panels of the allocations not expired yet, of one project or of every project the
    person sees (their own, not the whole factory's for staff)."""
    access = access_of(request)
    if project_id is not None:
        project = account_selectors.project_of(project_id)
        if project is None or not access.can_view_project(project.pk, project.organisation_id):
            raise NotFound(_("Project not found."))
    scoped = selectors.allocations_for(access, project_id=project_id)
    if project_id is None and access.sees_all_clients:
        scoped = scoped.filter(project_id__in=list(access.project_roles))
    allocations = list(scoped.filter(state__in=LIMIT_STATES).order_by("end", "id")[:PANEL_LIMIT])
    template = "compute/_balance_panels.html" if is_htmx(request) else "compute/balance.html"
    return render(request, template, {
        "panels": balance_panels(allocations), "project_id": project_id,
    })
