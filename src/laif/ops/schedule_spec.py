"""When a periodic task runs: ``30s``, ``15m``, ``1h``, ``1d`` (every so long), a crontab line
(``5 0 * * *``: minute hour day-of-month month day-of-week, in the site's time zone), or ``off``.

Pure (no Django): ``settings.py`` checks every ``LAIF_SCHEDULE_*`` variable at start-up with
:func:`parse_spec`, and the schedule process turns each spec into an APScheduler trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from laif.config.env import Env

SCHEDULE_DEFAULTS = {
    "jobs_poll": "1m", "usage_ingest": "15m", "allocations_tick": "5 0 * * *",
    "slurm_accounts": "1h", "task_results_prune": "30 3 * * *", "audit_anchor": "5m",
    "sandbox_sweep": "1h", "registry_sweep": "1h", "train_offers": "5m",
}
"""The configurable entries of ``laif.ops.schedule.PERIODIC`` and their default triggers; each
is read from ``LAIF_SCHEDULE_<ENTRY>`` (documented in docs/CONFIGURATION.md)."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_EVERY_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Spec:
    """Every ``seconds``, or on a ``crontab`` line; neither when off."""

    text: str
    seconds: int | None = None
    crontab: str | None = None

    @property
    def off(self) -> bool:
        return self.seconds is None and self.crontab is None


def parse_spec(value: str) -> Spec:
    text = " ".join(value.split()).lower()
    if text in ("off", "never", "0"):
        return Spec("off")
    match = re.fullmatch(r"([0-9]{1,7})([smhd])", text)
    if match:
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        if not 1 <= seconds <= MAX_EVERY_SECONDS:
            raise ValueError(f"expected an interval between 1s and 7d, got {value!r}")
        return Spec(text, seconds=seconds)
    if len(text.split(" ")) == 5:
        try:
            CronTrigger.from_crontab(text, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"not a valid crontab line ({exc}): {value!r}") from exc
        return Spec(text, crontab=text)
    raise ValueError("expected an interval (30s, 15m, 1h, 1d), a crontab line "
                     f"('5 0 * * *') or off, got {value!r}")


def env_schedule(env: Env) -> dict[str, Spec]:
    """Every entry's trigger from its ``LAIF_SCHEDULE_<ENTRY>`` variable; errors go on ``env``."""
    schedule: dict[str, Spec] = {}
    for name, default in SCHEDULE_DEFAULTS.items():
        variable = f"LAIF_SCHEDULE_{name.upper()}"
        try:
            schedule[name] = parse_spec(env.str(variable, default))
        except ValueError as exc:
            env.require(variable, str(exc))
    return schedule
