"""``manage.py allocations_tick [--date YYYY-MM-DD]``: the daily pass of the allocation life
cycle, for cron or a systemd timer (or the ``allocations_tick_task`` of the task queue).

Moves allocations to expiring, grace and expired and sends each end-of-allocation notice once;
running it twice the same day changes and sends nothing the second time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laif.allocations.expiry import allocations_tick


class Command(BaseCommand):
    help = "Move allocations along their life cycle and send the end-of-allocation notices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to apply (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        result = allocations_tick(day)
        for pk, old, new in result.moved:
            self.stdout.write(f"allocation {pk}: {old} -> {new}")
        for pk, days in result.notices:
            self.stdout.write(f"allocation {pk}: {days}-day notice sent")
        self.stdout.write(f"{len(result.moved)} moved, {len(result.notices)} notice(s) sent.")
