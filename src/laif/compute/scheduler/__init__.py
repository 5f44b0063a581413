"""Job schedulers behind one interface (``base.Scheduler``); ``get_scheduler()`` gives the one
``settings.LAIF_EXECUTOR`` names (``local`` by default, ``slurm``). Tests swap in the fake with
``use_scheduler``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from laif.compute.scheduler.base import Scheduler

_override: list[Scheduler] = []


def jobs_dir() -> Path:
    return Path(settings.LAIF_JOBS_DIR)


def get_scheduler(*, timeout: float | None = None) -> Scheduler:
    """The configured scheduler; ``timeout`` (seconds) bounds each of its commands instead of
    ``LAIF_SLURM_TIMEOUT`` (pages use the shorter ``LAIF_SLURM_WEB_TIMEOUT``)."""
    if _override:
        return _override[-1]
    if settings.LAIF_EXECUTOR == "slurm":
        from laif.compute.scheduler.slurm import SlurmScheduler

        return SlurmScheduler(timeout=timeout or settings.LAIF_SLURM_TIMEOUT,
                              jobs_root=jobs_dir(),
                              command_prefix=settings.LAIF_SLURM_COMMAND_PREFIX)
    from laif.compute.scheduler.local import LocalLimits, LocalScheduler

    return LocalScheduler(jobs_dir(), allow_unisolated=settings.LAIF_LOCAL_UNISOLATED,
                          limits=LocalLimits(processes=settings.LAIF_LOCAL_MAX_PROCESSES,
                                             file_bytes=settings.LAIF_LOCAL_MAX_FILE_MB << 20,
                                             memory_bytes=settings.LAIF_LOCAL_MEMORY_MB << 20))


def jobs_unisolated() -> bool:
    """True when jobs run as the platform's own user (the local executor, not as root)."""
    from laif.compute.scheduler.local import LocalScheduler

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
