"""A rollback of the audit log together with an older, validly sealed checkpoint passes the
server-side check alone, but `laif audit verify` remembers the head it verified last time."""

from __future__ import annotations

from pathlib import Path

import pytest

from laif.accounts import services
from laif.accounts.audit import SYSTEM, audit_record, audit_verify
from laif.accounts.models import AuditCheckpoint, AuditEntry
from tests.cli_support import run_cli
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_token(world: World) -> str:
    _token, secret = services.api_token_create(actor=SYSTEM, user=world.auditor, name="t")
    return secret


def test_rollback_to_an_older_sealed_checkpoint_is_caught_by_the_remembered_head(
    world: World, auditor_token: str, tmp_path: Path
) -> None:
    config = str(tmp_path)
    old_head = AuditCheckpoint.objects.get()
    snapshot = (old_head.seq, old_head.hash, old_head.mac)
    for i in range(3):
        audit_record(actor=SYSTEM, action="approval.granted", target=f"allocation:{i}")

    first = run_cli(["audit", "verify"], auditor_token, config)
    assert first.exit_code == 0, first.output
    assert (tmp_path / "audit-heads.json").exists()

    # The attacker (database access, no HMAC key) deletes the newest entries and restores the
    # checkpoint they had copied earlier: the chain and the seal are both valid again.
    AuditEntry.objects.filter(seq__gt=snapshot[0]).delete()
    AuditCheckpoint.objects.update(seq=snapshot[0], hash=snapshot[1], mac=snapshot[2])
    assert audit_verify().ok  # what the platform alone can see

    second = run_cli(["audit", "verify"], auditor_token, config)
    assert second.exit_code == 1
    assert "verified earlier" in " ".join(second.output.split())


def test_remembered_head_moves_forward_on_each_successful_verification(
    world: World, auditor_token: str, tmp_path: Path
) -> None:
    config = str(tmp_path)
    assert run_cli(["audit", "verify"], auditor_token, config).exit_code == 0
    audit_record(actor=SYSTEM, action="approval.granted", target="allocation:9")
    again = run_cli(["audit", "verify"], auditor_token, config)
    assert again.exit_code == 0, again.output
    assert "still holds entry #" in " ".join(again.output.split())


def test_a_rewritten_entry_at_the_remembered_head_is_caught(
    world: World, auditor_token: str, tmp_path: Path
) -> None:
    config = str(tmp_path)
    assert run_cli(["audit", "verify"], auditor_token, config).exit_code == 0
    head = AuditCheckpoint.objects.get()
    AuditEntry.objects.filter(seq=head.seq).update(hash="f" * 64)
    result = run_cli(["audit", "verify"], auditor_token, config)
    assert result.exit_code == 1
    assert "differs from the one verified earlier" in " ".join(result.output.split())
