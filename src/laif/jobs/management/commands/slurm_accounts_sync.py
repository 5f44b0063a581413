"""``manage.py slurm_accounts_sync [--project CODE]``: reconcile the Slurm account of every project
that has one recorded or an allocation (or of one project), as ``slurm_account_sync_task`` does
for one. Run it once after upgrading from bare-named accounts (docs/adr/0011): each legacy account
is adopted when it carries the platform's old tag, and otherwise left alone while its project gets
a prefixed account of its own. Idempotent; exits 1 when an account was refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from laif.accounts.models import Project
from laif.jobs.accounts_sync import slurm_account_sync


class Command(BaseCommand):
    help = "Reconcile the projects' Slurm accounts (settles accounts of before the prefix)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="the code of one project (default: every project "
                                              "with a Slurm account or an allocation)")

    def handle(self, *args: Any, **options: Any) -> None:
        projects = Project.objects.order_by("pk")
        if options["project"]:
            projects = projects.filter(code=options["project"])
            if not projects.exists():
                raise CommandError(f"no project has the code {options['project']!r}")
        else:
            projects = projects.filter(Q(slurm_account__isnull=False)
                                       | Q(allocations__isnull=False)).distinct()
        refused = 0
        for project in projects:
            result = slurm_account_sync(project_id=project.pk)
            if result.refused:
                refused += 1
                self.stdout.write(f"{project.code}: refused: {result.refused}")
            else:
                state = "changed" if result.changed else "unchanged"
                self.stdout.write(f"{project.code}: {result.account} {state}")
        if refused:
            raise CommandError(f"{refused} account(s) refused: they are not this platform's "
                               "(see the audit log, compute.scheduler_account_refused)")
