"""How long a password login must wait after failures (a pure module: no Django).

Failures are counted per (account, client address) by django-axes (see ``throttle.py``). Below
``limit`` failures nothing waits. From ``limit`` on, each further try must wait after the last
failure:

* a client account: ``lockout`` (``LAIF_LOGIN_LOCKOUT_MINUTES``), every time;
* a staff account: a delay that starts at ``staff_first`` (``LAIF_LOGIN_STAFF_DELAY_SECONDS``) and
  doubles with each further failure, up to ``lockout``. Staff are slowed down, not shut out for a
  long time at the first burst of typos, and a guesser still gets only a handful of tries an hour.

Once the wait is over, one more try is allowed; a failure starts the next wait, a success clears
the count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    limit: int
    lockout: timedelta
    staff_first: timedelta


def pause(policy: Policy, *, failures: int, staff: bool) -> timedelta:
    """The wait after the last of ``failures`` consecutive failures."""
    if failures < policy.limit:
        return timedelta(0)
    if not staff:
        return policy.lockout
    beyond = failures - policy.limit
    if beyond >= 40:  # 2**40 seconds is far past any cap; avoids a huge multiplication
        return policy.lockout
    delay: timedelta = policy.staff_first * (2 ** beyond)
    return min(delay, policy.lockout)


def retry_at(policy: Policy, *, failures: int, last_failure: datetime | None,
             staff: bool) -> datetime | None:
    """When the next try is allowed, or None when it is allowed now (no wait configured)."""
    if last_failure is None:
        return None
    wait = pause(policy, failures=failures, staff=staff)
    return last_failure + wait if wait else None


def is_waiting(policy: Policy, *, failures: int, last_failure: datetime | None, staff: bool,
               now: datetime) -> bool:
    at = retry_at(policy, failures=failures, last_failure=last_failure, staff=staff)
    return at is not None and now < at


def wait_in_units(remaining: timedelta) -> tuple[int, str]:
    """A remaining wait as a whole number of ``seconds`` (under a minute) or ``minutes`` (rounded
    up, never 0), for the message a person reads."""
    seconds = max(1, math.ceil(remaining.total_seconds()))
    if seconds < 60:
        return seconds, "seconds"
    return math.ceil(seconds / 60), "minutes"
