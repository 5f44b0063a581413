"""The audit log: append (inside the caller's transaction) and verify (ADR 0002, ADR 0012).

``audit_record`` is the only writer of ``AuditEntry`` (with ``audit_key_rotate``, which finishes
a key rotation); it locks the checkpoint row so appends are serialised on PostgreSQL, checks that
the sealed head it extends is intact (else the write is refused and an alert raised), computes
the keyed hash and moves the sealed checkpoint forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from laif.accounts import audit_chain
from laif.accounts.audit_alert import audit_refusal
from laif.accounts.audit_anchor_file import anchor_file_read
from laif.accounts.audit_keyring import (
    ROTATED_ACTION,
    Keyring,
    Keys,
    KeySchedule,
    Rotation,
    keyring_of,
    rotation_of,
)
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


def audit_content(entry: AuditEntry) -> dict[str, Any]:
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


def audit_keys() -> Keys:
    """The sub-keys of the key in force, ``LAIF_AUDIT_KEY``: everything new is keyed with them."""
    return audit_chain.derive_keys(settings.LAIF_AUDIT_KEY)


def audit_keyring() -> Keyring:
    """``LAIF_AUDIT_KEY`` and the retired keys (``LAIF_AUDIT_KEYS_RETIRED``), for verifying."""
    return keyring_of(settings.LAIF_AUDIT_KEY, tuple(settings.LAIF_AUDIT_KEYS_RETIRED))


def rotations() -> list[Rotation]:
    """Every key rotation the log records, in order (an indexed read of a few rows). Entries that
    do not name their keys are left out here and reported by the walk."""
    rows = (AuditEntry.objects.filter(action=ROTATED_ACTION).order_by("seq")
            .values_list("seq", "detail"))
    return [r for r in (rotation_of(seq, detail) for seq, detail in rows) if r is not None]


def head_schedule(ring: Keyring | None = None) -> KeySchedule:
    """The key schedule of a log whose head is keyed with LAIF_AUDIT_KEY (as an append checked):
    for the anchor file's last line."""
    ring = ring or audit_keyring()
    return audit_chain.key_schedule(ring, None, rotations())


def chain_entry(entry: AuditEntry) -> audit_chain.ChainEntry:
    return audit_chain.ChainEntry(seq=entry.seq, content=audit_content(entry),
                                  prev_hash=entry.prev_hash, hash=entry.hash)


def sealed(head: AuditCheckpoint) -> audit_chain.Checkpoint:
    return audit_chain.Checkpoint(seq=head.seq, hash=head.hash, mac=head.mac,
                                  keyed_from=head.keyed_from, anchored_seq=head.anchored_seq)


def reseal(head: AuditCheckpoint) -> None:
    """Seal the checkpoint with LAIF_AUDIT_KEY (only ever with the key in force)."""
    head.mac = audit_chain.checkpoint_mac(audit_keys(), head.seq, head.hash, head.keyed_from,
                                          head.anchored_seq)


def head_problem(head: AuditCheckpoint) -> str | None:
    """Why the sealed head must not be extended, or None: its seal, the entry it names, nothing
    behind it (one indexed read of at most two rows; the rotation entries are read only when the
    seal is not LAIF_AUDIT_KEY's)."""
    rows = AuditEntry.objects.filter(seq__gte=head.seq).order_by("seq")[:2]
    return audit_chain.head_problem(audit_keyring(), sealed(head),
                                    [chain_entry(e) for e in rows], rotations)


def locked_head() -> AuditCheckpoint:
    """The checkpoint row, locked until the end of the transaction (created when missing)."""
    head = AuditCheckpoint.objects.select_for_update().filter(pk=CHECKPOINT_ID).first()
    if head is None:
        AuditCheckpoint.objects.get_or_create(
            pk=CHECKPOINT_ID, defaults={"seq": 0, "hash": audit_chain.GENESIS, "mac": ""}
        )
        head = AuditCheckpoint.objects.select_for_update().get(pk=CHECKPOINT_ID)
    return head


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: str = "",
    organisation_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    with transaction.atomic():
        head = locked_head()
        problem = head_problem(head)
        if problem is not None:
            raise audit_refusal(reason=problem, action=action)
        return append(head, actor=actor, action=action, target=target,
                      organisation_id=organisation_id, detail=detail)


def append(head: AuditCheckpoint, *, actor: Actor, action: str, target: str = "",
           organisation_id: int | None = None, detail: dict[str, Any] | None = None
           ) -> AuditEntry:
    """Extend ``head`` (locked, and checked by the caller) with one entry keyed with
    LAIF_AUDIT_KEY, and reseal it with LAIF_AUDIT_KEY."""
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
    entry.hash = audit_chain.entry_hash(audit_keys(), entry.seq, audit_content(entry), entry.prev_hash)
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    reseal(head)
    head.save()
    return entry


def audit_verify(known: audit_chain.KnownHead | None = None,
                 ring: Keyring | None = None) -> audit_chain.VerifyResult:
    """Check the whole chain, its sealed head, the anchor file and, when given, a head verified
    earlier, each entry and anchor line under the key in force at it. Streams the table in
    sequence order. ``ring``: the keys to verify with (default: the configured ones)."""
    ring = ring or audit_keyring()
    head = AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).first()
    checkpoint = sealed(head) if head is not None and head.seq > 0 else None
    marker = None
    if checkpoint is None:  # keyed entries then begin at the entry that says so (itself keyed)
        marker = (AuditEntry.objects.filter(action=audit_chain.KEYED_ACTION).order_by("seq")
                  .values_list("seq", flat=True).first())
    schedule = audit_chain.key_schedule(ring, checkpoint, rotations())
    anchor_file = anchor_file_read(Path(settings.LAIF_AUDIT_ANCHOR_FILE), schedule.anchor_check)
    entries = (chain_entry(e) for e in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000))
    result = audit_chain.verify(entries, checkpoint, schedule, known,
                                anchor_file.anchors if anchor_file is not None else None,
                                keyed_from=marker or 1)
    if anchor_file is not None:
        result.problems.extend(anchor_file.problems)
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
