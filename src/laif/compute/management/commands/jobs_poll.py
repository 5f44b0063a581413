"""``manage.py jobs_poll``: one pass of the job housekeeping, for cron or a systemd timer.

Settles the jobs a crashed worker left ``submitting`` and those whose submission got no answer
(``confirming``): adopted if the scheduler has them (by their tag), submitted again if it surely
does not. Submits the jobs the platform still holds as queued (the scheduler was
unreachable), exactly once each, and refreshes the state of the unfinished jobs from the
scheduler. Safe to run while the task queue's workers also retry queued jobs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laif.compute import job_state, jobs
from laif.compute.models import ACTIVE_JOB_STATES, Job

BATCH = 500


class Command(BaseCommand):
    help = "Submit the queued jobs and refresh the unfinished ones from the scheduler."

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = jobs.job_recover_stuck()
        sent = jobs.job_dispatch_queued()
        live = list(Job.objects.filter(state__in=ACTIVE_JOB_STATES)
                    .exclude(scheduler_id="").select_related("project").order_by("id")[:BATCH])
        before = {job.pk: job.state for job in live}
        job_state.job_refresh(live, fresh=True)
        changed = sum(1 for job in live if before[job.pk] != job.state)
        self.stdout.write(f"{len(recovered)} interrupted submission(s) recovered; {sent} queued "
                          f"job(s) submitted; {changed} of {len(live)} unfinished job(s) changed "
                          "state")
