"""``/health`` for the load balancer and uptime monitors: fast (a few indexed reads), no login,
no secret (states and ages only, never an error's text).

Critical checks (the database, room on the data disk) make it answer 503, so a balancer takes
the node out. The background checks (the worker's and the schedule's heartbeats, whether the job
scheduler answered at the last probe) report ``degraded`` with 200: the web still serves, and a
node swap would not revive a worker. ``/health?all=1`` answers 503 on any failing check, for a
monitor that should page on them (ADR 0015).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from laif.ops.beats import SCHEDULER, WORKER

CRITICAL = ("database", "disk")


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return {"ok": False}
    return {"ok": True}


def _disk() -> dict[str, Any]:
    need = settings.LAIF_HEALTH_MIN_FREE_MB
    paths = {Path(settings.DATA_DIR), Path(settings.LAIF_JOBS_DIR)}
    free: list[int] = []
    for path in paths:
        target = path if path.exists() else path.parent
        try:
            free.append(shutil.disk_usage(target).free // 2**20)
        except OSError:
            return {"ok": False}
    least = min(free)
    return {"ok": least >= need, "free_mb": least}


def _background(ok_db: bool) -> dict[str, dict[str, Any]]:
    if not ok_db:
        return {name: {"ok": False} for name in ("worker", "schedule", "scheduler")}
    from laif.ops.selectors import beat_ages

    rows, ages = beat_ages()
    limit = settings.LAIF_HEALTH_MAX_AGE_SECONDS

    def fresh(name: str) -> dict[str, Any]:
        age = ages.get(name)
        return {"ok": age is not None and age <= limit,
                "age_s": None if age is None else int(age)}

    checks = {"worker": fresh(WORKER), "schedule": fresh("schedule"), "scheduler": fresh(SCHEDULER)}
    beat = rows.get(SCHEDULER)
    if beat is not None and not beat.ok:
        checks["scheduler"]["ok"] = False
    return checks


def health_report(*, all_checks: bool = False) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the JSON body."""
    checks: dict[str, dict[str, Any]] = {"database": _database(), "disk": _disk()}
    checks.update(_background(checks["database"]["ok"]))
    critical_ok = all(checks[name]["ok"] for name in CRITICAL)
    every_ok = all(check["ok"] for check in checks.values())
    status = "ok" if every_ok else "degraded" if critical_ok else "failing"
    code = 200 if (every_ok or (critical_ok and not all_checks)) else 503
    return code, {"status": status, "checks": checks}
