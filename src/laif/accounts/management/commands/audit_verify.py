"""``manage.py audit_verify``: check the audit log's keyed hash chain, its sealed head and the
anchor file (``LAIF_AUDIT_ANCHOR_FILE``) on the host.

For operators (cron, monitoring): exit 0 and one line when intact; exit 1 with every problem on
stderr otherwise. Needs the same LAIF_AUDIT_KEY as the running platform.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from laif.accounts.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and its sealed checkpoint; exit 1 on any break."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            anchors = (f"; {result.anchors} anchor{'s' if result.anchors != 1 else ''} outside "
                       f"the database agree{'s' if result.anchors == 1 else ''}"
                       if result.anchors else "")
            self.stdout.write(f"OK: {result.entries} entries, chain intact, head matches the "
                              f"sealed checkpoint{anchors}.")
            return
        for problem in result.problems:
            self.stderr.write(f"  - {problem}")
        raise CommandError(
            f"TAMPERED: {len(result.problems)} problem(s) in {result.entries} entries",
            returncode=1,
        )
