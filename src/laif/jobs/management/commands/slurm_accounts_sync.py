"""``manage.py slurm_accounts_sync [--project CODE]``: reconcile the Slurm account of every project
that has one recorded or an allocation (or of one project), as ``slurm_account_sync_task`` does
for one. Run it once after upgrading from bare-named accounts (docs/adr/0011): each legacy account
is adopted when it carries the platform's old tag, and otherwise left alone while its project gets
a prefixed account of its own. Idempotent; exits 1 when an account was refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laif.accounts.selectors import project_rows, projects_by_code
from laif.allocations.selectors import projects_with_allocations
from laif.cluster.selectors import projects_with_accounts
from laif.jobs.accounts_sync import slurm_account_sync


class Command(BaseCommand):
    help = "Reconcile the projects' Slurm accounts (settles accounts of before the prefix)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="the code of one project (default: every project "
                                              "with a Slurm account or an allocation)")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["project"]
        if code:
            found = projects_by_code([code]).get(code)
            if found is None:
                raise CommandError(f"no project has the code {code!r}")
            projects = [(found.pk, found.code)]
        else:
            ids = set(projects_with_allocations()) | projects_with_accounts()
            projects = [(pk, code) for pk, code, _ in project_rows() if pk in ids]
        refused = 0
        for project_id, project_code in projects:
            result = slurm_account_sync(project_id=project_id)
            if result.refused:
                refused += 1
                self.stdout.write(f"{project_code}: refused: {result.refused}")
            else:
                state = "changed" if result.changed else "unchanged"
                self.stdout.write(f"{project_code}: {result.account} {state}")
        if refused:
            raise CommandError(f"{refused} account(s) refused: they are not this platform's "
                               "(see the audit log, compute.scheduler_account_refused)")
