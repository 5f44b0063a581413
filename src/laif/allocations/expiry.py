"""The daily tick of the allocation life cycle: move allocations between active, expiring, grace
and expired, and send each end-of-allocation notice exactly once.

The rules are the pure ``lifecycle`` module's; this module applies them under a row lock per
allocation and records each notice sent (``AllocationNotice``, unique per allocation and day), so
running the tick twice on the same day, or from two workers at once, changes and sends nothing the
second time. Run daily by ``manage.py allocations_tick`` or the ``allocations_tick_task``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.audit import SYSTEM, audit_record
from laif.accounts.notices import mail_on_commit
from laif.accounts.notices import site_link as link
from laif.allocations import lifecycle
from laif.allocations.choices import LIMIT_STATES, AllocationState
from laif.allocations.hooks import grants_changed
from laif.allocations.models import Allocation, AllocationNotice
from laif.allocations.notices import project_people
from laif.allocations.services import hours


@dataclass
class TickResult:
    moved: list[tuple[int, str, str]] = field(default_factory=list)  # (allocation, from, to)
    notices: list[tuple[int, int]] = field(default_factory=list)  # (allocation, days before)


def allocations_tick(today: date | None = None) -> TickResult:
    """Apply the life cycle on ``today`` to every allocation that has not expired."""
    day = today or timezone.localdate()
    grace = settings.LAIF_ALLOCATION_GRACE_DAYS
    result = TickResult()
    ids = list(Allocation.objects.filter(state__in=LIMIT_STATES).order_by("id")
               .values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            allocation = (Allocation.objects.select_for_update(of=("self",))
                          .select_related("project", "project__organisation").get(pk=pk))
            if allocation.state not in LIMIT_STATES:
                continue  # closed or expired by someone else meanwhile
            sent = set(allocation.notices.filter(for_end=allocation.end)
                       .values_list("days_before", flat=True))
            step = lifecycle.step(start=allocation.start, end=allocation.end,
                                  grace_days=grace, today=day, sent=sent)
            if step.state != allocation.state:
                _move(allocation, step.state, day, result)
            if step.notice is not None:
                _, created = AllocationNotice.objects.get_or_create(
                    allocation=allocation, for_end=allocation.end, days_before=step.notice,
                    defaults={"sent_at": timezone.now()})
                if created:
                    result.notices.append((pk, step.notice))
                    _notify(allocation, step.notice, grace)
    return result


def _move(allocation: Allocation, state: str, day: date, result: TickResult) -> None:
    old = allocation.state
    Allocation.objects.filter(pk=allocation.pk).update(state=state)
    allocation.state = state
    result.moved.append((allocation.pk, old, state))
    audit_record(actor=SYSTEM, action="allocation.state_changed",
                 target=f"allocation:{allocation.pk}",
                 organisation_id=allocation.project.organisation_id,
                 detail={"from": old, "to": state, "day": day.isoformat()})
    if state in (AllocationState.GRACE, AllocationState.EXPIRED):
        # the limit keeps the grant during the grace and drops to 0 once expired (the
        # association itself is kept for the record)
        grants_changed(allocation.project_id)


def _notify(allocation: Allocation, days_before: int, grace: int) -> None:
    project = allocation.project
    target = (link("compute_request", request_id=allocation.request_id)
              if allocation.request_id else link("compute"))
    last_job_day = allocation.end + timedelta(days=grace)

    def subject() -> str:
        if days_before == 0:
            return _("Your GPU allocation ends today: %(project)s") % {"project": project.name}
        return _("Your GPU allocation ends in %(days)d days: %(project)s") % {
            "days": days_before, "project": project.name}

    def body() -> str:
        return _(
            "The allocation of %(hours)s GPU-hours of %(project)s ends on %(end)s. After that "
            "day it accepts no new job; jobs still running may finish until %(grace)s, then the "
            "allocation expires. To go on, request a renewal, an extension or a top-up.\n\n"
            "%(link)s"
        ) % {"hours": hours(allocation.granted_gpu_hours), "project": project.name,
             "end": date_format(allocation.end), "grace": date_format(last_job_day),
             "link": target}

    mail_on_commit(project_people(project), subject, body, kind="allocation.ending",
                   link=target)
