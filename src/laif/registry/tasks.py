"""Background work of the model registry (django-tasks): idempotent."""

from __future__ import annotations

from django_tasks import task

from laif.registry import artefacts, selectors

SWEEP_AFTER_S = 24 * 3600  # longer than any model upload takes


def registry_sweep() -> int:
    """Remove the encrypted artefacts no version refers to (uploads killed before their row was
    written), once old enough that no upload still writes them; the number removed."""
    return len(artefacts.sweep(selectors.referenced_files(), older_than_s=SWEEP_AFTER_S))


@task()
def registry_sweep_task() -> int:
    return registry_sweep()
