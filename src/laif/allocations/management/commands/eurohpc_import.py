"""``manage.py eurohpc_import FILE``: import EuroHPC awards (JSON or CSV) into the EuroHPC pools.

Idempotent: awards imported before with the same figures are reported as unchanged. The whole file
is refused (exit 1, nothing imported) when a row is wrong or the new awards would take a pool
past capacity x overbooking. ``--operator`` names the operator recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.selectors import active_user_by_email
from laif.allocations import awards, eurohpc


class Command(BaseCommand):
    help = "Import GPU-hours awarded by EuroHPC access calls from a JSON or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="awards file (.json or .csv)")
        parser.add_argument("--operator", required=True,
                            help="e-mail address of the operator doing the import")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        operator = active_user_by_email(options["operator"])
        if operator is None:
            raise CommandError(f"no active account {options['operator']!r}")
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            parsed = awards.parse_file(content, path.name)
            result = eurohpc.eurohpc_import(
                access=access_for(operator), actor=Actor.of(operator),
                awards=parsed)
        except awards.AwardFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"{path.name}: nothing imported", returncode=1) from exc
        except DomainError as exc:
            raise CommandError(f"nothing imported: {exc.message}", returncode=1) from exc
        for allocation in result.created:
            self.stdout.write(f"imported {allocation.eurohpc_reference}: "
                              f"{allocation.granted_gpu_hours} GPU-hours for "
                              f"{allocation.project.code}")
        self.stdout.write(f"{len(result.created)} imported, {len(result.unchanged)} unchanged.")
