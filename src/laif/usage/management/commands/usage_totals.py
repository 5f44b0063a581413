"""``manage.py usage_totals --check | --rebuild``: the ledger's running totals (``UsageTotal``)
against its entries.

``--check`` compares every total with ``GROUP BY`` over the entries and their billing and exits
1 listing the keys that differ (none should: the totals are written in the same transactions as
the entries). ``--rebuild`` makes them again from the entries, in one transaction that locks the
totals table against the ingestion and statement issue meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from laif.usage import totals
from laif.usage.models import UsageTotal


class Command(BaseCommand):
    help = "Check the usage ledger's running totals against its entries, or rebuild them."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="compare; exit 1 on a difference")
        action.add_argument("--rebuild", action="store_true", help="make them again from the entries")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(f"LOCK TABLE {UsageTotal._meta.db_table} IN EXCLUSIVE MODE")
                rows = totals.totals_rebuild()
            self.stdout.write(f"{rows} total row(s) made from the entries.")
            return
        differences = totals.totals_differences()
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(f"{len(differences)} total(s) differ from the entries: run "
                               "manage.py usage_totals --rebuild")
        self.stdout.write("The running totals equal the entries.")
