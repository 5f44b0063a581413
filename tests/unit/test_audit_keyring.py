"""The pure rules of a rotated audit key (ADR 0018): which key is in force at each entry, what a
retired key may still verify, and what the seal says about a rotation."""

from __future__ import annotations

from typing import Any

from laif.accounts import audit_anchors, audit_chain
from laif.accounts.audit_anchors import Anchor
from laif.accounts.audit_chain import ChainEntry, Checkpoint
from laif.accounts.audit_keyring import Keyring, Keys, Rotation, derive_keys, rotation_of

A, B, C = (derive_keys(k * 40) for k in (b"a", b"b", b"c"))


def chain(epochs: list[tuple[Keys, int]]) -> list[ChainEntry]:
    """Entries keyed with each key in turn; every epoch after the first opens with the rotation
    entry, keyed with its new key."""
    entries: list[ChainEntry] = []
    prev, seq, previous = audit_chain.GENESIS, 0, None
    for keys, count in epochs:
        for i in range(count):
            seq += 1
            content: dict[str, Any] = {"action": f"a{seq}", "detail": {}}
            if i == 0 and previous is not None:
                content = {"action": "audit.key_rotated", "detail": {
                    "old_key": previous.fingerprint, "new_key": keys.fingerprint}}
            digest = audit_chain.entry_hash(keys, seq, content, prev)
            entries.append(ChainEntry(seq=seq, content=content, prev_hash=prev, hash=digest))
            prev = digest
        previous = keys
    return entries


def rotations(entries: list[ChainEntry]) -> list[Rotation]:
    found = [rotation_of(e.seq, e.content["detail"]) for e in entries
             if e.content["action"] == "audit.key_rotated"]
    return [r for r in found if r is not None]


def sealed(keys: Keys, head: ChainEntry, anchored_seq: int = 0) -> Checkpoint:
    mac = audit_chain.checkpoint_mac(keys, head.seq, head.hash, 1, anchored_seq)
    return Checkpoint(seq=head.seq, hash=head.hash, mac=mac, anchored_seq=anchored_seq)


def verify(entries: list[ChainEntry], checkpoint: Checkpoint, ring: Keyring,
           anchors: list[Anchor] | None = None) -> list[str]:
    schedule = audit_chain.key_schedule(ring, checkpoint, rotations(entries))
    return audit_chain.verify(entries, checkpoint, schedule, anchors=anchors).problems


def test_fingerprints_name_keys_without_revealing_them() -> None:
    assert len({A.fingerprint, B.fingerprint, C.fingerprint}) == 3
    assert all(len(k.fingerprint) == 16 for k in (A, B, C))
    assert A.fingerprint not in (A.entry.hex() + A.checkpoint.hex() + A.anchor.hex())
    ring = Keyring(B, (A,))
    assert ring.name(B.fingerprint) == f"LAIF_AUDIT_KEY ({B.fingerprint})"
    assert ring.name(A.fingerprint) == f"retired key {A.fingerprint}"
    assert ring.name(C.fingerprint) == f"key {C.fingerprint}"
    assert ring.as_of(A) == Keyring(A, ())


def test_rotation_details_must_name_both_keys() -> None:
    assert rotation_of(3, {"old_key": A.fingerprint, "new_key": B.fingerprint}) == Rotation(
        3, A.fingerprint, B.fingerprint)
    bad: list[object] = [None, [], {"old_key": A.fingerprint}, {"old_key": "x", "new_key": "y"},
                         {"old_key": A.fingerprint, "new_key": B.fingerprint.upper()}]
    for detail in bad:
        assert rotation_of(3, detail) is None


def test_each_epoch_verifies_under_its_own_key() -> None:
    entries = chain([(A, 3), (B, 2), (C, 2)])
    assert verify(entries, sealed(C, entries[-1]), Keyring(C, (A, B))) == []
    assert verify(entries, sealed(C, entries[-1]), Keyring(C, (B, A))) == []


