"""Each audit entry's hash is keyed (HMAC with a sub-key of ``LAIF_AUDIT_KEY``): knowing SHA-256
and the format is not enough to forge one. Existing plain SHA-256 chains are verified and keyed
by a data migration, which refuses a broken chain rather than seal it (ADR 0012)."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.conf import settings
from pytest_django import Settings

from laif.accounts import audit_chain
from laif.accounts.audit import CHECKPOINT_ID, SYSTEM, audit_content, audit_record, audit_verify
from laif.accounts.models import AuditCheckpoint, AuditEntry
from tests.audit_support import build_log, head, sha256_hash

pytestmark = pytest.mark.django_db
migration = importlib.import_module("laif.accounts.migrations.0006_audit_key_the_chain")


def test_an_attacker_who_knows_only_sha256_cannot_forge_entries(db: None) -> None:
    """Replace the whole log with entries of the attacker's choosing, hashed and chained as the
    code does but without the key, and drop the checkpoint: every entry is caught on its own."""
    build_log(4)
    prev = audit_chain.GENESIS
    for entry in AuditEntry.objects.order_by("seq"):
        entry.detail = {"i": 0, "note": "rewritten"}
        entry.prev_hash, entry.hash = prev, sha256_hash(entry.seq, audit_content(entry), prev)
        entry.save()
        prev = entry.hash
    AuditCheckpoint.objects.all().delete()
    assert audit_verify().problems == [
        *[f"entry #{seq}: content does not match its hash (edited)" for seq in (1, 2, 3, 4)],
        "no checkpoint of the chain head was found",
    ]


def test_entry_hashes_need_the_audit_key(db: None, settings: Settings) -> None:
    build_log(2)
    entry = AuditEntry.objects.get(seq=2)
    content = audit_content(entry)
    keys = audit_chain.derive_keys(settings.LAIF_AUDIT_KEY)
    assert audit_chain.entry_hash(keys, 2, content, entry.prev_hash) == entry.hash
    assert sha256_hash(2, content, entry.prev_hash) != entry.hash
    other = audit_chain.derive_keys(b"another key of at least thirty-two characters")
    assert audit_chain.entry_hash(other, 2, content, entry.prev_hash) != entry.hash
    settings.LAIF_AUDIT_KEY = b"another key of at least thirty-two characters"
    assert "entry #1: content does not match its hash (edited)" in audit_verify().problems


# ------------------------------------------------------------------ the data migration


def plain_log(n: int) -> list[str]:
    """The log as the previous release wrote it: plain SHA-256 entries, old-format seal."""
    prev = audit_chain.GENESIS
    hashes = []
    for seq in range(1, n + 1):
        entry = AuditEntry(seq=seq, at=datetime(2026, 11, 20, 9, seq, tzinfo=UTC),
                           actor_ref=None, actor_label="system", action=f"old.action{seq}",
                           organisation_id_ref=None, target=f"thing:{seq}", ip="",
                           detail={"seq": seq, "note": "Ünïcödé ✓"}, prev_hash=prev)
        entry.hash = sha256_hash(seq, audit_content(entry), prev)
        entry.save()
        prev = entry.hash
        hashes.append(prev)
    key: bytes = settings.LAIF_AUDIT_KEY
    mac = hmac.new(key, f"{n}:{prev}".encode(), hashlib.sha256).hexdigest()
    AuditCheckpoint.objects.create(pk=CHECKPOINT_ID, seq=n, hash=prev, mac=mac)
    return hashes


def migrate() -> None:
    migration.key_the_chain(apps, None)


def test_the_migration_keys_an_intact_plain_chain(db: None) -> None:
    hashes = plain_log(5)
    migrate()
    marker = AuditEntry.objects.get(seq=6)
    assert (marker.action, marker.detail, marker.prev_hash) == (
        "audit.chain_keyed", {"plain_entries": 5}, hashes[-1])
    assert list(AuditEntry.objects.filter(seq__lte=5).order_by("seq")
                .values_list("hash", flat=True)) == hashes  # remembered heads stay valid
    assert (head().seq, head().keyed_from) == (6, 6)
    result = audit_verify()
    assert result.ok, result.problems
    audit_record(actor=SYSTEM, action="test.after")  # the platform goes on appending
    assert audit_verify().ok


def test_plain_entries_cannot_be_rewritten_after_the_migration(db: None) -> None:
    plain_log(5)
    migrate()
    prev = AuditEntry.objects.get(seq=2).hash
    for entry in AuditEntry.objects.filter(seq__in=(3, 4, 5)).order_by("seq"):
        entry.detail = {"seq": entry.seq, "note": "rewritten"}
        entry.prev_hash, entry.hash = prev, sha256_hash(entry.seq, audit_content(entry), prev)
        entry.save()
        prev = entry.hash
    assert audit_verify().problems == [
        "entry #6: does not chain to the entry before it "
        "(an entry was deleted, inserted or reordered)"]


def test_the_marker_says_where_keyed_entries_begin_without_a_checkpoint(db: None) -> None:
    plain_log(3)
    migrate()
    AuditCheckpoint.objects.all().delete()
    assert audit_verify().problems == ["no checkpoint of the chain head was found"]


@pytest.mark.parametrize("damage", ["edited", "truncated", "seal"])
def test_the_migration_refuses_a_broken_chain(db: None, damage: str) -> None:
    plain_log(5)
    if damage == "edited":
        AuditEntry.objects.filter(seq=3).update(detail={"seq": 3, "note": "edited"})
    elif damage == "truncated":
        AuditEntry.objects.filter(seq=5).delete()
    else:
        AuditCheckpoint.objects.update(mac="0" * 64)
    before = list(AuditEntry.objects.values_list("seq", "hash"))
    with pytest.raises(migration.AuditChainBroken) as info:
        migrate()
    message = str(info.value)
    assert message.startswith("The audit log failed its integrity check, so it was not "
                              "converted to keyed hashes")
    expected = {"edited": "entry #3: content does not match its hash (edited)",
                "truncated": "the log's head (#4) does not match the checkpoint (#5)",
                "seal": "the checkpoint's seal is invalid"}[damage]
    assert expected in message
    assert "restore the database from a backup" in message
    assert list(AuditEntry.objects.values_list("seq", "hash")) == before  # nothing laundered


def test_the_migration_refuses_another_key(db: None, settings: Settings) -> None:
    plain_log(3)
    settings.LAIF_AUDIT_KEY = b"not the key the platform ran with, 32+ characters"
    with pytest.raises(migration.AuditChainBroken, match="another LAIF_AUDIT_KEY"):
        migrate()


def test_the_migration_leaves_an_empty_log_alone(db: None) -> None:
    migrate()
    assert not AuditEntry.objects.exists()
    build_log(2)
    assert audit_verify().ok
