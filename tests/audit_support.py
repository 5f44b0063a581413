"""What a database writer without the audit key can do to the audit log, for the tests.

The attacker knows the code, so the hashing format (sequence number, previous hash, canonical
JSON), and SHA-256; they do not know ``LAIF_AUDIT_KEY``."""

from __future__ import annotations

import hashlib
from typing import Any

from laif.accounts import audit_chain
from laif.accounts.audit import CHECKPOINT_ID, Actor, audit_content, audit_record
from laif.accounts.models import AuditCheckpoint, AuditEntry


def build_log(n: int = 6) -> None:
    for i in range(n):
        audit_record(actor=Actor(None, "system"), action=f"test.action{i}",
                     target=f"thing:{i}", detail={"i": i})


def sha256_hash(seq: int, content: dict[str, Any], prev_hash: str) -> str:
    """The best an attacker without the key can compute: plain SHA-256 of the entry."""
    message = f"{seq}\n{prev_hash}\n".encode() + audit_chain.canonical(content)
    return hashlib.sha256(message).hexdigest()


def head() -> AuditCheckpoint:
    return AuditCheckpoint.objects.get(pk=CHECKPOINT_ID)


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def rewrite_from(seq: int, detail: dict[str, Any]) -> str:
    """Edit entry ``seq``, recompute every hash from there to the newest entry, and write the
    forged head into the checkpoint (its seal cannot be recomputed). The forged head's hash."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else audit_chain.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        if entry.seq == seq:
            entry.detail = detail
        entry.prev_hash = prev
        entry.hash = sha256_hash(entry.seq, audit_content(entry), prev)
        AuditEntry.objects.filter(pk=entry.pk).update(detail=entry.detail,
                                                      prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(hash=prev)
    return prev


def truncate_to(seq: int) -> None:
    """Delete the entries after ``seq`` and point the checkpoint at ``seq`` (without the key)."""
    AuditEntry.objects.filter(seq__gt=seq).delete()
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(
        seq=seq, hash=AuditEntry.objects.get(seq=seq).hash)


def snapshot() -> dict[str, Any]:
    """A copy of the sealed checkpoint, as a database writer would keep it to restore later."""
    row: dict[str, Any] = dict(AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).values().get())
    row.pop("updated_at")
    return row


def restore(saved: dict[str, Any]) -> None:
    """Roll the log back to a snapshot: delete the newer entries, restore the checkpoint."""
    AuditEntry.objects.filter(seq__gt=saved["seq"]).delete()
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(**saved)
