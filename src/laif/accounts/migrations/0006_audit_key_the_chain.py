"""Key the audit chain (ADR 0012): verify the existing plain SHA-256 chain against its sealed
checkpoint, then append the first keyed entry (``audit.chain_keyed``) and reseal the checkpoint
in the new format, with ``keyed_from`` at that entry. Existing entries keep their hashes (so the
heads auditors remember stay valid); the keyed entry covers the last plain hash, so the plain
entries cannot be rewritten either.

A chain that fails the check is not converted: that would seal the damage as valid. The hashing
is copied here, frozen, so that later changes to ``audit_chain`` do not change this migration.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import timezone

GENESIS = "0" * 64
MAX_REPORTED = 20


class AuditChainBroken(Exception):
    pass


def _content(entry: Any) -> dict[str, Any]:
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


def _message(seq: int, content: dict[str, Any], prev_hash: str) -> bytes:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()
    return str(seq).encode() + b"\n" + prev_hash.encode() + b"\n" + body


def _sub(secret: bytes, label: bytes) -> bytes:
    return hmac.digest(secret, label, "sha256")


def plain_problems(entries: Any, head: Any, secret: bytes) -> list[str]:
    """What is wrong with a plain SHA-256 chain and its (old format) sealed checkpoint."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(f"entry #{entry.seq}: expected sequence #{expected_seq}")
        if entry.prev_hash != prev:
            problems.append(f"entry #{entry.seq}: does not chain to the entry before it")
        plain = hashlib.sha256(_message(entry.seq, _content(entry), entry.prev_hash)).hexdigest()
        if plain != entry.hash:
            problems.append(f"entry #{entry.seq}: content does not match its hash (edited)")
        expected_seq, prev = entry.seq + 1, entry.hash
    last_seq = expected_seq - 1
    if head is None or head.seq == 0:
        if last_seq:
            problems.append("no checkpoint of the chain head was found")
        return problems
    seal = hmac.new(secret, f"{head.seq}:{head.hash}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(head.mac, seal):
        problems.append("the checkpoint's seal is invalid (checkpoint edited, or another "
                        "LAIF_AUDIT_KEY)")
    if (head.seq, head.hash) != (last_seq, prev):
        problems.append(f"the log's head (#{last_seq}) does not match the checkpoint "
                        f"(#{head.seq})")
    return problems


def key_the_chain(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("accounts", "AuditEntry")
    checkpoint_model = apps.get_model("accounts", "AuditCheckpoint")
    secret: bytes = settings.LAIF_AUDIT_KEY
    head = checkpoint_model.objects.select_for_update().filter(pk=1).first()
    entries = entry_model.objects.order_by("seq").iterator(chunk_size=2000)
    problems = plain_problems(entries, head, secret)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_REPORTED])
        more = (f"\n  ... and {len(problems) - MAX_REPORTED} more"
                if len(problems) > MAX_REPORTED else "")
        raise AuditChainBroken(
            "The audit log failed its integrity check, so it was not converted to keyed hashes "
            f"(that would seal the damage as valid):\n{shown}{more}\n"
            "Check that LAIF_AUDIT_KEY is the key the platform ran with. Otherwise restore the "
            "database from a backup taken before the damage (the previous release's "
            "`manage.py audit_verify` says whether a backup is intact), then migrate again."
        )
    if head is None or head.seq == 0:
        return  # an empty log: every entry will be keyed from #1
    seq = head.seq + 1
    marker = entry_model(
        seq=seq, at=timezone.now().replace(microsecond=0), actor_ref=None, actor_label="system",
        action="audit.chain_keyed", organisation_id_ref=None, target="", ip="",
        detail={"plain_entries": head.seq}, prev_hash=head.hash,
    )
    entry_key = _sub(secret, b"laif-audit-entry-v1")
    marker.hash = hmac.digest(entry_key, _message(seq, _content(marker), head.hash),
                              "sha256").hex()
    marker.save()
    head.seq, head.hash, head.keyed_from, head.anchored_seq = seq, marker.hash, seq, 0
    text = f"laif-audit-checkpoint/2:{seq}:{marker.hash}:{seq}:0"
    head.mac = hmac.digest(_sub(secret, b"laif-audit-checkpoint-v2"), text.encode(),
                           "sha256").hex()
    head.save()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_anchor_checkpoint"),
    ]

    # Irreversible: the previous release cannot verify keyed entries.
    operations = [migrations.RunPython(key_the_chain, elidable=False)]
