"""LAIF_AUDIT_KEY can be rotated (ADR 0018): with the new key in force and the old one retired,
``manage.py audit_rotate_key`` verifies the log under the old key, records the rotation keyed
with the new key and reseals the log; until then audited actions are refused and the alert says
why. The retired key verifies only what was written before the rotation: someone who holds only
the old (leaked) key cannot add entries, seals or anchor lines that verify after it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django import Settings

from laif.accounts import audit_chain, services
from laif.accounts.audit import SYSTEM, audit_content, audit_record, audit_verify
from laif.accounts.audit_anchor import audit_anchor
from laif.accounts.audit_anchors import Anchor, anchor_line
from laif.accounts.models import AuditCheckpoint, AuditEntry, Notice
from tests.audit_support import build_log, head, last_seq, snapshot
from tests.cli_support import run_cli
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

KEY_B = b"the new audit key, B, of at least thirty-two characters"
KEY_C = b"the next audit key, C, also at least thirty-two characters"
REFUSED = "failed its integrity check"


def fingerprint(key: bytes) -> str:
    return audit_chain.derive_keys(key).fingerprint


def rotate_config(settings: Settings, new: bytes, *retired: bytes) -> None:
    """What the operator does before restarting: the new key in force, the old ones retired."""
    settings.LAIF_AUDIT_KEY = new
    settings.LAIF_AUDIT_KEYS_RETIRED = retired


def rotate(capsys: pytest.CaptureFixture[str]) -> str:
    call_command("audit_rotate_key")
    return " ".join(capsys.readouterr().out.split())


def login(password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/login/", {"email": "member@acme.lu", "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def refused_login() -> str:
    response = Client().post("/login/", {"email": "member@acme.lu", "password": PASSWORD})
    assert response.status_code == 200
    return response.content.decode()


def verified() -> audit_chain.VerifyResult:
    result = audit_verify()
    assert result.ok, result.problems
    return result


def anchored_seqs(path: Path) -> list[int]:
    return [int(line.split()[1]) for line in path.read_text().splitlines()]


def state(path: Path) -> tuple[object, ...]:
    """Everything a refused rotation must leave as it was."""
    return (list(AuditEntry.objects.order_by("seq").values_list("seq", "hash")), snapshot(),
            path.read_text() if path.exists() else None)


@pytest.fixture
def key_a(settings: Settings) -> bytes:
    """The key the platform ran with so far (the test configuration's)."""
    key: bytes = settings.LAIF_AUDIT_KEY
    return key


@pytest.fixture
def before_rotation(world: World, key_a: bytes, audit_anchor_file: Path) -> int:
    """A log written and anchored under key A; its head."""
    build_log(3)
    assert audit_anchor().written
    return last_seq()


# ------------------------------------------------------------------ the rotation, end to end


def test_rotation_end_to_end(world: World, before_rotation: int, key_a: bytes,
                             settings: Settings, audit_anchor_file: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    _token, secret = services.api_token_create(actor=SYSTEM, user=world.auditor, name="t")
    auditor_machine = str(tmp_path / "auditor")
    assert run_cli(["audit", "verify"], secret, auditor_machine).exit_code == 0  # remembers
    remembered = last_seq()
    rotate_config(settings, KEY_B, key_a)
    out = rotate(capsys)
    rotation = AuditEntry.objects.get(seq=remembered + 1)
    assert out.startswith(f"rotated: {remembered} entries verified under retired key "
                          f"{fingerprint(key_a)}; entry #{rotation.seq} records the rotation to "
                          f"LAIF_AUDIT_KEY ({fingerprint(KEY_B)})")
    assert f"anchored entry #{rotation.seq}" in out
    assert (rotation.action, rotation.actor_label, rotation.detail) == (
        "audit.key_rotated", "system", {"old_key": fingerprint(key_a),
                                        "new_key": fingerprint(KEY_B),
                                        "verified_entries": remembered})
    stored = json.dumps(rotation.detail) + rotation.target
    assert key_a.decode() not in stored  # never the keys
    assert KEY_B.decode() not in stored
    # the new key keys the rotation entry, seals the log and the new anchor line
    keys_b = audit_chain.derive_keys(KEY_B)
    assert audit_chain.entry_hash(keys_b, rotation.seq, audit_content(rotation),
                                  rotation.prev_hash) == rotation.hash
    assert audit_chain.seal_valid(keys_b, audit_chain.Checkpoint(
        seq=head().seq, hash=head().hash, mac=head().mac, keyed_from=head().keyed_from,
        anchored_seq=head().anchored_seq))
    assert anchored_seqs(audit_anchor_file)[-1] == rotation.seq == head().anchored_seq
    # logins work again, and every way to verify says the log is intact
    login()
    assert AuditEntry.objects.get(seq=rotation.seq + 1).action == "login.succeeded"
    assert verified().anchors == 2
    call_command("audit_verify")
    assert "OK: " in capsys.readouterr().out
    api = Client()
    api.force_login(world.auditor)
    body = api.get("/api/audit/verify").json()
    assert (body["ok"], body["problems"]) == (True, [])
    cli = run_cli(["audit", "verify"], secret, auditor_machine)
    assert cli.exit_code == 0, cli.output
    assert f"still holds entry #{remembered} verified earlier" in " ".join(cli.stdout.split())


def test_a_second_run_has_nothing_to_do(before_rotation: int, key_a: bytes, settings: Settings,
                                        audit_anchor_file: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rotate_config(settings, KEY_B, key_a)
    rotate(capsys)
    before = state(audit_anchor_file)
    assert rotate(capsys) == ("nothing to do: the audit log is already sealed with "
                              f"LAIF_AUDIT_KEY ({fingerprint(KEY_B)})")
    assert state(audit_anchor_file) == before


def test_before_the_command_writes_are_refused_and_the_alert_says_why(
    world: World, before_rotation: int, key_a: bytes, settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rotate_config(settings, KEY_B, key_a)
    pending = (f"the checkpoint (#{before_rotation}) is sealed with retired key "
               f"{fingerprint(key_a)}, not with LAIF_AUDIT_KEY ({fingerprint(KEY_B)}): "
               "LAIF_AUDIT_KEY was replaced and the key rotation is not finished (run "
               "`manage.py audit_rotate_key`)")
    with caplog.at_level(logging.CRITICAL, logger="laif"):
        assert REFUSED in refused_login()  # the right password does not get in either
    assert last_seq() == before_rotation
    [alert] = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert pending in alert
    assert Notice.objects.filter(kind="audit.alert", recipient=world.auditor).exists()
    # verify says the same, once, instead of reporting every entry as edited
    assert audit_verify().problems == [pending]
    assert audit_anchor().problem == pending


# ------------------------------------------------------------------ an attacker with the old key


def forge_entry(key: bytes, action: str = "approval.granted",
                detail: dict[str, object] | None = None) -> AuditEntry:
    """Append an entry chained to the newest one, keyed with ``key`` (not through the platform)."""
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    entry = AuditEntry(seq=newest.seq + 1, at=newest.at, actor_ref=None, actor_label="system",
                       action=action, organisation_id_ref=None, target="allocation:1", ip="",
                       detail=detail or {}, prev_hash=newest.hash)
    entry.hash = audit_chain.entry_hash(audit_chain.derive_keys(key), entry.seq,
                                        audit_content(entry), entry.prev_hash)
    entry.save()
    return entry


def forge_seal(key: bytes) -> None:
    """Point the checkpoint at the newest entry and seal it with ``key``."""
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    row = head()
    mac = audit_chain.checkpoint_mac(audit_chain.derive_keys(key), newest.seq, newest.hash,
                                     row.keyed_from, row.anchored_seq)
    AuditCheckpoint.objects.filter(pk=row.pk).update(seq=newest.seq, hash=newest.hash, mac=mac)


@pytest.fixture
def rotated(before_rotation: int, key_a: bytes, settings: Settings,
            capsys: pytest.CaptureFixture[str]) -> int:
    """The log after the rotation from A to B, one more entry under B; the rotation entry."""
    rotate_config(settings, KEY_B, key_a)
    rotate(capsys)
    seq = last_seq()
    audit_record(actor=SYSTEM, action="test.after_rotation")
    return seq


def test_an_entry_appended_with_the_old_key_is_caught(rotated: int, key_a: bytes) -> None:
    forged = forge_entry(key_a)
    forged_with_a = (f"entry #{forged.seq}: keyed with retired key {fingerprint(key_a)}, but "
                     f"LAIF_AUDIT_KEY ({fingerprint(KEY_B)}) is in force there since the key "
                     f"rotation at entry #{rotated} (forged with a key that was not in force)")
    problems = audit_verify().problems
    assert forged_with_a in problems
    assert f"the log's head (#{forged.seq}) does not match the checkpoint (#{forged.seq - 1})" \
        in problems
    assert REFUSED in refused_login()
    assert last_seq() == forged.seq  # nothing appended after it
    # ... and sealing it with the old key is caught too: the seal is not LAIF_AUDIT_KEY's
    forge_seal(key_a)
    forged_seal = (f"the checkpoint (#{forged.seq}) is sealed with retired key "
                   f"{fingerprint(key_a)}, but LAIF_AUDIT_KEY ({fingerprint(KEY_B)}) has been "
                   f"in force since the key rotation at entry #{rotated} (forged with an old key)")
    assert audit_verify().problems == [forged_with_a, forged_seal]
    assert REFUSED in refused_login()
    assert audit_anchor().problem == forged_seal
    assert last_seq() == forged.seq


def test_a_rotation_back_to_the_old_key_forged_with_it_is_caught(rotated: int,
                                                                 key_a: bytes) -> None:
    """The attacker records a rotation from B back to A, keyed with A, writes under A after it
    and seals the head with A."""
    fake = forge_entry(key_a, action="audit.key_rotated", detail={
        "old_key": fingerprint(KEY_B), "new_key": fingerprint(key_a), "verified_entries": 1})
    forge_entry(key_a)
    forge_seal(key_a)
    problems = audit_verify().problems
    assert (f"the key rotation at entry #{fake.seq} put retired key {fingerprint(key_a)} in "
            f"force, but LAIF_AUDIT_KEY ({fingerprint(KEY_B)}) must be in force at the head (a "
            "key rotation forged with another key, or one deleted)") in problems
    assert any("is sealed with retired key" in p and "(forged with an old key)" in p
               for p in problems)
    assert REFUSED in refused_login()


def test_the_old_key_cannot_rewrite_what_it_keyed_after_the_rotation(rotated: int,
                                                                     key_a: bytes) -> None:
    """Entries before the rotation were keyed with A, yet rewriting one with A breaks the chain
    at the rotation entry, whose hash (under B) covers the entry before it."""
    entry = AuditEntry.objects.get(seq=rotated - 1)
    entry.detail = {"note": "rewritten with the leaked key"}
    entry.hash = audit_chain.entry_hash(audit_chain.derive_keys(key_a), entry.seq,
                                        audit_content(entry), entry.prev_hash)
    entry.save()
    assert (f"entry #{rotated}: does not chain to the entry before it (an entry was deleted, "
            "inserted or reordered)") in audit_verify().problems


def test_an_anchor_line_forged_with_the_old_key_is_caught(rotated: int, key_a: bytes,
                                                          audit_anchor_file: Path) -> None:
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    line = anchor_line(audit_chain.derive_keys(key_a).anchor,
                       Anchor(seq=newest.seq, hash=newest.hash, at="2026-12-05T10:00:00+00:00"))
    with audit_anchor_file.open("a") as fh:
        fh.write(line)
    number = len(audit_anchor_file.read_text().splitlines())
    assert audit_verify().problems == [
        f"anchor line {number}: entry #{newest.seq} keyed with retired key "
        f"{fingerprint(key_a)}, but LAIF_AUDIT_KEY ({fingerprint(KEY_B)}) is in force there "
        f"since the key rotation at entry #{rotated} (forged with a key that was not in force)"]
    assert audit_anchor().problem == (
        "the last line of the anchor file is malformed or its seal is invalid (edited)")


# ------------------------------------------------------------------ refusals change nothing


def test_a_wrong_old_key_is_refused_and_changes_nothing(before_rotation: int, settings: Settings,
                                                        audit_anchor_file: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    rotate_config(settings, KEY_B, KEY_C)  # C never sealed anything
    before = state(audit_anchor_file)
    with pytest.raises(CommandError, match="REFUSED: the key was not rotated"):
        call_command("audit_rotate_key")
    assert (f"the checkpoint's seal is valid under neither LAIF_AUDIT_KEY ({fingerprint(KEY_B)}) "
            f"nor any key of LAIF_AUDIT_KEYS_RETIRED ({fingerprint(KEY_C)})") in \
        capsys.readouterr().err
    assert state(audit_anchor_file) == before
    assert REFUSED in refused_login()


@pytest.mark.parametrize("damage", ["entry edited", "anchor file truncated", "head deleted"])
def test_a_broken_log_is_not_rotated(before_rotation: int, key_a: bytes, settings: Settings,
                                     audit_anchor_file: Path, damage: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    build_log(2)
    audit_anchor()
    expected = {
        "entry edited": "entry #2: content does not match its hash (edited)",
        "anchor file truncated": "(anchor file truncated)",
        "head deleted": "(newest entries deleted)",
    }[damage]
    if damage == "entry edited":
        AuditEntry.objects.filter(seq=2).update(target="thing:else")
    elif damage == "anchor file truncated":
        audit_anchor_file.write_text(audit_anchor_file.read_text().splitlines()[0] + "\n")
    else:
        AuditEntry.objects.filter(seq=last_seq()).delete()
    rotate_config(settings, KEY_B, key_a)
    before = state(audit_anchor_file)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("audit_rotate_key")
    assert expected in capsys.readouterr().err
    assert state(audit_anchor_file) == before
    assert not AuditEntry.objects.filter(action="audit.key_rotated").exists()


# ------------------------------------------------------------------ anchors, and rotating again


def test_the_anchor_file_across_a_rotation(rotated: int, key_a: bytes, settings: Settings,
                                           audit_anchor_file: Path) -> None:
    assert audit_anchor().written  # the schedule goes on anchoring under B
    assert anchored_seqs(audit_anchor_file) == [rotated - 1, rotated, rotated + 1]
    assert verified().anchors == 3
    # without the old key, what it keyed cannot be checked: that is said, never passed over
    settings.LAIF_AUDIT_KEYS_RETIRED = ()
    problems = audit_verify().problems
    assert (f"the entries from the start before entry #{rotated} were keyed with key "
            f"{fingerprint(key_a)}, which is neither LAIF_AUDIT_KEY nor among "
            "LAIF_AUDIT_KEYS_RETIRED: they cannot be checked") in problems
    assert (f"anchor line 1: entry #{rotated - 1} cannot be checked: key {fingerprint(key_a)} "
            "is not configured") in problems


def test_the_new_head_is_anchored_later_when_the_file_could_not_be_written(
    before_rotation: int, key_a: bytes, settings: Settings, audit_anchor_file: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    def cannot_write(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    rotate_config(settings, KEY_B, key_a)
    monkeypatch.setattr("laif.accounts.audit_anchor.anchor_file_append", cannot_write)
    with pytest.raises(CommandError, match="the new head could not be anchored: the anchor "
                                           "file cannot be written"):
        call_command("audit_rotate_key")
    assert "rotated: " in capsys.readouterr().out  # the rotation itself is recorded
    monkeypatch.undo()
    # the schedule's next anchor checks the last line (keyed with A) by its entry, and goes on
    assert audit_anchor().written
    assert anchored_seqs(audit_anchor_file) == [before_rotation, before_rotation + 1]
    verified()


def test_two_successive_rotations(rotated: int, key_a: bytes, settings: Settings,
                                  audit_anchor_file: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    audit_anchor()
    rotate_config(settings, KEY_C, KEY_B, key_a)
    assert REFUSED in refused_login()
    out = rotate(capsys)
    second = last_seq()
    assert out.startswith(f"rotated: {second - 1} entries verified under retired key "
                          f"{fingerprint(KEY_B)}")
    assert AuditEntry.objects.get(seq=second).detail["old_key"] == fingerprint(KEY_B)
    assert audit_anchor().written is False  # the command anchored the new head already
    login()
    build_log(1)
    audit_anchor()
    assert verified().anchors == 5
    settings.LAIF_AUDIT_KEYS_RETIRED = (key_a, KEY_B)  # the order does not matter
    verified()
    # B, retired in turn, cannot write after the second rotation either
    forged = forge_entry(KEY_B)
    assert (f"entry #{forged.seq}: keyed with retired key {fingerprint(KEY_B)}, but "
            f"LAIF_AUDIT_KEY ({fingerprint(KEY_C)}) is in force there since the key rotation at "
            f"entry #{second}") in audit_verify().problems[0]


def test_a_retired_key_is_not_put_back_in_force(rotated: int, key_a: bytes, settings: Settings,
                                                audit_anchor_file: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A may have leaked: rotating from B back to A is refused."""
    rotate_config(settings, key_a, KEY_B)
    before = state(audit_anchor_file)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("audit_rotate_key")
    assert (f"LAIF_AUDIT_KEY ({fingerprint(key_a)}) was in force before (see the key rotation "
            f"at entry #{rotated}): a retired key must not be put back in force") in \
        capsys.readouterr().err
    assert state(audit_anchor_file) == before