def test_a_retired_key_verifies_nothing_after_its_rotation() -> None:
    good = chain([(A, 3), (B, 1)])  # the rotation at #4, keyed with B
    content: dict[str, Any] = {"action": "approval.granted", "detail": {}}
    forged = ChainEntry(seq=5, content=content, prev_hash=good[3].hash,
                        hash=audit_chain.entry_hash(A, 5, content, good[3].hash))
    entries = [*good, forged]
    problems = verify(entries, sealed(B, entries[-1]), Keyring(B, (A,)))
    assert problems == [
        f"entry #5: keyed with retired key {A.fingerprint}, but LAIF_AUDIT_KEY "
        f"({B.fingerprint}) is in force there since the key rotation at entry #4 (forged with a "
        "key that was not in force)"]


def test_a_key_that_is_not_configured_is_reported_not_passed_over() -> None:
    entries = chain([(A, 3), (B, 2)])
    assert verify(entries, sealed(B, entries[-1]), Keyring(B)) == [
        f"the entries from the start before entry #4 were keyed with key {A.fingerprint}, which "
        "is neither LAIF_AUDIT_KEY nor among LAIF_AUDIT_KEYS_RETIRED: they cannot be checked"]


def test_what_a_seal_with_a_retired_key_means() -> None:
    before = chain([(A, 3)])
    head = before[-1]
    pending = audit_chain.head_problem(Keyring(B, (A,)), sealed(A, head), [head])
    assert pending == (
        f"the checkpoint (#3) is sealed with retired key {A.fingerprint}, not with "
        f"LAIF_AUDIT_KEY ({B.fingerprint}): LAIF_AUDIT_KEY was replaced and the key rotation is "
        "not finished (run `manage.py audit_rotate_key`)")
    assert verify(before, sealed(A, head), Keyring(B, (A,))) == [pending]  # not 3 edited entries
    after = chain([(A, 3), (B, 2)])
    forged = audit_chain.head_problem(Keyring(B, (A,)), sealed(A, after[-1]), [after[-1]],
                                      lambda: rotations(after))
    assert forged == (
        f"the checkpoint (#5) is sealed with retired key {A.fingerprint}, but LAIF_AUDIT_KEY "
        f"({B.fingerprint}) has been in force since the key rotation at entry #4 (forged with an "
        "old key)")
    assert audit_chain.head_problem(Keyring(B, (A,)), sealed(C, head), [head]) == (
        "the seal of the checkpoint (#3) is invalid (checkpoint edited)")
    assert audit_chain.head_problem(Keyring(B, (A,)), sealed(B, after[-1]), [after[-1]]) is None


def test_a_rotation_must_follow_the_key_in_force() -> None:
    entries = chain([(A, 3), (B, 2), (C, 2)])
    found = rotations(entries)
    assert [r.seq for r in found] == [4, 6]
    wrong = [found[0], Rotation(6, A.fingerprint, C.fingerprint)]
    schedule = audit_chain.key_schedule(Keyring(C, (A, B)), sealed(C, entries[-1]), wrong)
    assert schedule.problems == [
        f"entry #6: a key rotation from retired key {A.fingerprint}, but retired key "
        f"{B.fingerprint} was in force (edited)"]


def test_anchor_lines_are_checked_with_the_key_in_force_at_their_entry() -> None:
    entries = chain([(A, 3), (B, 2)])
    schedule = audit_chain.key_schedule(Keyring(B, (A,)), sealed(B, entries[-1]),
                                        rotations(entries))

    def line(keys: Keys, entry: ChainEntry) -> str:
        return audit_anchors.anchor_line(keys.anchor, Anchor(entry.seq, entry.hash,
                                                                 "2026-12-05T10:00:00+00:00"))

    good = [line(A, entries[2]), line(B, entries[3]), line(B, entries[4])]
    parsed = audit_anchors.parse_anchors(schedule.anchor_check, good)
    assert ([a.seq for a in parsed.anchors], parsed.problems) == ([3, 4, 5], [])
    parsed = audit_anchors.parse_anchors(schedule.anchor_check, [line(A, entries[4])])
    assert parsed.problems == [
        f"anchor line 1: entry #5 keyed with retired key {A.fingerprint}, but LAIF_AUDIT_KEY "
        f"({B.fingerprint}) is in force there since the key rotation at entry #4 (forged with a "
        "key that was not in force)"]
    parsed = audit_anchors.parse_anchors(schedule.anchor_check, [line(C, entries[4])])
    assert parsed.problems == [
        "anchor line 1: malformed or its seal is invalid (anchor file edited)"]
