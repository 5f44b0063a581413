"""``manage.py audit_anchor``: write the audit chain's sealed head to the anchor file now.

What ``audit_anchor_task`` does every few minutes, for cron or by hand: exit 0 with one line;
exit 1 when the log or the anchor file failed the check (nothing written, the alert raised).
``--start-new-file``: the anchor file was lost and cannot be restored from a backup; start a new
one (recorded in the audit log). Needs the same LAIF_AUDIT_KEY as the running platform.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from laif.accounts.audit_anchor import audit_anchor


class Command(BaseCommand):
    help = "Anchor the audit chain's sealed head in LAIF_AUDIT_ANCHOR_FILE; exit 1 on a problem."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--start-new-file", action="store_true",
            help="the anchor file is lost: start a new one (refused while the file exists)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.LAIF_AUDIT_ANCHOR_FILE)
        if options["start_new_file"] and path.exists():
            raise CommandError(f"{path} exists: --start-new-file only replaces a lost file",
                               returncode=2)
        result = audit_anchor(start_new_file=options["start_new_file"])
        if result.problem is not None:
            raise CommandError(f"REFUSED: {result.problem}", returncode=1)
        if result.written:
            self.stdout.write(f"anchored entry #{result.seq} in {path}")
        elif result.seq:
            self.stdout.write(f"entry #{result.seq} is already anchored in {path}")
        else:
            self.stdout.write("the audit log is empty: nothing to anchor")
