"""GPU budget arithmetic: an allocation's balance and the job pre-check (pure, no Django).

Everything is counted in whole GPU-minutes, the unit of a job's worst case and of Slurm's
``GrpTRESMins``; the ledger's GPU-seconds are rounded up to the minute once, here, so 45
GPU-seconds count as one GPU-minute and every page, the API, the CLI and the pre-check show the
same figure.

An allocation's balance (ADR 0017):

- ``granted``: its GPU-hours x 60;
- ``used``: the usage the ledger charged to it, plus the runs of the platform's jobs charged to
  it that ended after the ledger's last ingestion (not in the ledger yet: counted by their own
  records until they are);
- ``reserved``: the worst case of its jobs that have not finished (waiting or running), which
  the scheduler may still consume;
- ``left = granted - used - reserved``.

A job's worst case is array size x GPUs x time limit in minutes. A new job is accepted only if
its worst case fits in what is left of the project's allocations in force together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def worst_case(*, array_size: int, gpus: int, time_limit_minutes: int) -> int:
    """GPU-minutes a job can consume at most."""
    if array_size < 1 or gpus < 0 or time_limit_minutes < 1:
        raise ValueError("array size and time limit must be positive, GPUs not negative")
    return array_size * gpus * time_limit_minutes


def minutes_of(gpu_seconds: int) -> int:
    """GPU-seconds as GPU-minutes, rounded up (a started minute counts)."""
    if gpu_seconds < 0:
        raise ValueError("GPU-seconds cannot be negative")
    return -(-gpu_seconds // 60)


def hours_of(gpu_minutes: int) -> Decimal:
    """GPU-minutes as GPU-hours with two decimals (half up), for display."""
    return (Decimal(gpu_minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Balance:
    """One allocation's balance, in GPU-minutes (see the module's docstring)."""

    granted: int
    used: int
    reserved: int
    unrecorded_jobs: int = 0  # finished jobs counted in ``used`` before the ledger has them

    @property
    def left(self) -> int:
        return self.granted - self.used - self.reserved

    @property
    def granted_hours(self) -> Decimal:
        return hours_of(self.granted)

    @property
    def used_hours(self) -> Decimal:
        return hours_of(self.used)

    @property
    def reserved_hours(self) -> Decimal:
        return hours_of(self.reserved)

    @property
    def left_hours(self) -> Decimal:
        return hours_of(self.left)

    def __add__(self, other: Balance) -> Balance:
        return Balance(granted=self.granted + other.granted, used=self.used + other.used,
                       reserved=self.reserved + other.reserved,
                       unrecorded_jobs=self.unrecorded_jobs + other.unrecorded_jobs)


ZERO = Balance(granted=0, used=0, reserved=0)


def total(balances: Iterable[Balance]) -> Balance:
    """The balances of several allocations (a project's in force) added up."""
    result = ZERO
    for balance in balances:
        result = result + balance
    return result


def balance_of(*, granted_gpu_hours: int, ledger_gpu_seconds: int, unrecorded_gpu_seconds: int,
               reserved_gpu_minutes: int, unrecorded_jobs: int = 0) -> Balance:
    """An allocation's balance from its grant, the ledger's GPU-seconds charged to it, the
    GPU-seconds of its finished runs the ledger does not have yet, and the worst case of its
    unfinished jobs."""
    if min(granted_gpu_hours, ledger_gpu_seconds, unrecorded_gpu_seconds,
           reserved_gpu_minutes) < 0:
        raise ValueError("a balance is made of non-negative figures")
    return Balance(granted=granted_gpu_hours * 60,
                   used=minutes_of(ledger_gpu_seconds + unrecorded_gpu_seconds),
                   reserved=reserved_gpu_minutes, unrecorded_jobs=unrecorded_jobs)


def unrecorded_gpu_seconds(*, gpus: int, array_size: int, time_limit_minutes: int,
                           elapsed_seconds: int, tasks_in_parallel: bool) -> int:
    """What a finished job consumed by its own record, until the ledger has the scheduler's
    figure: GPUs x elapsed time (x tasks when the scheduler runs an array's tasks side by side),
    never more than its worst case."""
    tasks = array_size if tasks_in_parallel else 1
    worst = worst_case(array_size=array_size, gpus=gpus,
                       time_limit_minutes=time_limit_minutes) * 60
    return min(worst, gpus * tasks * max(elapsed_seconds, 0))


def scheduler_limit(*, used: int, running: int, headroom: int) -> int:
    """The GPU-minute limit to give the scheduler's account (Slurm's ``GrpTRESMins``): what it
    has counted (``used``), plus what its running jobs may still use (``running``, so that they
    are never stopped), plus what the project may still start (``headroom``: grant - usage -
    worst case of its running jobs; nothing when negative). Slurm then lets a job start only
    if its worst case fits in ``headroom``, whatever the account used before."""
    if used < 0 or running < 0:
        raise ValueError("the scheduler's figures cannot be negative")
    return used + running + max(headroom, 0)


@dataclass(frozen=True)
class BudgetFigures:
    """The pre-check of a new job against the project's allocations in force, in GPU-minutes."""

    granted: int
    used: int
    reserved: int  # worst case of the unfinished jobs
    requested: int  # worst case of the new job

    @property
    def remaining(self) -> int:
        return self.granted - self.used - self.reserved

    @property
    def fits(self) -> bool:
        return self.requested <= self.remaining

    @classmethod
    def of(cls, balance: Balance, requested: int) -> BudgetFigures:
        return cls(granted=balance.granted, used=balance.used, reserved=balance.reserved,
                   requested=requested)


class BudgetExceeded(Exception):
    def __init__(self, figures: BudgetFigures) -> None:
        super().__init__(
            f"job needs {figures.requested} GPU-minutes, {max(figures.remaining, 0)} remain "
            f"(granted {figures.granted}, used {figures.used}, reserved {figures.reserved})")
        self.figures = figures


def check(figures: BudgetFigures) -> BudgetFigures:
    """The figures when the job fits; ``BudgetExceeded`` with them when it does not."""
    if not figures.fits:
        raise BudgetExceeded(figures)
    return figures
