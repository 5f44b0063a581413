"""How the contexts above allocations learn that a project's grants changed, without this app
importing them (the pattern of ``accounts.hooks``).

``jobs`` registers a listener in its ``AppConfig.ready`` (the project's Slurm account and limit
follow its grants). The service that changed a grant (an approval, an award import, an allocation
entering or leaving force) calls the listeners inside its transaction, after the change is
written; a listener defers its side effects with ``transaction.on_commit``.
"""

from __future__ import annotations

from laif.accounts.hooks import Listeners, ProjectListener

_grants_changed = Listeners()


def on_grants_changed(listener: ProjectListener) -> None:
    """Call ``listener(project_id)`` whenever a project's grants change."""
    _grants_changed.register(listener)


def grants_changed(project_id: int) -> None:
    _grants_changed.notify(project_id)
