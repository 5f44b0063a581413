"""The waits after failed logins (laif.accounts.throttle_rules, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from laif.accounts.throttle_rules import Policy, is_waiting, pause, retry_at, wait_in_units

POLICY = Policy(limit=5, lockout=timedelta(minutes=15), staff_first=timedelta(seconds=30))
NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("failures", [0, 1, 4])
def test_no_wait_below_the_limit(failures: int) -> None:
    assert pause(POLICY, failures=failures, staff=False) == timedelta(0)
    assert pause(POLICY, failures=failures, staff=True) == timedelta(0)
    assert retry_at(POLICY, failures=failures, last_failure=NOW, staff=False) is None


@pytest.mark.parametrize("failures", [5, 6, 50])
def test_a_client_account_waits_the_lockout_each_time(failures: int) -> None:
    assert pause(POLICY, failures=failures, staff=False) == timedelta(minutes=15)


@pytest.mark.parametrize(("failures", "seconds"), [
    (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900), (11, 900), (10_000, 900)])
def test_a_staff_account_waits_a_doubling_delay_up_to_the_lockout(failures: int,
                                                                  seconds: int) -> None:
    assert pause(POLICY, failures=failures, staff=True) == timedelta(seconds=seconds)


def test_waiting_runs_from_the_last_failure() -> None:
    last = NOW - timedelta(minutes=14, seconds=59)
    assert is_waiting(POLICY, failures=5, last_failure=last, staff=False, now=NOW)
    assert not is_waiting(POLICY, failures=5, last_failure=last - timedelta(seconds=1),
                          staff=False, now=NOW)
    assert not is_waiting(POLICY, failures=5, last_failure=None, staff=False, now=NOW)
    assert retry_at(POLICY, failures=6, last_failure=NOW, staff=True) == NOW + timedelta(
        seconds=60)


@pytest.mark.parametrize(("remaining", "said"), [
    (timedelta(seconds=0.2), (1, "seconds")), (timedelta(seconds=30), (30, "seconds")),
    (timedelta(seconds=59.5), (1, "minutes")), (timedelta(seconds=61), (2, "minutes")),
    (timedelta(minutes=15), (15, "minutes"))])
def test_the_wait_in_words(remaining: timedelta, said: tuple[int, str]) -> None:
    assert wait_in_units(remaining) == said
