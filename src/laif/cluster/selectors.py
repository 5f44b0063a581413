"""Reads of the cluster context: which scheduler the platform drives, and which Slurm accounts
are the platform's (docs/adr/0011-slurm-account-naming.md).

- ``get_scheduler()``: the adapter ``LAIF_EXECUTOR`` names (``local`` by default, ``slurm``);
  tests swap in the fake with ``use_scheduler``;
- ``slurm_account_name(project)``: the one name of a project's account everywhere (jobs, the
  reconciliation, the ledger): the recorded ``SlurmAccount``, else ``<prefix><code>``;
- ``platform_accounts()``: the accounts whose accounting the periodic ingestion reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from laif.accounts.selectors import project_rows
from laif.cluster.models import SlurmAccount
from laif.cluster.scheduler.base import Scheduler
from laif.cluster.scheduler.names import AccountNameError, account_name

if TYPE_CHECKING:
    from laif.accounts.models import Project

_override: list[Scheduler] = []


def jobs_dir() -> Path:
    return Path(settings.LAIF_JOBS_DIR)


def get_scheduler(*, timeout: float | None = None) -> Scheduler:
    """The configured scheduler; ``timeout`` (seconds) bounds each of its commands instead of
    ``LAIF_SLURM_TIMEOUT`` (pages use the shorter ``LAIF_SLURM_WEB_TIMEOUT``)."""
    if _override:
        return _override[-1]
    if settings.LAIF_EXECUTOR == "slurm":
        from laif.cluster.scheduler.slurm import SlurmScheduler

        return SlurmScheduler(timeout=timeout or settings.LAIF_SLURM_TIMEOUT,
                              jobs_root=jobs_dir(),
                              command_prefix=settings.LAIF_SLURM_COMMAND_PREFIX)
    from laif.cluster.scheduler.local import LocalLimits, LocalScheduler

    return LocalScheduler(jobs_dir(), allow_unisolated=settings.LAIF_LOCAL_UNISOLATED,
                          energy=settings.LAIF_LOCAL_ENERGY,
                          limits=LocalLimits(processes=settings.LAIF_LOCAL_MAX_PROCESSES,
                                             file_bytes=settings.LAIF_LOCAL_MAX_FILE_MB << 20,
                                             memory_bytes=settings.LAIF_LOCAL_MEMORY_MB << 20))


def jobs_unisolated() -> bool:
    """True when jobs run as the platform's own user (the local executor, not as root)."""
    from laif.cluster.scheduler.local import LocalScheduler

    scheduler = get_scheduler()
    return isinstance(scheduler, LocalScheduler) and not scheduler.isolated


@contextmanager
def use_scheduler(scheduler: Scheduler) -> Iterator[Scheduler]:
    """Make ``get_scheduler()`` return this one inside the block (tests)."""
    _override.append(scheduler)
    try:
        yield scheduler
    finally:
        _override.pop()


def slurm_account_name(project: Project) -> str:
    """The project's Slurm account: the one recorded for it, else ``<prefix><code>``
    (``AccountNameError`` when the code cannot name one)."""
    recorded = SlurmAccount.objects.filter(project_id=project.pk).values_list(
        "name", flat=True).first()
    return recorded or account_name(project.code, settings.LAIF_SLURM_ACCOUNT_PREFIX)

def slurm_account_checked(project_id: int) -> bool:
    """Whether the project's account is recorded as the platform's (not a legacy row)."""
    return SlurmAccount.objects.filter(project_id=project_id, legacy=False).exists()

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
    names = dict(SlurmAccount.objects.values_list("project_id", "name"))
    for pk, code, organisation_id in project_rows():
        name = names.get(pk)
        if name:
            recorded.append((name, pk, organisation_id))
            continue
        try:
            named.append((account_name(code, prefix), pk, organisation_id))
        except AccountNameError:
            continue
    return recorded + named


def projects_with_accounts() -> set[int]:
    """Ids of the projects with a recorded Slurm account."""
    return set(SlurmAccount.objects.values_list("project_id", flat=True))
