"""The sealed head is anchored outside the database (``LAIF_AUDIT_ANCHOR_FILE``), and ``audit
verify`` checks the anchors: a log rolled back to an older, validly sealed checkpoint is caught
without the auditor remembering anything, and so is a damaged anchor file (ADR 0012)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django import Settings

from laif.accounts import services
from laif.accounts.audit import SYSTEM, audit_record, audit_verify
from laif.accounts.audit_anchor import audit_anchor
from laif.accounts.models import AuditEntry, Notice
from laif.accounts.tasks import audit_anchor_task
from tests.audit_support import build_log, head, last_seq, restore, snapshot
from tests.cli_support import run_cli
from tests.factories import World

pytestmark = pytest.mark.django_db


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def anchor_file() -> Path:
    return Path(settings.LAIF_AUDIT_ANCHOR_FILE)


def lines_at() -> str:
    """The time of the newest anchor."""
    return lines(anchor_file())[-1].split()[3]


def problems() -> list[str]:
    result = audit_verify()
    assert not result.ok
    return result.problems


def test_the_sealed_head_is_anchored_once(db: None, audit_anchor_file: Path) -> None:
    build_log(3)
    first = audit_anchor()
    assert (first.seq, first.hash, first.written, first.problem) == (3, head().hash, True, None)
    assert audit_anchor().written is False  # idempotent: the head is already anchored
    [line] = lines(audit_anchor_file)
    assert line.startswith(f"laif-audit-anchor/1 3 {head().hash} ")
    assert head().anchored_seq == 3
    audit_record(actor=SYSTEM, action="test.later")
    assert audit_anchor_task.call() == 4
    assert [int(x.split()[1]) for x in lines(audit_anchor_file)] == [3, 4]
    result = audit_verify()
    assert result.ok, result.problems
    assert result.anchors == 2


def test_an_empty_log_is_not_anchored(db: None, audit_anchor_file: Path) -> None:
    assert audit_anchor().written is False
    assert not audit_anchor_file.exists()


def test_rollback_to_an_older_sealed_checkpoint_is_caught_by_the_anchor(world: World) -> None:
    """No head remembered by the auditor: the anchor file alone catches it."""
    saved = snapshot()
    for i in range(3):
        audit_record(actor=SYSTEM, action="approval.granted", target=f"allocation:{i}")
    anchored = audit_anchor()
    restore(saved)  # newest entries deleted, the older validly sealed checkpoint restored
    assert problems() == [
        f"the log ends at entry #{saved['seq']} but entry #{anchored.seq} was anchored at "
        f"{lines_at()} outside the database (entries deleted, or the log rolled back)"]


def test_rollback_then_new_entries_are_caught_by_the_anchor(world: World) -> None:
    """After the rollback the log grows again past the anchored entry, with another history."""
    saved = snapshot()
    for i in range(3):
        audit_record(actor=SYSTEM, action="approval.granted", target=f"allocation:{i}")
    anchored = audit_anchor()
    restore(saved)
    for i in range(5):
        audit_record(actor=SYSTEM, action="approval.refused", target=f"allocation:{i}")
    assert (f"entry #{anchored.seq} differs from the one anchored at {lines_at()} outside the "
            "database (the log was rewritten)") in problems()


def test_the_anchor_task_raises_the_alert_after_a_rollback(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    saved = snapshot()
    audit_record(actor=SYSTEM, action="approval.granted", target="allocation:1")
    audit_record(actor=SYSTEM, action="approval.granted", target="allocation:2")
    audit_anchor()
    restore(saved)
    audit_record(actor=SYSTEM, action="approval.refused", target="allocation:1")
    before = lines(anchor_file())
    with caplog.at_level(logging.CRITICAL, logger="laif"), pytest.raises(RuntimeError) as info:
        audit_anchor_task.call()
    assert "rolled back" in str(info.value)
    assert lines(anchor_file()) == before  # the rolled-back head is not anchored
    assert any("AUDIT LOG INTEGRITY ALERT" in r.getMessage() for r in caplog.records)
    assert Notice.objects.filter(kind="audit.alert", recipient=world.auditor).count() == 1


def test_a_forged_head_is_not_anchored(db: None, audit_anchor_file: Path) -> None:
    build_log(3)
    AuditEntry.objects.filter(seq=3).update(detail={"forged": True})
    result = audit_anchor()
    assert result.problem == "entry #3: content does not match its hash (edited)"
    assert not audit_anchor_file.exists()


# ------------------------------------------------------------------ a damaged anchor file


@pytest.fixture
def anchored(db: None, audit_anchor_file: Path) -> Path:
    """A log of 8 entries anchored at #3, #5 and #8."""
    build_log(3)
    audit_anchor()
    build_log(2)
    audit_anchor()
    build_log(3)
    audit_anchor()
    assert len(lines(audit_anchor_file)) == 3
    return audit_anchor_file


