"""The audit keys, and which one is in force where (pure: no Django). ADR 0012 and ADR 0018.

``LAIF_AUDIT_KEY`` is the key in force; ``LAIF_AUDIT_KEYS_RETIRED`` holds the keys it replaced,
kept only to verify what they keyed. A rotation (``manage.py audit_rotate_key``) appends an
``audit.key_rotated`` entry that names the old and the new key by fingerprint and is itself keyed
with the new key: from that entry on, every entry and anchor line must be keyed with the new key.
A retired key is accepted only for what was written before the rotation that retired it, so
someone who holds only an old (leaked) key cannot write anything that verifies after it.
"""

from __future__ import annotations

import bisect
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from laif.accounts.audit_anchors import MALFORMED, Anchor, line_mac_valid

ROTATED_ACTION = "audit.key_rotated"  # the entry from which the new key is in force
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Keys:
    """Sub-keys of one audit key, one per use, so that no MAC can stand in for another, and its
    fingerprint (which names the key in rotation entries and messages, and reveals nothing of
    it)."""

    entry: bytes
    checkpoint: bytes
    anchor: bytes
    fingerprint: str = ""


@lru_cache(maxsize=16)
def derive_keys(secret: bytes) -> Keys:
    def sub(label: bytes) -> bytes:
        return hmac.digest(secret, label, "sha256")

    return Keys(entry=sub(b"laif-audit-entry-v1"), checkpoint=sub(b"laif-audit-checkpoint-v2"),
                anchor=sub(b"laif-audit-anchor-v1"),
                fingerprint=sub(b"laif-audit-fingerprint-v1")[:8].hex())


@dataclass(frozen=True)
class Keyring:
    """The key in force (``current``) and the retired ones."""

    current: Keys
    retired: tuple[Keys, ...] = ()

    @property
    def all(self) -> tuple[Keys, ...]:
        return (self.current, *self.retired)

    def find(self, fingerprint: str) -> Keys | None:
        return next((k for k in self.all if k.fingerprint == fingerprint), None)

    def name(self, fingerprint: str) -> str:
        """How messages name a key: never the key itself, only its fingerprint."""
        if fingerprint == self.current.fingerprint:
            return f"LAIF_AUDIT_KEY ({fingerprint})"
        if self.find(fingerprint) is not None:
            return f"retired key {fingerprint}"
        return f"key {fingerprint}"

    def as_of(self, old: Keys) -> Keyring:
        """The keyring as it was while ``old`` was in force: what a rotation verifies under (the
        new key is not in it: nothing before the rotation may be keyed with it)."""
        return Keyring(current=old, retired=tuple(k for k in self.retired if k != old))


@lru_cache(maxsize=8)
def keyring_of(current: bytes, retired: tuple[bytes, ...] = ()) -> Keyring:
    return Keyring(derive_keys(current), tuple(derive_keys(k) for k in retired))


@dataclass(frozen=True)
class Rotation:
    """A rotation entry: from ``seq`` on, the key ``new`` is in force instead of ``old``."""

    seq: int
    old: str
    new: str


def rotation_detail(old: Keys, new: Keys, entries: int) -> dict[str, Any]:
    return {"old_key": old.fingerprint, "new_key": new.fingerprint, "verified_entries": entries}


def rotation_of(seq: int, detail: Any) -> Rotation | None:
    """The rotation a ``audit.key_rotated`` entry's detail records; None when malformed."""
    if not isinstance(detail, dict):
        return None
    old, new = detail.get("old_key"), detail.get("new_key")
    if not (isinstance(old, str) and isinstance(new, str) and _FINGERPRINT.fullmatch(old)
            and _FINGERPRINT.fullmatch(new)):
        return None
    return Rotation(seq=seq, old=old, new=new)


@dataclass
class KeySchedule:
    """Which key is in force at each entry: the epoch starting at ``starts[i]`` (0: from the
    first entry) is keyed with the key fingerprinted ``fingerprints[i]``. ``tail``: the key that
    must be in force at the head (the checkpoint's). ``problems``: what is wrong with the
    rotations themselves; ``seal_problem``: with the checkpoint's seal."""

    ring: Keyring
    tail: Keys
    starts: list[int]
    fingerprints: list[str]
    rotations: frozenset[int]
    problems: list[str] = field(default_factory=list)
    seal_problem: str | None = None

    def at(self, seq: int) -> tuple[Keys | None, str, int]:
        """The key in force at entry ``seq`` (None: not configured), its fingerprint, and the
        rotation entry it has been in force since (0: none)."""
        i = bisect.bisect_right(self.starts, seq) - 1
        fingerprint = self.fingerprints[i]
        return self.ring.find(fingerprint), fingerprint, self.starts[i]

    def misused(self, seq: int, expected: str, matches: Any) -> str | None:
        """The words for a MAC that is wrong under the key in force but right under another key
        of the keyring (``matches(keys)``): written with a key that was not in force there."""
        for keys in self.ring.all:
            if keys.fingerprint != expected and matches(keys):
                _key, _fp, since = self.at(seq)
                when = f" since the key rotation at entry #{since}" if since else ""
                return (f"keyed with {self.ring.name(keys.fingerprint)}, but "
                        f"{self.ring.name(expected)} is in force there{when} (forged with a key "
                        "that was not in force)")
        return None

    def anchor_check(self, anchor: Anchor, body: str, mac: str) -> str | None:
        """Check an anchor line's MAC with the key in force at the entry it anchors (for a line
        past the head, the head's)."""
        keys, fingerprint, _since = self.at(anchor.seq)
        if keys is None:
            return f"entry #{anchor.seq} cannot be checked: {self.ring.name(fingerprint)} is " \
                   "not configured"
        if line_mac_valid(keys.anchor, body, mac):
            return None
        misused = self.misused(anchor.seq, fingerprint,
                               lambda k: line_mac_valid(k.anchor, body, mac))
        return f"entry #{anchor.seq} {misused}" if misused else MALFORMED


def schedule(ring: Keyring, rotations: Sequence[Rotation], tail: Keys) -> KeySchedule:
    """The key schedule that ``rotations`` (in sequence order) describe, ending with ``tail``."""
    first = rotations[0].old if rotations else tail.fingerprint
    result = KeySchedule(ring=ring, tail=tail, starts=[0], fingerprints=[first],
                         rotations=frozenset(r.seq for r in rotations))
    for rotation in rotations:
        if rotation.old != result.fingerprints[-1]:
            result.problems.append(
                f"entry #{rotation.seq}: a key rotation from {ring.name(rotation.old)}, but "
                f"{ring.name(result.fingerprints[-1])} was in force (edited)")
        result.starts.append(rotation.seq)
        result.fingerprints.append(rotation.new)
    for i, fingerprint in enumerate(result.fingerprints):
        if ring.find(fingerprint) is None:
            until = (f"before entry #{result.starts[i + 1]}" if i + 1 < len(result.starts)
                     else "to the head")
            since = f"from entry #{result.starts[i]}" if result.starts[i] else "from the start"
            result.problems.append(
                f"the entries {since} {until} were keyed with {ring.name(fingerprint)}, which "
                "is neither LAIF_AUDIT_KEY nor among LAIF_AUDIT_KEYS_RETIRED: they cannot be "
                "checked")
    if rotations and result.fingerprints[-1] != tail.fingerprint:
        result.problems.append(
            f"the key rotation at entry #{rotations[-1].seq} put {ring.name(rotations[-1].new)} "
            f"in force, but {ring.name(tail.fingerprint)} must be in force at the head (a key "
            "rotation forged with another key, or one deleted)")
    return result
