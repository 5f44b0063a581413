"""Background work of the data sandboxes (django-tasks): idempotent."""

from __future__ import annotations

from django_tasks import task

from laif.sandbox import selectors, storage

SWEEP_AFTER_S = 6 * 3600  # longer than any upload takes


def sandbox_sweep() -> int:
    """Remove the encrypted files no row refers to (uploads killed mid-way), once old enough
    that no upload still writes them; the number removed."""
    return len(storage.sweep(selectors.referenced_files(), older_than_s=SWEEP_AFTER_S))


@task()
def sandbox_sweep_task() -> int:
    return sandbox_sweep()
