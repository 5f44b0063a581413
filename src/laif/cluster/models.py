"""This installation and the platform's own Slurm accounts (docs/adr/0011-slurm-account-naming.md).

``Installation`` holds the key that tells this installation's accounts from another's on the
same cluster (their ``Description`` ends with it; its jobs' names carry it too).
``SlurmAccount`` is the account of a project,
recorded once the reconciliation created it with the platform's tag or found it carrying that
tag: jobs are submitted and accounting is read only for these. A ``legacy`` row is an account of
before the prefix (named by the bare code), recorded by the migration for the projects that
existed then and not yet checked: the next reconciliation adopts it when it carries the old tag,
or drops the row (the project then gets a prefixed account of its own).
"""

from __future__ import annotations

from django.db import models


class SlurmAccount(models.Model):
    project = models.OneToOneField("accounts.Project", on_delete=models.PROTECT,
                                   related_name="slurm_account")
    name = models.CharField(max_length=42, unique=True)
    legacy = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "compute_slurmaccount"  # the name from before the split (ADR 0020)

    def __str__(self) -> str:
        return f"{self.name}{' (legacy, unchecked)' if self.legacy else ''}"


class Installation(models.Model):
    """This installation of the platform: a random key made once, which every job carries in its
    scheduler name (``laif-<key>-<job id>``), so that a job is told apart from those of another
    installation, or of an earlier database whose job ids were the same, on one cluster."""

    key = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_installation"  # the name from before the split (ADR 0020)

    def __str__(self) -> str:
        return f"installation {self.key}"
