"""The audit chain: any tampering with the stored log (edit, insertion, reordering, deletion, a
forged checkpoint) is detected by the service."""

from __future__ import annotations

from typing import Any

import pytest

from laif.accounts import audit_chain
from laif.accounts.audit import (
    CHECKPOINT_ID,
    SYSTEM,
    Actor,
    audit_content,
    audit_record,
    audit_verify,
)
from laif.accounts.models import AuditCheckpoint, AuditEntry
from tests.factories import World

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ the chain


def build_log(n: int = 6) -> None:
    for i in range(n):
        audit_record(actor=Actor(None, "system"), action=f"test.action{i}",
                     target=f"thing:{i}", detail={"i": i, "note": "Ünïcödé ✓"})


def problems() -> list[str]:
    result = audit_verify()
    assert not result.ok
    return result.problems


def test_intact_chain_verifies(db: None) -> None:
    assert audit_verify().ok  # an empty log is intact
    build_log(6)
    result = audit_verify()
    assert result.ok, result.problems
    assert result.entries == 6
    head = AuditCheckpoint.objects.get(pk=CHECKPOINT_ID)
    assert (head.seq, head.hash) == (6, AuditEntry.objects.get(seq=6).hash)
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _, _ in seqs] == [1, 2, 3, 4, 5, 6]
    assert seqs[0][1] == audit_chain.GENESIS
    assert all(seqs[i][1] == seqs[i - 1][2] for i in range(1, 6))


def test_intact_chain_after_real_actions_verifies(world: World) -> None:
    result = audit_verify()
    assert result.ok, result.problems
    assert result.entries == AuditEntry.objects.count() > 5


@pytest.mark.parametrize(
    "change",
    [{"detail": {"i": 2, "note": "rewritten"}}, {"action": "test.harmless"},
     {"actor_label": "someone-else@example.lu"}, {"target": "thing:99"}, {"ip": "10.0.0.1"},
     {"organisation_id_ref": 42}, {"actor_ref": 7}],
    ids=lambda change: next(iter(change)),
)
def test_edited_entry_is_detected(db: None, change: dict[str, Any]) -> None:
    build_log()
    AuditEntry.objects.filter(seq=3).update(**change)
    found = problems()
    assert found == ["entry #3: content does not match its hash (edited)"]


def test_edited_timestamp_is_detected(db: None) -> None:
    build_log()
    entry = AuditEntry.objects.get(seq=2)
    AuditEntry.objects.filter(seq=2).update(at=entry.at.replace(year=entry.at.year - 1))
    assert problems() == ["entry #2: content does not match its hash (edited)"]


def _forge(seq: int, prev_hash: str, action: str = "test.forged") -> AuditEntry:
    """An entry forged by someone without the audit key: hashed with plain SHA-256, the way
    entries were hashed before the chain was keyed."""
    entry = AuditEntry(seq=seq, at=AuditEntry.objects.get(seq=1).at, actor_ref=None,
                       actor_label="system", action=action, organisation_id_ref=None,
                       target="", ip="", detail={}, prev_hash=prev_hash)
    entry.hash = audit_chain.plain_entry_hash(seq, audit_content(entry), prev_hash)
    return entry


def test_entry_appended_behind_the_checkpoint_is_detected(db: None) -> None:
    build_log()
    _forge(7, AuditEntry.objects.get(seq=6).hash).save()
    assert problems() == ["entry #7: content does not match its hash (edited)",
                          "the log's head (#7) does not match the checkpoint (#6)"]


def test_entry_inserted_in_the_middle_is_detected(db: None) -> None:
    build_log()
    for seq in range(6, 3, -1):  # make room: 4,5,6 -> 5,6,7
        AuditEntry.objects.filter(seq=seq).update(seq=seq + 1)
    _forge(4, AuditEntry.objects.get(seq=3).hash).save()
    assert problems() == [
        "entry #4: content does not match its hash (edited)",
        "entry #5: does not chain to the entry before it "
        "(an entry was deleted, inserted or reordered)",
        "entry #5: content does not match its hash (edited)",
        "entry #6: content does not match its hash (edited)",
        "entry #7: content does not match its hash (edited)",
        "the log's head (#7) does not match the checkpoint (#6)",
    ]


def _swap(a: int, b: int) -> None:
    parking = 10**12
    AuditEntry.objects.filter(seq=a).update(seq=parking)
    AuditEntry.objects.filter(seq=b).update(seq=a)
    AuditEntry.objects.filter(seq=parking).update(seq=b)


def test_reordered_entries_are_detected(db: None) -> None:
    build_log()
    _swap(3, 4)
    chain = "does not chain to the entry before it (an entry was deleted, inserted or reordered)"
    assert problems() == [
        f"entry #3: {chain}", "entry #3: content does not match its hash (edited)",
        f"entry #4: {chain}", "entry #4: content does not match its hash (edited)",
        f"entry #5: {chain}",
    ]


