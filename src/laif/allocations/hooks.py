"""How the contexts above allocations learn that a project's grants changed, without this app
importing them (the pattern of ``accounts.hooks``).

``jobs`` registers a listener in its ``AppConfig.ready`` (the project's Slurm account and limit
follow its grants). The service that changed a grant (an approval, an award import, an allocation
entering or leaving force) calls the listeners inside its transaction, after the change is
written; a listener defers its side effects with ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable

ProjectListener = Callable[[int], None]

_grants_changed: list[ProjectListener] = []


def on_grants_changed(listener: ProjectListener) -> None:
    """Call ``listener(project_id)`` whenever a project's grants change."""
    if listener not in _grants_changed:
        _grants_changed.append(listener)


def grants_changed(project_id: int) -> None:
    for listener in list(_grants_changed):
        listener(project_id)
