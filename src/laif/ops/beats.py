"""Writing and reading heartbeats (``Beat``)."""

from __future__ import annotations

from django.utils import timezone

from laif.ops.models import Beat

WORKER = "worker"
SCHEDULER = "scheduler"
SCHEDULE_PREFIX = "schedule:"


def beat_record(name: str, *, ok: bool = True, detail: str = "") -> None:
    """Overwrite ``name``'s heartbeat with now (outside any caller's transaction is fine: one
    row, last writer wins)."""
    Beat.objects.update_or_create(name=name, defaults={
        "at": timezone.now(), "ok": ok, "detail": detail[:500]})


def beats() -> dict[str, Beat]:
    return {beat.name: beat for beat in Beat.objects.all()}
