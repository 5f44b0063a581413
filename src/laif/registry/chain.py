"""The deployment ledger's rules (pure: no Django): each event's hash chained to the one before,
the check of a chain, and the timeline read from it.

An event's hash is SHA-256 over the previous hash and the event's canonical JSON (sorted keys, no
spaces, UTF-8); a model's first event chains to ``GENESIS``. Anyone holding a model's exported
ledger recomputes it offline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
DEPLOYED, ROLLBACK, RETIRED = "deployed", "rollback", "retired"


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    content: Mapping[str, Any]
    prev_hash: str
    hash: str


def first_broken(links: Iterable[Link]) -> int | None:
    """The sequence number of the first event that does not hold (edited, removed, reordered or
    chained to another head), or None when the whole chain holds."""
    prev, expected = GENESIS, 1
    for link in links:
        if (link.seq != expected or link.prev_hash != prev or link.content.get("seq") != link.seq
                or event_hash(prev, link.content) != link.hash):
            return link.seq
        prev, expected = link.hash, expected + 1
    return None


def kind_of(running: int | None, number: int) -> str:
    """A deployment of version ``number`` where ``running`` runs: a rollback when it is older."""
    return ROLLBACK if running is not None and number < running else DEPLOYED


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    environment: str
    target: str
    version: int | None  # the version's number; None for a retirement
    at: datetime
    approved_by: str


@dataclass(frozen=True)
class Stint:
    """A version running in an environment from ``start`` to ``end`` (None: still running)."""

    environment: str
    target: str
    version: int
    start: datetime
    end: datetime | None
    rollback: bool
    approved_by: str


def running(events: Sequence[Event]) -> dict[str, int]:
    """Which version runs in each environment after ``events`` (in ledger order)."""
    now: dict[str, int] = {}
    for e in events:
        if e.kind == RETIRED or e.version is None:
            now.pop(e.environment, None)
        else:
            now[e.environment] = e.version
    return now


def timeline(events: Sequence[Event]) -> list[Stint]:
    """The stints of the ledger, by environment then start: a deployment ends the stint of the
    environment it replaces, a retirement ends it without a successor."""
    open_: dict[str, Event] = {}
    stints: list[Stint] = []

    def close(env: str, end: datetime) -> None:
        started = open_.pop(env, None)
        if started is not None and started.version is not None:
            stints.append(Stint(env, started.target, started.version, started.at, end,
                                started.kind == ROLLBACK, started.approved_by))

    for e in sorted(events, key=lambda x: (x.at, x.seq)):
        close(e.environment, e.at)
        if e.kind != RETIRED and e.version is not None:
            open_[e.environment] = e
    for e in list(open_.values()):
        if e.version is not None:
            stints.append(Stint(e.environment, e.target, e.version, e.at, None,
                                e.kind == ROLLBACK, e.approved_by))
    open_.clear()
    return sorted(stints, key=lambda s: (s.environment, s.start))
