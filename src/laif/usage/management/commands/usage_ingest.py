"""``manage.py usage_ingest [--sacct-json FILE] [--start ISO] [--end ISO]``: finished job runs
into the usage ledger.

With ``--sacct-json`` it replays a file of ``sacct --json -X -D`` output (past periods can be
rebuilt and checked; a record already in the ledger is left alone). Without it, it is the periodic
ingestion (cron, a systemd timer, or ``usage_ingest_task``): the scheduler's accounting from the
checkpoint minus ``LAIF_USAGE_OVERLAP_HOURS`` to now (``--start``/``--end`` override the window),
or, for the local runner, its finished jobs. Safe to run twice, or after a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laif.cluster.scheduler.base import SchedulerError
from laif.usage.sacct import SacctFormatError
from laif.usage.services import IngestResult, usage_ingest_sacct, usage_ingest_window


def _instant(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{option}: {exc}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Ingest finished job runs into the usage ledger (a sacct --json file, or the window " \
           "since the last checkpoint)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sacct-json", help="a file of sacct --json -X -D output to replay")
        parser.add_argument("--start", help="start of the window (ISO 8601, UTC if no offset)")
        parser.add_argument("--end", help="end of the window (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done:,} / {total:,} records processed")

        try:
            if options["sacct_json"]:
                data = Path(options["sacct_json"]).read_bytes()
                result: IngestResult = usage_ingest_sacct(data=data, progress=progress)
            else:
                result = usage_ingest_window(
                    start=_instant(options["start"], "--start") if options["start"] else None,
                    end=_instant(options["end"], "--end") if options["end"] else None,
                    progress=progress)
        except OSError as exc:
            raise CommandError(f"--sacct-json: {exc}") from exc
        except (SacctFormatError, SchedulerError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"ingest run {result.run_id}: {result.records_read:,} finished runs read, "
            f"{result.records_new:,} new, {result.entries_new:,} monthly entries"
            + (f"; checkpoint {result.ingested_until:%Y-%m-%dT%H:%M:%SZ}"
               if result.ingested_until else ""))
