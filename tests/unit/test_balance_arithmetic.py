"""The pure arithmetic of balances (laif.usage.budget): rounding once to the minute, the
estimate of a finished run the ledger does not have yet, and Slurm's limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from laif.usage import budget


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (1, 1), (45, 1), (60, 1), (61, 2),
                                                  (5_534, 93)])
def test_gpu_seconds_round_up_to_the_minute(seconds: int, minutes: int) -> None:
    assert budget.minutes_of(seconds) == minutes


def test_a_balance_rounds_the_used_seconds_once() -> None:
    b = budget.balance_of(granted_gpu_hours=10, ledger_gpu_seconds=5_490,
                          unrecorded_gpu_seconds=44, reserved_gpu_minutes=100)
    # 5,534 s is 93 minutes; rounding each part first would give 92 + 1 = 93 here but 2 for
    # 30 s + 30 s
    assert (b.granted, b.used, b.reserved, b.left) == (600, 93, 100, 407)
    assert (b.used_hours, b.left_hours) == (Decimal("1.55"), Decimal("6.78"))
    halves = budget.balance_of(granted_gpu_hours=1, ledger_gpu_seconds=30,
                               unrecorded_gpu_seconds=30, reserved_gpu_minutes=0)
    assert halves.used == 1
    assert budget.total([b, halves]).left == 407 + 59
    with pytest.raises(ValueError, match="non-negative"):
        budget.balance_of(granted_gpu_hours=1, ledger_gpu_seconds=-1,
                          unrecorded_gpu_seconds=0, reserved_gpu_minutes=0)


def test_an_unrecorded_run_counts_its_gpus_and_time_never_past_its_worst_case() -> None:
    assert budget.unrecorded_gpu_seconds(gpus=4, array_size=1, time_limit_minutes=10,
                                         elapsed_seconds=30, tasks_in_parallel=True) == 120
    # an array's tasks side by side on Slurm, one after the other on the local runner
    assert budget.unrecorded_gpu_seconds(gpus=2, array_size=3, time_limit_minutes=10,
                                         elapsed_seconds=60, tasks_in_parallel=True) == 360
    assert budget.unrecorded_gpu_seconds(gpus=2, array_size=3, time_limit_minutes=10,
                                         elapsed_seconds=60, tasks_in_parallel=False) == 120
    assert budget.unrecorded_gpu_seconds(gpus=1, array_size=1, time_limit_minutes=1,
                                         elapsed_seconds=500, tasks_in_parallel=True) == 60


def test_slurms_limit_keeps_what_it_counted_and_running_jobs_and_adds_the_headroom() -> None:
    assert budget.scheduler_limit(used=300, running=0, headroom=600) == 900
    assert budget.scheduler_limit(used=300, running=40, headroom=-50) == 340  # nothing new
    with pytest.raises(ValueError, match="negative"):
        budget.scheduler_limit(used=-1, running=0, headroom=0)
