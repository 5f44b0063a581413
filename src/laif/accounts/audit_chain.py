"""Hash chain of the audit log (pure: no Django).

Each entry's hash is SHA-256 over its canonical JSON content and the previous entry's hash; the first
entry chains to ``GENESIS``. The chain head (sequence number and hash) is checkpointed outside the
audit table and sealed with an HMAC whose key is not in the database, so deleting the newest entries
(which leaves a valid but shorter chain) is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    content: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    mac: str


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

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def entry_hash(seq: int, content: dict[str, Any], prev_hash: str) -> str:
    h = hashlib.sha256()
    h.update(str(seq).encode() + b"\n" + prev_hash.encode() + b"\n" + canonical(content))
    return h.hexdigest()


def checkpoint_mac(key: bytes, seq: int, head_hash: str) -> str:
    return hmac.new(key, f"{seq}:{head_hash}".encode(), hashlib.sha256).hexdigest()


def verify(
    entries: Iterable[ChainEntry],
    checkpoint: Checkpoint | None,
    key: bytes,
    known: KnownHead | None = None,
) -> VerifyResult:
    """Walk the chain in sequence order and report every break, in words an auditor can act on.

    ``known`` is a head verified earlier and kept by the auditor (``laif audit verify`` remembers
    it): the chain must still hold that exact entry. This catches what the sealed checkpoint alone
    cannot: an older, validly sealed checkpoint restored together with a truncated log."""
    result = VerifyResult()
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
        if entry_hash(entry.seq, entry.content, entry.prev_hash) != entry.hash:
            result.problems.append(f"entry #{entry.seq}: content does not match its hash (edited)")
        if known is not None and entry.seq == known.seq and entry.hash != known.hash:
            result.problems.append(
                f"entry #{entry.seq} differs from the one verified earlier (the log was rewritten)"
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
    if checkpoint is None:
        if result.entries:
            result.problems.append("no checkpoint of the chain head was found")
        return result
    if not hmac.compare_digest(checkpoint.mac, checkpoint_mac(key, checkpoint.seq, checkpoint.hash)):
        result.problems.append("the checkpoint's seal is invalid (checkpoint edited)")
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
