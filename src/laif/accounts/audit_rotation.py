"""``audit_key_rotate``: finish a rotation of ``LAIF_AUDIT_KEY`` (ADR 0018).

Run (``manage.py audit_rotate_key``) with the new key as ``LAIF_AUDIT_KEY`` and the old one
among ``LAIF_AUDIT_KEYS_RETIRED``, while the platform is stopped. Under the checkpoint's row
lock it finds the retired key that seals the checkpoint, verifies the whole chain, the seal and
the anchor file as they were under that key, and only then appends ``audit.key_rotated`` (the
fingerprints of both keys) keyed with the new key and reseals the checkpoint with it; the new head
is then anchored with the new key. A log that fails the check is not rotated: that would seal
the damage with the new key. Until it has run, the seal is not valid under LAIF_AUDIT_KEY and
every audited write is refused, as for any broken seal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db import transaction

from laif.accounts import audit_chain
from laif.accounts.audit import (
    SYSTEM,
    append,
    audit_keyring,
    audit_verify,
    locked_head,
    rotations,
    sealed,
)
from laif.accounts.audit_anchor import AnchorResult, audit_anchor
from laif.accounts.audit_keyring import ROTATED_ACTION, rotation_detail


@dataclass(frozen=True)
class RotationResult:
    """``rotated``: the rotation entry ``seq`` was appended (old and new keys by fingerprint).
    ``problems``: why nothing was done. ``anchor``: the anchoring of the head afterwards (None
    when refused)."""

    rotated: bool
    old: str = ""
    new: str = ""
    seq: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    anchor: AnchorResult | None = None


def audit_key_rotate() -> RotationResult:
    ring = audit_keyring()
    new = ring.current
    with transaction.atomic():
        head = locked_head()
        checkpoint = sealed(head)
        if head.seq == 0 or audit_chain.seal_valid(new, checkpoint):
            result = RotationResult(rotated=False, new=new.fingerprint)
        else:
            old = next((k for k in ring.retired if audit_chain.seal_valid(k, checkpoint)), None)
            if old is None:
                listed = ", ".join(k.fingerprint for k in ring.retired) or "none"
                return RotationResult(rotated=False, new=new.fingerprint, problems=[
                    f"the checkpoint's seal is valid under neither LAIF_AUDIT_KEY "
                    f"({new.fingerprint}) nor any key of LAIF_AUDIT_KEYS_RETIRED ({listed}): "
                    "put the key the platform ran with among the retired keys (or the "
                    "checkpoint was edited: run `manage.py audit_verify` with that key)"])
            reused = [r.seq for r in rotations() if new.fingerprint in (r.old, r.new)]
            if reused:
                return RotationResult(rotated=False, old=old.fingerprint, new=new.fingerprint,
                                      problems=[
                    f"LAIF_AUDIT_KEY ({new.fingerprint}) was in force before (see the key "
                    f"rotation at entry #{reused[-1]}): a retired key must not be put back in "
                    "force; choose a new key"])
            check = audit_verify(ring=ring.as_of(old))
            if not check.ok:
                return RotationResult(rotated=False, old=old.fingerprint, new=new.fingerprint,
                                      entries=check.entries, problems=check.problems)
            entry = append(head, actor=SYSTEM, action=ROTATED_ACTION,
                           detail=rotation_detail(old, new, check.entries))
            result = RotationResult(rotated=True, old=old.fingerprint, new=new.fingerprint,
                                    seq=entry.seq, entries=check.entries)
    # After the commit, as the schedule does: the new head anchored with the new key (idempotent).
    try:
        anchor = audit_anchor()
    except OSError as exc:
        anchor = AnchorResult(seq=result.seq, hash="", written=False,
                              problem=f"the anchor file cannot be written ({exc})")
    return replace(result, anchor=anchor)
