"""Background work of the usage ledger (django-tasks): idempotent."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from laif.usage.services import usage_ingest_window


@task()
def usage_ingest_task(start: str | None = None, end: str | None = None) -> int:
    """The periodic usage ingestion (ISO instants; default: from the checkpoint minus the overlap
    to now). Idempotent: records already in the ledger are skipped. The number of new records."""
    return usage_ingest_window(
        start=datetime.fromisoformat(start) if start else None,
        end=datetime.fromisoformat(end) if end else None,
    ).records_new
