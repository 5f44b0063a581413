"""``manage.py audit_rotate_key``: finish a rotation of LAIF_AUDIT_KEY (ADR 0018).

Run it with the platform stopped, the new key as LAIF_AUDIT_KEY and the old one among
LAIF_AUDIT_KEYS_RETIRED, before starting the platform again: until it has run every audited
action (logins included) is refused. It verifies the whole log under the old key, records the
rotation (``audit.key_rotated``, the keys' fingerprints) keyed with the new key, reseals the
checkpoint and anchors the new head with it. Exit 0 with one line (also when there is nothing to
do); exit 1 with every problem on stderr when the log fails the check (nothing changed) or the
new head could not be anchored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from laif.accounts.audit_rotation import audit_key_rotate


class Command(BaseCommand):
    help = ("Finish a rotation of LAIF_AUDIT_KEY: verify the audit log under the retired key, "
            "then record the rotation and reseal the log with the new key.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_key_rotate()
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(
                f"REFUSED: the key was not rotated ({len(result.problems)} problem(s)); nothing "
                "was changed", returncode=1)
        if result.rotated:
            self.stdout.write(
                f"rotated: {result.entries} entries verified under retired key {result.old}; "
                f"entry #{result.seq} records the rotation to LAIF_AUDIT_KEY ({result.new}), "
                "which now seals the log")
        else:
            self.stdout.write(f"nothing to do: the audit log is already sealed with "
                              f"LAIF_AUDIT_KEY ({result.new})")
        anchor = result.anchor
        if anchor is not None and anchor.problem is not None:
            raise CommandError(f"the new head could not be anchored: {anchor.problem}",
                               returncode=1)
        if anchor is not None and anchor.written:
            self.stdout.write(f"anchored entry #{anchor.seq} with LAIF_AUDIT_KEY")
