"""``manage.py laif_schedule``: the process that enqueues the periodic work on its triggers
(``laif.ops.schedule``); ``laif serve`` starts it, and in production the ``laif-schedule``
systemd unit (deploy/systemd/). Run one per installation: two would enqueue everything twice
(harmless, the tasks are idempotent, but wasted)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laif.ops import schedule


class Command(BaseCommand):
    help = "Enqueue the periodic tasks on their schedule (LAIF_SCHEDULE_*) until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        schedule.run()
