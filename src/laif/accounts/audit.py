"""The audit log: append (inside the caller's transaction) and verify.

``audit_record`` is the only writer of ``AuditEntry``; it locks the checkpoint row so appends are
serialised on PostgreSQL, computes the chained hash and moves the sealed checkpoint forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from laif.accounts import audit_chain
from laif.accounts.models import AuditCheckpoint, AuditEntry, ClusterIdentity, Organisation, User

CHECKPOINT_ID = 1


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or a named system actor (``system``, ``anonymous``)."""

    user_id: int | None
    label: str
    ip: str = ""

    @classmethod
    def of(cls, user: User | None, ip: str = "") -> Actor:
        if user is None or not user.is_authenticated:
            return cls(None, "anonymous", ip)
        return cls(user.pk, user.email, ip)


SYSTEM = Actor(None, "system")


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_ref,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "organisation": entry.organisation_id_ref,
        "target": entry.target,
        "ip": entry.ip,
        "detail": entry.detail,
    }


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: str = "",
    organisation_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    with transaction.atomic():
        head = AuditCheckpoint.objects.select_for_update().filter(pk=CHECKPOINT_ID).first()
        if head is None:
            AuditCheckpoint.objects.get_or_create(
                pk=CHECKPOINT_ID, defaults={"seq": 0, "hash": audit_chain.GENESIS, "mac": ""}
            )
            head = AuditCheckpoint.objects.select_for_update().get(pk=CHECKPOINT_ID)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now().replace(microsecond=0),
            actor_ref=actor.user_id,
            actor_label=actor.label[:254],
            action=action,
            organisation_id_ref=organisation_id,
            target=target[:200],
            ip=actor.ip[:45],
            detail=detail or {},
            prev_hash=head.hash,
        )
        entry.hash = audit_chain.entry_hash(entry.seq, _content(entry), entry.prev_hash)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.mac = audit_chain.checkpoint_mac(settings.LAIF_AUDIT_KEY, head.seq, head.hash)
        head.save()
    return entry


def audit_verify(known: audit_chain.KnownHead | None = None) -> audit_chain.VerifyResult:
    """Check the whole chain, its sealed head and, when given, a head verified earlier.
    Streams the table in sequence order."""
    entries = (
        audit_chain.ChainEntry(seq=e.seq, content=_content(e), prev_hash=e.prev_hash, hash=e.hash)
        for e in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    )
    head = AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).first()
    checkpoint = (
        audit_chain.Checkpoint(seq=head.seq, hash=head.hash, mac=head.mac)
        if head is not None and head.seq > 0
        else None
    )
    result = audit_chain.verify(entries, checkpoint, settings.LAIF_AUDIT_KEY, known)
    if result.entries == 0 and (
        Organisation.objects.exists() or ClusterIdentity.objects.exists()
    ):
        # Creating either always writes an entry: an empty log next to them was wiped, together
        # with its checkpoint (which alone would look like a fresh installation).
        result.problems.append(
            "the log is empty but organisations or cluster identities exist "
            "(the log and its checkpoint were deleted)"
        )
    return result
