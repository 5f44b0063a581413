"""GPU-minute budget arithmetic of job submission (pure, no Django).

A job's worst case is array size x GPUs x time limit in minutes. What remains for a new job is the
grant minus what has been used minus the worst case of the project's jobs that have not finished
(queued, pending, running): a job is accepted only if its own worst case fits in that.
"""

from __future__ import annotations

from dataclasses import dataclass


def worst_case(*, array_size: int, gpus: int, time_limit_minutes: int) -> int:
    """GPU-minutes a job can consume at most."""
    if array_size < 1 or gpus < 0 or time_limit_minutes < 1:
        raise ValueError("array size and time limit must be positive, GPUs not negative")
    return array_size * gpus * time_limit_minutes


@dataclass(frozen=True)
class BudgetFigures:
    granted: int  # GPU-minutes
    used: int
    reserved: int  # worst case of the unfinished jobs
    requested: int  # worst case of the new job

    @property
    def remaining(self) -> int:
        return self.granted - self.used - self.reserved

    @property
    def fits(self) -> bool:
        return self.requested <= self.remaining


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
