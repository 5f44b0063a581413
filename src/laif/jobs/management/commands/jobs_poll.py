"""``manage.py jobs_poll``: one pass of the job housekeeping, by hand (the schedule runs it as
``jobs_poll_task``, every minute by default: ``LAIF_SCHEDULE_JOBS_POLL``).

Settles the jobs a crashed worker left ``submitting`` and those whose submission got no answer
(``confirming``): adopted if the scheduler has them (by their tag), submitted again if it surely
does not. Submits the jobs the platform still holds as queued (the scheduler was
unreachable), exactly once each, and refreshes the state of the unfinished jobs from the
scheduler. Safe to run while the task queue's workers also retry queued jobs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laif.jobs.housekeeping import jobs_poll


class Command(BaseCommand):
    help = "Submit the queued jobs and refresh the unfinished ones from the scheduler."

    def handle(self, *args: Any, **options: Any) -> None:
        result = jobs_poll()
        self.stdout.write(f"{result.recovered} interrupted submission(s) recovered; "
                          f"{result.submitted} queued job(s) submitted; {result.changed} of "
                          f"{result.unfinished} unfinished job(s) changed state")