def test_an_edited_anchor_line_is_reported(anchored: Path) -> None:
    text = lines(anchored)
    fields = text[1].split()
    fields[2] = AuditEntry.objects.get(seq=4).hash  # point the anchor at another entry
    anchored.write_text("\n".join([text[0], " ".join(fields), text[2]]) + "\n")
    assert problems() == [
        "anchor line 2: malformed or its seal is invalid (anchor file edited)"]


def test_an_anchor_line_forged_without_the_key_is_reported(anchored: Path) -> None:
    forged = f"laif-audit-anchor/1 9 {'a' * 64} 2026-01-01T00:00:00+00:00 {'b' * 64}\n"
    with anchored.open("a") as fh:
        fh.write(forged)
    assert problems() == [
        "anchor line 4: malformed or its seal is invalid (anchor file edited)"]


def test_reordered_anchor_lines_are_reported(anchored: Path) -> None:
    first, second, third = lines(anchored)
    anchored.write_text("\n".join([first, third, second]) + "\n")
    assert problems() == [
        "anchor line 3: entry #5 after entry #8 (anchors out of order: anchor file edited)"]


def test_a_truncated_anchor_file_is_reported(anchored: Path) -> None:
    anchored.write_text("\n".join(lines(anchored)[:2]) + "\n")
    assert problems() == [
        "the anchor file ends at entry #5 but the checkpoint records an anchor at entry #8 "
        "(anchor file truncated)"]


def test_a_line_cut_short_is_reported(anchored: Path) -> None:
    anchored.write_text(anchored.read_text()[:-30])
    found = problems()
    assert "anchor line 3: cut short (anchor file edited or a write interrupted)" in found


def test_a_deleted_anchor_file_is_reported_and_not_silently_restarted(anchored: Path) -> None:
    anchored.unlink()
    missing = ("the anchor file is missing but the checkpoint records an anchor at entry #8 "
               "(anchor file deleted)")
    assert problems() == [missing]
    build_log(1)
    assert audit_anchor().problem == missing
    assert not anchored.exists()
    with pytest.raises(CommandError, match="REFUSED: the anchor file is missing"):
        call_command("audit_anchor")


def test_an_operator_can_start_a_new_anchor_file(anchored: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError, match="only replaces a lost file"):
        call_command("audit_anchor", "--start-new-file")
    anchored.unlink()
    call_command("audit_anchor", "--start-new-file")
    assert "anchored entry #9" in capsys.readouterr().out
    restarted = AuditEntry.objects.get(seq=9)
    assert restarted.action == "audit.anchor_file_restarted"
    assert restarted.detail["anchored_seq"] == 8
    assert [int(x.split()[1]) for x in lines(anchored)] == [9]
    assert audit_verify().ok


def test_anchors_are_also_sent_to_syslog(db: None, settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr("syslog.syslog", lambda priority, message: sent.append(message))
    settings.LAIF_AUDIT_ANCHOR_SYSLOG = True
    build_log(2)
    audit_anchor()
    assert sent == lines(anchor_file())


# ------------------------------------------------------------------ every way to verify


def test_management_commands_anchor_and_verify(anchored: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit_anchor")
    assert "entry #8 is already anchored" in capsys.readouterr().out
    call_command("audit_verify")
    assert "3 anchors outside the database agree" in capsys.readouterr().out
    anchored.write_text("\n".join(lines(anchored)[:1]) + "\n")
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert "(anchor file truncated)" in capsys.readouterr().err


def test_cli_and_api_report_the_anchors(world: World, tmp_path: Path) -> None:
    _token, secret = services.api_token_create(actor=SYSTEM, user=world.auditor, name="t")
    saved = snapshot()
    audit_record(actor=SYSTEM, action="approval.granted", target="allocation:1")
    audit_anchor()
    ok = run_cli(["audit", "verify"], secret, str(tmp_path / "a"))
    assert ok.exit_code == 0, ok.output
    assert "1 anchor outside the database agrees" in " ".join(ok.stdout.split())
    restore(saved)
    # a fresh auditor's machine: nothing remembered, the anchor catches the rollback
    bad = run_cli(["audit", "verify"], secret, str(tmp_path / "b"))
    assert bad.exit_code == 1
    assert "was anchored at" in " ".join(bad.stderr.split())
    assert last_seq() == saved["seq"]


def test_the_verify_page_says_the_anchors_agree(world: World, client_for: Callable[..., Client]) -> None:
    audit_anchor()
    response = client_for(world.auditor).get("/staff/audit/verify/", HTTP_HX_REQUEST="true")
    assert "It still holds the 1 head anchored outside the database." in response.content.decode()
