"""Keyed hash chain of the audit log (pure: no Django). ADR 0002 and ADR 0012.

Each entry's hash is an HMAC-SHA-256, under a sub-key of ``LAIF_AUDIT_KEY`` (which is not in the
database), over its sequence number, the previous entry's hash and its canonical JSON content; the
first entry chains to ``GENESIS``. Entries written before the chain was keyed (``seq <
keyed_from``) keep their plain SHA-256 hash: the first keyed entry covers the last plain hash, so
they cannot be rewritten either. The chain head is checkpointed outside the audit table and sealed
with another sub-key, and the sealed head is anchored outside the database (``audit_anchors``).
Which key is in force at each entry, when the key was rotated, is in ``audit_keyring`` (ADR 0018).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from laif.accounts.audit_anchors import Anchor
from laif.accounts.audit_keyring import (
    ROTATED_ACTION,
    Keyring,
    Keys,
    KeySchedule,
    Rotation,
    schedule,
)
from laif.accounts.audit_keyring import derive_keys as derive_keys

GENESIS = "0" * 64
KEYED_ACTION = "audit.chain_keyed"  # the entry that marks where keyed entries begin


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    content: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Checkpoint:
    """The sealed head. ``keyed_from``: the first entry hashed with the key; ``anchored_seq``: the
    newest head written to the anchor file (0: none yet)."""

    seq: int
    hash: str
    mac: str
    keyed_from: int = 1
    anchored_seq: int = 0


@dataclass(frozen=True)
class KnownHead:
    """A head (seq, hash) an auditor verified earlier and kept outside the platform."""

    seq: int
    hash: str


@dataclass
class VerifyResult:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = GENESIS
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def _message(seq: int, content: dict[str, Any], prev_hash: str) -> bytes:
    return str(seq).encode() + b"\n" + prev_hash.encode() + b"\n" + canonical(content)


def plain_entry_hash(seq: int, content: dict[str, Any], prev_hash: str) -> str:
    """The hash of entries written before the chain was keyed: anyone can compute it."""
    return hashlib.sha256(_message(seq, content, prev_hash)).hexdigest()


def entry_hash(keys: Keys, seq: int, content: dict[str, Any], prev_hash: str) -> str:
    """The keyed hash of an entry: only a holder of the audit key can compute it."""
    return hmac.digest(keys.entry, _message(seq, content, prev_hash), "sha256").hex()


def expected_hash(keys: Keys, keyed_from: int, entry: ChainEntry) -> str:
    if entry.seq < keyed_from:
        return plain_entry_hash(entry.seq, entry.content, entry.prev_hash)
    return entry_hash(keys, entry.seq, entry.content, entry.prev_hash)


def checkpoint_mac(keys: Keys, seq: int, head_hash: str, keyed_from: int, anchored_seq: int
                   ) -> str:
    text = f"laif-audit-checkpoint/2:{seq}:{head_hash}:{keyed_from}:{anchored_seq}"
    return hmac.digest(keys.checkpoint, text.encode(), "sha256").hex()


def seal_valid(keys: Keys, checkpoint: Checkpoint) -> bool:
    mac = checkpoint_mac(keys, checkpoint.seq, checkpoint.hash, checkpoint.keyed_from,
                         checkpoint.anchored_seq)
    return hmac.compare_digest(checkpoint.mac, mac)


@dataclass(frozen=True)
class Seal:
    """Which key seals the checkpoint: ``keys`` must be in force at the head. ``invalid``: no
    key of the keyring does; ``problem``: it is sealed with a retired key."""

    keys: Keys
    invalid: bool = False
    problem: str | None = None


def seal_check(ring: Keyring, checkpoint: Checkpoint, rotations: Sequence[Rotation]) -> Seal:
    """Under which key the checkpoint's seal is valid. Sealed with a retired key, it is either a
    rotation not finished yet (LAIF_AUDIT_KEY was replaced, ``manage.py audit_rotate_key`` not
    run) or, once a rotation entry has put LAIF_AUDIT_KEY in force (a key is never put in force
    twice), forged with an old key."""
    if seal_valid(ring.current, checkpoint):
        return Seal(ring.current)
    old = next((k for k in ring.retired if seal_valid(k, checkpoint)), None)
    if old is None:
        return Seal(ring.current, invalid=True)
    sealed_with = f"the checkpoint (#{checkpoint.seq}) is sealed with {ring.name(old.fingerprint)}"
    current = ring.name(ring.current.fingerprint)
    done = [r for r in rotations if r.new == ring.current.fingerprint]
    if done:
        return Seal(ring.current, problem=(
            f"{sealed_with}, but {current} has been in force since the key rotation at entry "
            f"#{done[-1].seq} (forged with an old key)"))
    return Seal(old, problem=(
        f"{sealed_with}, not with {current}: LAIF_AUDIT_KEY was replaced and the key rotation is "
        "not finished (run `manage.py audit_rotate_key`)"))


def key_schedule(keys: Keys | Keyring, checkpoint: Checkpoint | None,
                 rotations: Sequence[Rotation] = ()) -> KeySchedule:
    """Which key is in force at each entry, given the rotation entries (in sequence order) and
    the checkpoint (whose seal says which key is in force at the head)."""
    ring = keys if isinstance(keys, Keyring) else Keyring(keys)
    if checkpoint is None:
        return schedule(ring, rotations, ring.current)
    seal = seal_check(ring, checkpoint, rotations)
    result = schedule(ring, rotations, seal.keys)
    result.seal_problem = ("the checkpoint's seal is invalid (checkpoint edited)" if seal.invalid
                           else seal.problem)
    return result


def head_problem(keys: Keys | Keyring, checkpoint: Checkpoint, at_or_after: list[ChainEntry],
                 rotations: Callable[[], Sequence[Rotation]] = tuple) -> str | None:
    """Is the sealed head safe to extend? ``at_or_after``: the first two entries with ``seq >=
    checkpoint.seq`` (an O(1) read). None when it is; else the reason, for the operators' log.
    ``rotations``: reads the rotation entries, only when the seal is not valid under
    LAIF_AUDIT_KEY (to say whether a retired key's seal is a rotation to finish or a forgery).

    Checked before every append, so that nothing seals a head forged without the key (a
    recomputed chain written into the checkpoint), a rewritten newest entry, or entries slipped
    in behind the head."""
    ring = keys if isinstance(keys, Keyring) else Keyring(keys)
    if checkpoint.seq == 0:  # the initial state: only valid for an empty log
        if checkpoint.keyed_from != 1 or checkpoint.anchored_seq != 0:
            return "the empty checkpoint was edited"
        if at_or_after:
            return "the checkpoint was reset while the log holds entries"
        return None
    if not seal_valid(ring.current, checkpoint):
        seal = seal_check(ring, checkpoint, rotations())
        return seal.problem or (
            f"the seal of the checkpoint (#{checkpoint.seq}) is invalid (checkpoint edited)")
    head = at_or_after[0] if at_or_after else None
    if head is None or head.seq != checkpoint.seq:
        return f"entry #{checkpoint.seq}, the sealed head, is missing (entries deleted)"
    if head.hash != checkpoint.hash:
        return f"entry #{head.seq} does not match the sealed head (the log was rewritten)"
    if expected_hash(ring.current, checkpoint.keyed_from, head) != head.hash:
        return f"entry #{head.seq}: content does not match its hash (edited)"
    if len(at_or_after) > 1:
        return f"entry #{at_or_after[1].seq} lies behind the sealed head (inserted)"
    return None


def verify(
    entries: Iterable[ChainEntry],
    checkpoint: Checkpoint | None,
    keys: Keys | Keyring | KeySchedule,
    known: KnownHead | None = None,
    anchors: list[Anchor] | None = None,
    keyed_from: int = 1,
) -> VerifyResult:
    """Walk the chain in sequence order and report every break, in words an auditor can act on.

    ``known`` is a head verified earlier and kept by the auditor (``laif audit verify`` remembers
    it), ``anchors`` the heads written to the anchor file (None: no file): the chain must still
    hold those exact entries. This catches what the sealed checkpoint alone cannot: an older,
    validly sealed checkpoint restored together with a truncated log. ``keyed_from`` applies
    when there is no checkpoint (which otherwise says where keyed entries begin). ``keys``: the
    key schedule (``key_schedule``) when the key was ever rotated; each keyed entry must verify
    under the key in force at it."""
    result = VerifyResult(anchors=len(anchors or []))
    keys_in_force = keys if isinstance(keys, KeySchedule) else key_schedule(keys, checkpoint)
    if checkpoint is not None:
        keyed_from = checkpoint.keyed_from
    anchored = {a.seq: a for a in anchors or []}
    expected_prev = GENESIS
    expected_seq = 1
    last_seq, last_hash = 0, GENESIS
    for entry in entries:
        result.entries += 1
        if entry.seq != expected_seq:
            result.problems.append(
                f"entry #{entry.seq}: expected sequence #{expected_seq} "
                "(an entry was deleted, inserted or reordered)"
            )
        if entry.prev_hash != expected_prev:
            result.problems.append(
                f"entry #{entry.seq}: does not chain to the entry before it "
                "(an entry was deleted, inserted or reordered)"
            )
        problem = _entry_problem(keys_in_force, keyed_from, entry)
        if problem is not None:
            result.problems.append(f"entry #{entry.seq}: {problem}")
        if known is not None and entry.seq == known.seq and entry.hash != known.hash:
            result.problems.append(
                f"entry #{entry.seq} differs from the one verified earlier (the log was rewritten)"
            )
        anchor = anchored.get(entry.seq)
        if anchor is not None and entry.hash != anchor.hash:
            result.problems.append(
                f"entry #{entry.seq} differs from the one anchored at {anchor.at} outside the "
                "database (the log was rewritten)"
            )
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
        last_seq, last_hash = entry.seq, entry.hash
    result.head_seq, result.head_hash = last_seq, last_hash
    if known is not None and last_seq < known.seq:
        result.problems.append(
            f"the log ends at entry #{last_seq} but entry #{known.seq} was verified earlier "
            "(entries deleted)"
        )
    _check_anchors_reach(result, checkpoint, anchors, last_seq)
    if result.entries:
        result.problems.extend(keys_in_force.problems)
    if checkpoint is None:
        if result.entries:
            result.problems.append("no checkpoint of the chain head was found")
        return result
    if keys_in_force.seal_problem:
        result.problems.append(keys_in_force.seal_problem)
    if checkpoint.seq != last_seq or checkpoint.hash != last_hash:
        if checkpoint.seq > last_seq:
            result.problems.append(
                f"the log ends at entry #{last_seq} but the checkpoint records #{checkpoint.seq} "
                "(newest entries deleted)"
            )
        else:
            result.problems.append(
                f"the log's head (#{last_seq}) does not match the checkpoint (#{checkpoint.seq})"
            )
    return result


def _entry_problem(keys: KeySchedule, keyed_from: int, entry: ChainEntry) -> str | None:
    """What is wrong with an entry's own hash: edited, or keyed with a key not in force there."""
    if entry.seq < keyed_from:
        if plain_entry_hash(entry.seq, entry.content, entry.prev_hash) == entry.hash:
            return None
        return "content does not match its hash (edited)"
    if entry.content.get("action") == ROTATED_ACTION and entry.seq not in keys.rotations:
        return "a key rotation that does not name its keys (edited)"
    in_force, fingerprint, _since = keys.at(entry.seq)
    if in_force is None:  # reported once by the schedule: the key is not configured
        return None
    if entry_hash(in_force, entry.seq, entry.content, entry.prev_hash) == entry.hash:
        return None
    misused = keys.misused(entry.seq, fingerprint, lambda k: entry_hash(
        k, entry.seq, entry.content, entry.prev_hash) == entry.hash)
    return misused or "content does not match its hash (edited)"


def _check_anchors_reach(result: VerifyResult, checkpoint: Checkpoint | None,
                         anchors: list[Anchor] | None, last_seq: int) -> None:
    if anchors is None:
        if checkpoint is not None and checkpoint.anchored_seq:
            result.problems.append(
                f"the anchor file is missing but the checkpoint records an anchor at entry "
                f"#{checkpoint.anchored_seq} (anchor file deleted)"
            )
        return
    if anchors and anchors[-1].seq > last_seq:
        newest = anchors[-1]
        result.problems.append(
            f"the log ends at entry #{last_seq} but entry #{newest.seq} was anchored at "
            f"{newest.at} outside the database (entries deleted, or the log rolled back)"
        )
    newest_seq = anchors[-1].seq if anchors else 0
    if checkpoint is not None and checkpoint.anchored_seq > newest_seq:
        result.problems.append(
            f"the anchor file ends at entry #{newest_seq} but the checkpoint records an anchor "
            f"at entry #{checkpoint.anchored_seq} (anchor file truncated)"
        )
