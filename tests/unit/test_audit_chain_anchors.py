"""The pure rules of the keyed audit chain: what an append checks before extending the sealed
head, and how the anchor file is read (ADR 0012)."""

from __future__ import annotations

from laif.accounts import audit_anchors, audit_chain
from laif.accounts.audit_anchors import Anchor
from laif.accounts.audit_chain import ChainEntry, Checkpoint

KEYS = audit_chain.derive_keys(b"k" * 40)


def chain(n: int) -> list[ChainEntry]:
    entries, prev = [], audit_chain.GENESIS
    for seq in range(1, n + 1):
        content = {"action": f"a{seq}"}
        digest = audit_chain.entry_hash(KEYS, seq, content, prev)
        entries.append(ChainEntry(seq=seq, content=content, prev_hash=prev, hash=digest))
        prev = digest
    return entries


def sealed(seq: int, digest: str, keyed_from: int = 1, anchored_seq: int = 0) -> Checkpoint:
    mac = audit_chain.checkpoint_mac(KEYS, seq, digest, keyed_from, anchored_seq)
    return Checkpoint(seq=seq, hash=digest, mac=mac, keyed_from=keyed_from,
                      anchored_seq=anchored_seq)


def test_sub_keys_differ_per_use_and_per_secret() -> None:
    assert len({KEYS.entry, KEYS.checkpoint, KEYS.anchor}) == 3
    assert audit_chain.derive_keys(b"j" * 40) != KEYS


def test_an_intact_head_may_be_extended() -> None:
    entries = chain(3)
    assert audit_chain.head_problem(KEYS, sealed(3, entries[2].hash), entries[2:]) is None
    empty = Checkpoint(seq=0, hash=audit_chain.GENESIS, mac="")
    assert audit_chain.head_problem(KEYS, empty, []) is None


def test_what_an_append_refuses() -> None:
    entries = chain(4)
    head = entries[2]
    problem = audit_chain.head_problem
    forged = Checkpoint(seq=3, hash="f" * 64, mac=sealed(3, head.hash).mac)
    assert problem(KEYS, forged, [head]) == (
        "the seal of the checkpoint (#3) is invalid (checkpoint edited)")
    assert problem(KEYS, sealed(3, head.hash), []) == (
        "entry #3, the sealed head, is missing (entries deleted)")
    assert problem(KEYS, sealed(3, "e" * 64), [head]) == (
        "entry #3 does not match the sealed head (the log was rewritten)")
    edited = ChainEntry(seq=3, content={"action": "other"}, prev_hash=head.prev_hash,
                        hash=head.hash)
    assert problem(KEYS, sealed(3, head.hash), [edited]) == (
        "entry #3: content does not match its hash (edited)")
    assert problem(KEYS, sealed(3, head.hash), entries[2:]) == (
        "entry #4 lies behind the sealed head (inserted)")
    reset = Checkpoint(seq=0, hash=audit_chain.GENESIS, mac="")
    assert problem(KEYS, reset, entries[:2]) == (
        "the checkpoint was reset while the log holds entries")
    assert problem(KEYS, Checkpoint(seq=0, hash=audit_chain.GENESIS, mac="", keyed_from=9),
                   []) == "the empty checkpoint was edited"


def test_plain_entries_before_keyed_from_are_checked_with_sha256() -> None:
    content = {"action": "old"}
    plain = audit_chain.plain_entry_hash(1, content, audit_chain.GENESIS)
    old = ChainEntry(seq=1, content=content, prev_hash=audit_chain.GENESIS, hash=plain)
    assert audit_chain.verify([old], sealed(1, plain, keyed_from=2), KEYS).ok
    assert not audit_chain.verify([old], sealed(1, plain, keyed_from=1), KEYS).ok


def line(seq: int, digest: str, at: str = "2026-11-23T10:00:00+00:00") -> str:
    return audit_anchors.anchor_line(KEYS.anchor, Anchor(seq=seq, hash=digest, at=at))


def test_anchor_lines_round_trip_and_need_the_key() -> None:
    text = line(7, "a" * 64)
    assert text.endswith("\n")
    assert text.startswith("laif-audit-anchor/1 7 " + "a" * 64)
    assert audit_anchors.parse_line(KEYS.anchor, text) == Anchor(7, "a" * 64,
                                                                 "2026-11-23T10:00:00+00:00")
    assert audit_anchors.parse_line(KEYS.entry, text) is None
    assert audit_anchors.parse_line(KEYS.anchor, text.replace(" 7 ", " 8 ")) is None
    assert audit_anchors.parse_line(KEYS.anchor, text.replace("laif", "LAIF")) is None


def test_anchor_file_problems() -> None:
    good = [line(2, "a" * 64), line(5, "b" * 64)]
    parsed = audit_anchors.parse_anchors(KEYS.anchor, good)
    assert ([a.seq for a in parsed.anchors], parsed.problems) == ([2, 5], [])
    parsed = audit_anchors.parse_anchors(KEYS.anchor, [good[1], good[0], "", "junk"])
    assert [a.seq for a in parsed.anchors] == [5]
    assert parsed.problems == [
        "anchor line 2: entry #2 after entry #5 (anchors out of order: anchor file edited)",
        "anchor line 3: empty (anchor file edited)",
        "anchor line 4: malformed or its seal is invalid (anchor file edited)",
    ]


def test_verify_checks_every_anchor_against_the_chain() -> None:
    entries = chain(5)
    head = sealed(5, entries[4].hash, anchored_seq=4)
    anchors = [Anchor(2, entries[1].hash, "t2"), Anchor(4, entries[3].hash, "t4")]
    result = audit_chain.verify(entries, head, KEYS, anchors=anchors)
    assert (result.ok, result.anchors) == (True, 2)
    rewritten = [Anchor(2, "c" * 64, "t2"), anchors[1]]
    assert audit_chain.verify(entries, head, KEYS, anchors=rewritten).problems == [
        "entry #2 differs from the one anchored at t2 outside the database "
        "(the log was rewritten)"]
    assert audit_chain.verify(entries, head, KEYS, anchors=anchors[:1]).problems == [
        "the anchor file ends at entry #2 but the checkpoint records an anchor at entry #4 "
        "(anchor file truncated)"]
    assert audit_chain.verify(entries, head, KEYS, anchors=None).problems == [
        "the anchor file is missing but the checkpoint records an anchor at entry #4 "
        "(anchor file deleted)"]
    rolled_back = sealed(3, entries[2].hash, anchored_seq=0)
    assert audit_chain.verify(entries[:3], rolled_back, KEYS, anchors=anchors).problems == [
        "the log ends at entry #3 but entry #4 was anchored at t4 outside the database "
        "(entries deleted, or the log rolled back)"]
