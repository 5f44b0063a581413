"""The pure parts of running the platform: staff networks, schedule specs, and whether a run left
"running" is still alive (client addresses behind proxies: tests/unit/test_forwarded.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from laif.accounts.forwarded import in_networks
from laif.config.env import parse_networks
from laif.ops.liveness import INTERRUPTED, RUNNING, run_condition
from laif.ops.schedule_spec import parse_spec

STAFF = parse_networks("10.20.0.0/16, 2001:db8::/32")


def test_staff_networks_hold_addresses_and_ranges() -> None:
    assert in_networks("10.20.3.4", STAFF)
    assert in_networks("2001:db8::7", STAFF)
    assert not in_networks("10.21.0.1", STAFF)
    assert not in_networks("not an address", STAFF)
    assert in_networks("::ffff:10.20.0.9", STAFF)  # IPv4-mapped, as dual-stack sockets give
    with pytest.raises(ValueError, match=re.escape("'10.0.0.0/33'")):
        parse_networks("10.0.0.0/8, 10.0.0.0/33")


@pytest.mark.parametrize(("text", "seconds", "crontab"), [
    ("30s", 30, None), ("15m", 900, None), ("1h", 3600, None), ("1d", 86400, None),
    ("5 0 * * *", None, "5 0 * * *"), ("*/10  *  * * 1-5", None, "*/10 * * * 1-5"),
])
def test_schedule_specs(text: str, seconds: int | None, crontab: str | None) -> None:
    spec = parse_spec(text)
    assert (spec.seconds, spec.crontab, spec.off) == (seconds, crontab, False)


@pytest.mark.parametrize("text", ["off", "OFF", "never"])
def test_schedule_off(text: str) -> None:
    assert parse_spec(text).off


@pytest.mark.parametrize(("text", "words"), [
    ("0s", "between 1s and 7d"), ("8d", "between 1s and 7d"), ("soon", "expected an interval"),
    ("61 * * * *", "not a valid crontab"), ("* * *", "expected an interval"),
])
def test_schedule_spec_errors_say_what_was_expected(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_spec(text)


NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _condition(*, state: str = RUNNING, host: str = "web1", pid: int | None = 42,
               age: timedelta = timedelta(minutes=1), alive: bool = True) -> str:
    return run_condition(state=state, host=host, pid=pid, last_sign=NOW - age, now=NOW,
                         this_host="web1", stale_after=timedelta(minutes=60),
                         alive=lambda _pid: alive)


def test_a_running_run_whose_process_is_gone_is_interrupted() -> None:
    assert _condition(alive=True) == RUNNING
    assert _condition(alive=False) == INTERRUPTED


def test_a_run_of_another_host_is_judged_by_its_last_sign_of_life() -> None:
    assert _condition(host="worker2", alive=False) == RUNNING  # cannot look at its process
    assert _condition(host="worker2", age=timedelta(minutes=61)) == INTERRUPTED
    assert _condition(host="", pid=None, age=timedelta(hours=2)) == INTERRUPTED  # before 0009


def test_finished_runs_keep_their_state() -> None:
    assert _condition(state="done", alive=False, age=timedelta(days=3)) == "done"
    assert _condition(state="failed", alive=False) == "failed"

