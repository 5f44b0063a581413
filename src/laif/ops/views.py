"""``/metrics`` (staff networks or the metrics token) and the staff page on the background work
(operators): the schedule, the task queue, failed tasks, heartbeats and the usage ingestions."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import PermissionDenied
from laif.accounts.requestinfo import access_of
from laif.accounts.views import is_htmx, page
from laif.ops import metrics, schedule, selectors
from laif.ops.access import metrics_allowed
from laif.ops.beats import SCHEDULE_PREFIX, SCHEDULER, WORKER


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
