"""How other contexts learn of changes in this one without this one importing them.

A context registers a listener in its ``AppConfig.ready`` (``compute`` reconciles the project's
scheduler account when its members change). The service that made the change calls the listeners
inside its transaction, explicitly, after the change is written; a listener must defer its side
effects with ``transaction.on_commit``, so nothing happens for a change that is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

ProjectListener = Callable[[int], None]


class Listeners:
    """The listeners of one kind of change to a project; each is registered once and called
    with the project's id, in the order they registered."""

    def __init__(self) -> None:
        self._listeners: list[ProjectListener] = []

    def register(self, listener: ProjectListener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def notify(self, project_id: int) -> None:
        for listener in list(self._listeners):
            listener(project_id)


_project_members_changed = Listeners()


def on_project_members_changed(listener: ProjectListener) -> None:
    """Call ``listener(project_id)`` whenever someone joins or leaves a project."""
    _project_members_changed.register(listener)


def project_members_changed(project_id: int) -> None:
    _project_members_changed.notify(project_id)
