"""How other contexts learn of changes in this one without this one importing them.

A context registers a listener in its ``AppConfig.ready`` (``compute`` reconciles the project's
scheduler account when its members change). The service that made the change calls the listeners
inside its transaction, explicitly, after the change is written; a listener must defer its side
effects with ``transaction.on_commit``, so nothing happens for a change that is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

ProjectListener = Callable[[int], None]

_project_members_changed: list[ProjectListener] = []


def on_project_members_changed(listener: ProjectListener) -> None:
    """Call ``listener(project_id)`` whenever someone joins or leaves a project."""
    if listener not in _project_members_changed:
        _project_members_changed.append(listener)


def project_members_changed(project_id: int) -> None:
    for listener in list(_project_members_changed):
        listener(project_id)
