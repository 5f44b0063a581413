"""Is a background run that says "running" still alive? Pure (no Django).

A run records the host and process id that do it and, as it goes, a heartbeat. It is taken as
interrupted when it was started on this host by a process that no longer exists (killed, a
crash, a reboot), or when it has given no sign of life for ``stale_after`` (a run on another
host, whose process cannot be looked at from here).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

RUNNING = "running"
INTERRUPTED = "interrupted"


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (one of another user counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_condition(*, state: str, host: str, pid: int | None, last_sign: datetime,
                  now: datetime, this_host: str, stale_after: timedelta,
                  alive: Callable[[int], bool] = process_alive) -> str:
    """``state`` as recorded, or ``interrupted`` for a run recorded as running whose process is
    gone or whose last sign of life is older than ``stale_after``."""
    if state != RUNNING:
        return state
    if host and host == this_host and pid is not None and not alive(pid):
        return INTERRUPTED
    if now - last_sign > stale_after:
        return INTERRUPTED
    return RUNNING
