"""Writes of the cluster context: this installation's key, and the platform's Slurm accounts
(docs/adr/0011-slurm-account-naming.md; names and tags: ``scheduler.names``).

- ``installation_key()``: made once (``Installation``), in every account's tag and job's name;
- ``slurm_account_resolve``: before a reconciliation touches anything, a legacy row (an account
  named by the bare code, from before the prefix) is adopted when the account carries the
  platform's old tag, and dropped otherwise (absent, or someone else's: left as it is);
- ``slurm_account_record``: the account recorded once the scheduler accepted it.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from laif.accounts.audit import SYSTEM, audit_record
from laif.cluster.models import Installation, SlurmAccount
from laif.cluster.scheduler.base import AccountTag, Scheduler
from laif.cluster.scheduler.names import (
    account_name,
    legacy_tag,
    platform_tag,
)

if TYPE_CHECKING:
    from laif.accounts.models import Project


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
