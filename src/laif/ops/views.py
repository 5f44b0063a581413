"""``/metrics`` (staff networks or the metrics token) and the staff page on the background work
(operators): the schedule, the task queue, failed tasks, heartbeats and the usage ingestions."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from laif.accounts import selectors as account_selectors
from laif.accounts.choices import Sector, SmeClassChoice, StaffRoleName
from laif.accounts.errors import PermissionDenied
from laif.accounts.requestinfo import access_of
from laif.accounts.views import is_htmx, page
from laif.allocations import selectors as allocation_selectors
from laif.allocations.capacity import add_months
from laif.allocations.choices import AllocationState, PoolKind
from laif.allocations.permissions import sees_pools
from laif.ops import charts as chart
from laif.ops import metrics, schedule, selectors
from laif.ops.access import metrics_allowed
from laif.ops.beats import SCHEDULE_PREFIX, SCHEDULER, WORKER
from laif.usage import selectors as ledger_selectors


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _periodic(rows: dict[str, object]) -> list[dict[str, object]]:
    from django.utils.module_loading import import_string

    entries = []
    paths = {e.name: import_string(e.task).module_path for e in schedule.PERIODIC}
    last = selectors.last_runs(list(paths.values()))
    for entry in schedule.PERIODIC:
        spec = schedule.spec_of(entry)
        entries.append({"name": entry.name, "spec": spec.text, "off": spec.off,
                        "enqueued": rows.get(SCHEDULE_PREFIX + entry.name),
                        "last": last.get(paths[entry.name])})
    return entries


@page
@require_GET
def background(request: HttpRequest) -> HttpResponse:
    """Operators: is the background work running? (the full page, or the dashboard's part)"""
    access = access_of(request)
    if StaffRoleName.OPERATOR not in access.staff_roles:
        raise PermissionDenied(_("Only operators see the background work."))
    rows, ages = selectors.beat_ages()
    limit = settings.LAIF_HEALTH_MAX_AGE_SECONDS
    context = {
        "now": timezone.now(),
        "queue": selectors.queue_status(),
        "failed": selectors.failed_tasks(),
        "ingest": selectors.ingest_status(),
        "runs": selectors.ingest_runs(),
        "worker": rows.get(WORKER), "worker_ok": ages.get(WORKER, limit + 1) <= limit,
        "schedule_ok": ages.get("schedule", limit + 1) <= limit,
        "scheduler": rows.get(SCHEDULER),
        "scheduler_ok": (ages.get(SCHEDULER, limit + 1) <= limit
                         and bool(getattr(rows.get(SCHEDULER), "ok", False))),
        "periodic": _periodic(dict(rows)),
    }
    template = "ops/_background.html" if is_htmx(request) else "ops/background.html"
    return render(request, template, context)


CHART_MONTHS = 12


@page
@require_GET
def charts(request: HttpRequest) -> HttpResponse:
    """The factory in three charts (operators, reviewers, auditors; aggregates only): GPU-hours
    by pool and month against the pools' split, allocations by state, organisations by SME class
    and by sector (the full page, or the dashboard's part)."""
    access = access_of(request)
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    today = timezone.localdate()
    months = _last_months(today, CHART_MONTHS)
    used = ledger_selectors.pool_use_by_month(access=access, since=months[0])
    share = allocation_selectors.national_share_percent(today)
    split = chart.split([(date_format(m, "YEAR_MONTH_FORMAT"),
                          used.get(m, {}).get(PoolKind.NATIONAL, 0),
                          used.get(m, {}).get(PoolKind.EUROHPC, 0)) for m in months],
                        50 if share is None else share)
    states = allocation_selectors.allocation_counts_by_state(access=access)
    orgs = account_selectors.organisation_counts(access=access)
    context = {
        "width": chart.WIDTH, "split": split, "share_known": share is not None,
        "bar_charts": [
            ("states", _("Allocations by state"),
             chart.bars([(str(label), states.get(value, 0))
                         for value, label in AllocationState.choices])),
            ("sme", _("Organisations by SME class"),
             chart.bars([*((str(label), orgs.by_sme_class.get(value, 0))
                           for value, label in SmeClassChoice.choices),
                         (_("Not declared"), orgs.by_sme_class.get("", 0))])),
            ("sectors", _("Organisations by sector"),
             chart.bars(sorted(((str(label), orgs.by_sector.get(value, 0))
                                for value, label in Sector.choices),
                               key=lambda item: -item[1]))),
        ],
    }
    template = "ops/_charts.html" if is_htmx(request) else "ops/charts.html"
    return render(request, template, context)


def _last_months(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` months, this one last."""
    this_month = today.replace(day=1)
    return [add_months(this_month, -back) for back in range(count - 1, -1, -1)]