def test_swapped_contents_are_detected(db: None) -> None:
    """Swapping the content of two entries while keeping seq and hashes in place."""
    build_log()
    two, three = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(seq=2).update(action=three.action, detail=three.detail,
                                            target=three.target)
    AuditEntry.objects.filter(seq=3).update(action=two.action, detail=two.detail,
                                            target=two.target)
    assert problems() == ["entry #2: content does not match its hash (edited)",
                          "entry #3: content does not match its hash (edited)"]


def test_deleted_middle_entry_is_detected(db: None) -> None:
    build_log()
    AuditEntry.objects.filter(seq=3).delete()
    found = problems()
    assert "entry #4: expected sequence #3 (an entry was deleted, inserted or reordered)" in found
    assert any(p.startswith("entry #4:") and "does not chain" in p for p in found)


def test_deleted_first_entry_is_detected(db: None) -> None:
    build_log()
    AuditEntry.objects.filter(seq=1).delete()
    assert "entry #2: expected sequence #1 (an entry was deleted, inserted or reordered)" in (
        problems())


@pytest.mark.parametrize("deleted", [1, 3])
def test_deleted_newest_entries_are_caught_by_the_checkpoint(db: None, deleted: int) -> None:
    build_log()
    AuditEntry.objects.filter(seq__gt=6 - deleted).delete()
    assert problems() == [
        f"the log ends at entry #{6 - deleted} but the checkpoint records #6 "
        "(newest entries deleted)"]


def test_whole_chain_rewritten_after_an_edit_is_caught_by_the_keys_and_the_seal(db: None
                                                                               ) -> None:
    """An attacker who edits entry 3 and recomputes every later hash with SHA-256 (they do not
    have the audit key) leaves every rewritten entry unmatched, and cannot move the sealed
    checkpoint either."""
    build_log()
    prev = AuditEntry.objects.get(seq=2).hash
    for entry in AuditEntry.objects.filter(seq__gte=3).order_by("seq"):
        if entry.seq == 3:
            entry.detail = {"i": 3, "note": "nothing to see"}
        entry.prev_hash = prev
        entry.hash = audit_chain.plain_entry_hash(entry.seq, audit_content(entry), prev)
        AuditEntry.objects.filter(pk=entry.pk).update(detail=entry.detail,
                                                      prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    edited = [f"entry #{seq}: content does not match its hash (edited)" for seq in (3, 4, 5, 6)]
    assert problems() == [*edited, "the log's head (#6) does not match the checkpoint (#6)"]
    # ... and moving the checkpoint to the forged head breaks its seal.
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(hash=prev)
    assert problems() == [*edited, "the checkpoint's seal is invalid (checkpoint edited)"]


def test_checkpoint_moved_back_after_deleting_entries_is_detected(db: None) -> None:
    build_log()
    AuditEntry.objects.filter(seq=6).delete()
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(
        seq=5, hash=AuditEntry.objects.get(seq=5).hash)
    assert problems() == ["the checkpoint's seal is invalid (checkpoint edited)"]


def test_checkpoint_resealed_with_a_guessed_key_is_detected(db: None) -> None:
    build_log()
    AuditEntry.objects.filter(seq=6).delete()
    five = AuditEntry.objects.get(seq=5).hash
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(
        seq=5, hash=five, mac=audit_chain.checkpoint_mac(audit_chain.derive_keys(b"guessed-key"), 5, five, 1, 0))
    assert problems() == ["the checkpoint's seal is invalid (checkpoint edited)"]


def test_edited_checkpoint_seal_is_detected(db: None) -> None:
    build_log()
    AuditCheckpoint.objects.filter(pk=CHECKPOINT_ID).update(mac="0" * 64)
    assert problems() == ["the checkpoint's seal is invalid (checkpoint edited)"]


def test_deleted_checkpoint_is_detected(db: None) -> None:
    build_log()
    AuditCheckpoint.objects.all().delete()
    assert problems() == ["no checkpoint of the chain head was found"]


def test_wiping_the_whole_log_and_its_checkpoint_is_detected(world: World) -> None:
    """With every entry and the checkpoint gone the chain itself proves nothing; but creating an
    organisation or an identity always writes an entry, so an empty log next to them is a wipe."""
    AuditEntry.objects.all().delete()
    AuditCheckpoint.objects.all().delete()
    assert problems() == ["the log is empty but organisations or cluster identities exist "
                          "(the log and its checkpoint were deleted)"]


def test_checkpoint_reset_to_its_initial_state_is_detected(db: None) -> None:
    build_log()
    AuditCheckpoint.objects.update(seq=0, hash=audit_chain.GENESIS, mac="")
    assert problems() == ["no checkpoint of the chain head was found"]


def test_chain_continues_after_verification(db: None) -> None:
    build_log(3)
    assert audit_verify().ok
    audit_record(actor=SYSTEM, action="test.later")
    result = audit_verify()
    assert result.ok
    assert result.entries == 4
