"""Names of the audit log's targets kept by other contexts ("allocation_request:12" -> its
title): each context registers, in its ``AppConfig.ready``, how to name its kinds of target from
their ids (one query for a page), so the audit log, in this lowest context, shows names without
importing the contexts above."""

from __future__ import annotations

from collections.abc import Callable, Iterable

TargetNamer = Callable[[Iterable[int]], dict[int, str]]

_namers: dict[str, TargetNamer] = {}


def register_target_namer(kind: str, namer: TargetNamer) -> None:
    """Name the targets ``<kind>:<id>`` with ``namer(ids) -> {id: name}`` (once per kind)."""
    _namers[kind] = namer


def target_namers() -> dict[str, TargetNamer]:
    return dict(_namers)
