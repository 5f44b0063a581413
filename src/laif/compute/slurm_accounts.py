"""Which Slurm accounts are the platform's: their names, their tag, and which ones jobs and the
usage ledger use (docs/adr/0011-slurm-account-naming.md; names and tags: ``slurm_names``).

- ``slurm_account_name(project)``: the one name of a project's account everywhere (jobs, the
  reconciliation, the ledger): the recorded ``SlurmAccount``, else ``<prefix><code>``.
- ``slurm_account_resolve``: before a reconciliation touches anything, a legacy row (an account
  named by the bare code, from before the prefix) is adopted when the account carries the
  platform's old tag, and dropped otherwise (absent, or someone else's: left as it is).
- ``platform_accounts()``: the accounts whose accounting the periodic ingestion reads, and
  ``platform_start()``: from when the first one reads.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min

from laif.accounts.audit import SYSTEM, audit_record
from laif.accounts.models import Project
from laif.compute.models import Allocation, Installation
from laif.compute.scheduler.base import AccountTag, Scheduler
from laif.compute.scheduler.names import (
    AccountNameError,
    account_name,
    legacy_tag,
    platform_tag,
)
from laif.compute.slurm_models import SlurmAccount


def installation_key() -> str:
    """This installation's random key (8 hex digits), made once and kept in the database
    (``Installation``): in its accounts' tags and in its jobs' names."""
    found = Installation.objects.filter(pk=1).values_list("key", flat=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Installation.objects.create(pk=1, key=secrets.token_hex(4)).key
    except IntegrityError:  # made at the same time by another process
        return Installation.objects.get(pk=1).key


def project_tag(project: Project) -> AccountTag:
    """The tag of the project's account: this installation's."""
    return platform_tag(project.code, installation_key())


def slurm_account_name(project: Project) -> str:
    """The project's Slurm account: the one recorded for it, else ``<prefix><code>``
    (``AccountNameError`` when the code cannot name one)."""
    recorded = SlurmAccount.objects.filter(project_id=project.pk).values_list(
        "name", flat=True).first()
    return recorded or account_name(project.code, settings.LAIF_SLURM_ACCOUNT_PREFIX)


def slurm_account_checked(project_id: int) -> bool:
    """Whether the project's account is recorded as the platform's (not a legacy row)."""
    return SlurmAccount.objects.filter(project_id=project_id, legacy=False).exists()


def slurm_account_resolve(*, project: Project, scheduler: Scheduler) -> str:
    """The account the project's reconciliation works on. A legacy row is settled first: an
    account carrying the old tag (or already this installation's) is adopted, re-tagged as this
    installation's; an absent one or someone else's is dropped (audited when it exists: left as
    it is) and the project gets ``<prefix><code>``."""
    row = SlurmAccount.objects.filter(project_id=project.pk).first()
    if row is None or not row.legacy:
        return row.name if row else account_name(project.code,
                                                 settings.LAIF_SLURM_ACCOUNT_PREFIX)
    found = scheduler.account_tag(row.name)
    mine = project_tag(project)
    if found in (legacy_tag(project.code), mine):
        if found != mine:
            scheduler.set_account_tag(row.name, mine)
        SlurmAccount.objects.filter(pk=row.pk).update(legacy=False)
        audit_record(actor=SYSTEM, action="compute.scheduler_account_adopted",
                     target=f"project:{project.pk}", organisation_id=project.organisation_id,
                     detail={"scheduler": scheduler.name, "account": row.name,
                             "description": mine.description})
        return row.name
    row.delete()
    if found is not None:
        audit_record(actor=SYSTEM, action="compute.scheduler_account_refused",
                     target=f"project:{project.pk}", organisation_id=project.organisation_id,
                     detail={"scheduler": scheduler.name, "account": row.name,
                             "organization": found.organization,
                             "description": found.description, "legacy": True,
                             "reason": "a bare-named account that is not the platform's: the "
                                       "project gets an account of its own"})
    return account_name(project.code, settings.LAIF_SLURM_ACCOUNT_PREFIX)


def slurm_account_record(*, project: Project, name: str) -> None:
    """Record ``name`` as the project's account once the scheduler accepted it as the
    platform's (idempotent)."""
    SlurmAccount.objects.get_or_create(project=project, defaults={"name": name})


def platform_accounts() -> list[str]:
    """The accounts whose accounting the platform reads: every recorded one, whatever the state
    of its project's allocations (late records of ended ones still count), legacy rows included
    (the accounting read before the prefix, until their reconciliation settles them)."""
    return sorted(SlurmAccount.objects.values_list("name", flat=True))


def project_accounts() -> list[tuple[str, int, int]]:
    """(account, project id, organisation id) of every project, by ``slurm_account_name``'s
    rule (recorded ones first); projects whose code names no account are left out."""
    recorded: list[tuple[str, int, int]] = []
    named: list[tuple[str, int, int]] = []
    prefix = settings.LAIF_SLURM_ACCOUNT_PREFIX
    for pk, code, organisation_id, name in Project.objects.order_by("pk").values_list(
            "pk", "code", "organisation_id", "slurm_account__name"):
        if name:
            recorded.append((name, pk, organisation_id))
            continue
        try:
            named.append((account_name(code, prefix), pk, organisation_id))
        except AccountNameError:
            continue
    return recorded + named


def platform_start() -> datetime | None:
    """Where the first periodic ingestion (no checkpoint yet) reads from: the platform's own
    start, the earliest project creation or allocation start (local midnight); None without
    either. No job ran on a project's account before the project existed."""
    created = Project.objects.aggregate(first=Min("created_at"))["first"]
    day = Allocation.objects.aggregate(first=Min("start"))["first"]
    starts = [created] if created else []
    if day is not None:
        starts.append(datetime.combine(day, time(), tzinfo=ZoneInfo(settings.TIME_ZONE)))
    return min(starts) if starts else None
