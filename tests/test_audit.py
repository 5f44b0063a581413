"""The audit log: every security-relevant action leaves an entry, and any tampering with the
stored log (edit, insertion, reordering, deletion, a forged checkpoint) is detected, by the
service, by ``laif audit verify`` over the API and by ``manage.py audit_verify`` on the host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from laif.accounts import audit_chain, selectors, services
from laif.accounts.access import access_for
from laif.accounts.audit import (
    CHECKPOINT_ID,
    SYSTEM,
    Actor,
    audit_content,
    audit_record,
    audit_verify,
)
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.models import AuditCheckpoint, AuditEntry
from tests.cli_support import run_cli
from tests.factories import PASSWORD, World, add_member

pytestmark = pytest.mark.django_db


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def recorded(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))


def actions(since: int) -> list[str]:
    return [e.action for e in recorded(since)]


# ------------------------------------------------------------------ what is recorded


def test_login_success_and_failure_are_recorded(world: World) -> None:
    before = last_seq()
    services.login_record(email="Member@Acme.lu", ip="192.0.2.7", user=None)
    services.login_record(email="member@acme.lu", ip="192.0.2.7", user=world.member)
    failed, ok = recorded(before)
    assert (failed.action, failed.actor_label, failed.actor_ref, failed.ip, failed.target) == (
        "login.failed", "anonymous", None, "192.0.2.7", "email:member@acme.lu")
    assert (ok.action, ok.actor_label, ok.actor_ref, ok.ip, ok.target) == (
        "login.succeeded", "member@acme.lu", world.member.pk, "192.0.2.7",
        f"user:{world.member.pk}")


def test_login_over_the_api_is_recorded(world: World) -> None:
    before = last_seq()
    client = Client()
    bad = client.post("/api/auth/token", {"email": "member@acme.lu", "password": "wrong"},
                      content_type="application/json")
    good = client.post("/api/auth/token", {"email": "member@acme.lu", "password": PASSWORD},
                       content_type="application/json")
    assert (bad.status_code, good.status_code) == (401, 201)
    assert actions(before) == ["login.failed", "login.succeeded", "token.created"]


def test_role_change_is_recorded(world: World) -> None:
    before = last_seq()
    services.membership_set_role(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                                 organisation_id=world.org.pk, user_id=world.member.pk,
                                 role="admin")
    [entry] = recorded(before)
    assert entry.action == "membership.role_changed"
    assert entry.actor_ref == world.org_admin.pk
    assert entry.organisation_id_ref == world.org.pk
    assert entry.target == f"user:{world.member.pk}"
    assert entry.detail == {"from": "member", "to": "admin"}


def test_token_created_and_revoked_are_recorded_without_the_secret(world: World) -> None:
    before = last_seq()
    token, secret = services.api_token_create(actor=Actor.of(world.member), user=world.member,
                                              name="laptop")
    services.api_token_revoke(actor=Actor.of(world.member), user=world.member, token_id=token.pk)
    services.api_token_revoke(actor=Actor.of(world.member), user=world.member, token_id=token.pk)
    created, revoked = recorded(before)  # revoking twice records once
    assert (created.action, created.target) == ("token.created", f"token:{token.pk}")
    assert (revoked.action, revoked.target) == ("token.revoked", f"token:{token.pk}")
    assert secret not in str(created.detail)


@pytest.mark.parametrize("role", ["operator", "reviewer", "auditor"])
def test_staff_reads_of_client_data_are_recorded(world: World, role: str) -> None:
    staff = world.user(role)
    assert staff is not None
    before = last_seq()
    selectors.organisation_get(access=access_for(staff), actor=Actor.of(staff, "198.51.100.1"),
                               organisation_id=world.org.pk)
    selectors.project_get(access=access_for(staff), actor=Actor.of(staff),
                          project_id=world.other_project.pk)
    org_read, project_read = recorded(before)
    assert (org_read.action, org_read.actor_ref, org_read.organisation_id_ref, org_read.target,
            org_read.ip) == ("data.accessed", staff.pk, world.org.pk,
                             f"organisation:{world.org.pk}", "198.51.100.1")
    assert (project_read.action, project_read.organisation_id_ref, project_read.target) == (
        "data.accessed", world.other_org.pk, f"project:{world.other_project.pk}")


def test_staff_read_of_a_member_list_is_recorded(world: World) -> None:
    before = last_seq()
    members = selectors.members_of(access=access_for(world.reviewer),
                                   actor=Actor.of(world.reviewer), organisation_id=world.org.pk)
    assert {m.user.email for m in members} >= {"member@acme.lu", "admin@acme.lu"}
    [entry] = recorded(before)
    assert (entry.action, entry.actor_ref, entry.organisation_id_ref, entry.target) == (
        "data.accessed", world.reviewer.pk, world.org.pk, f"organisation:{world.org.pk}/members")
    selectors.members_of(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                         organisation_id=world.org.pk)
    assert len(recorded(before)) == 1  # the organisation's own admin: not a staff access


def test_staff_read_over_the_api_is_recorded(world: World, client_for: Callable[..., Client]
                                             ) -> None:
    before = last_seq()
    response = client_for(world.operator).get(f"/api/organisations/{world.org.pk}")
    assert response.status_code == 200
    [entry] = recorded(before)
    assert (entry.action, entry.actor_ref, entry.organisation_id_ref) == (
        "data.accessed", world.operator.pk, world.org.pk)


def test_members_reading_their_own_data_is_not_data_access(world: World) -> None:
    before = last_seq()
    selectors.organisation_get(access=access_for(world.member), actor=Actor.of(world.member),
                               organisation_id=world.org.pk)
    selectors.project_get(access=access_for(world.project_lead), actor=Actor.of(world.project_lead),
                          project_id=world.project.pk)
    assert actions(before) == []


def test_trainer_sees_no_client_data_and_nothing_is_recorded(world: World) -> None:
    before = last_seq()
    with pytest.raises(NotFound):
        selectors.organisation_get(access=access_for(world.trainer),
                                   actor=Actor.of(world.trainer), organisation_id=world.org.pk)
    assert actions(before) == []


def test_identity_export_is_recorded(world: World) -> None:
    before = last_seq()
    records = selectors.identities_export(access=access_for(world.operator),
                                          actor=Actor.of(world.operator))
    [entry] = recorded(before)
    assert (entry.action, entry.actor_ref) == ("identities.exported", world.operator.pk)
    assert entry.detail == {"count": len(records)}
    assert len(records) >= 2  # the two project leads of the world


def test_project_creation_is_recorded_with_identity_allocation(world: World) -> None:
    newcomer = add_member(world.org, first_name="Nina", last_name="Neu")
    before = last_seq()
    project = services.project_create(access=access_for(world.org_admin),
                                      actor=Actor.of(world.org_admin),
                                      organisation_id=world.org.pk, name="Drift monitor",
                                      lead_id=newcomer.pk)
    allocated, created = recorded(before)
    assert (allocated.action, allocated.actor_label, allocated.target) == (
        "identity.allocated", "system", f"user:{newcomer.pk}")
    assert allocated.detail["username"] == "nneu"
    assert (created.action, created.actor_ref, created.organisation_id_ref, created.target) == (
        "project.created", world.org_admin.pk, world.org.pk, f"project:{project.pk}")
    assert created.detail["lead"] == newcomer.pk


def test_invitation_created_and_accepted_are_recorded(world: World) -> None:
    before = last_seq()
    invitation = services.invitation_create(access=access_for(world.org_admin),
                                            actor=Actor.of(world.org_admin),
                                            organisation_id=world.org.pk,
                                            email="New.Person@Example.lu", role="member")
    _membership, person = services.invitation_accept(
        token=invitation.plain_token,  # type: ignore[attr-defined]
        user=None, password=PASSWORD, first_name="New", last_name="Person", ip="203.0.113.5")
    created, verified, accepted = recorded(before)
    assert (verified.action, verified.actor_ref, verified.detail["method"]) == (
        "user.email_verified", person.pk, "invitation")
    assert (created.action, created.actor_ref, created.organisation_id_ref) == (
        "invitation.created", world.org_admin.pk, world.org.pk)
    assert created.detail == {"email": "new.person@example.lu", "role": "member"}
    assert invitation.plain_token not in str(created.detail)  # type: ignore[attr-defined]
    assert (accepted.action, accepted.actor_ref, accepted.ip, accepted.organisation_id_ref) == (
        "invitation.accepted", person.pk, "203.0.113.5", world.org.pk)


def test_refused_actions_leave_no_entry(world: World) -> None:
    """A refused write rolls back with its audit entry: the log only shows what happened."""
    before = last_seq()
    with pytest.raises(PermissionDenied):
        services.membership_set_role(access=access_for(world.member), actor=Actor.of(world.member),
                                     organisation_id=world.org.pk, user_id=world.member.pk,
                                     role="admin")
    assert actions(before) == []
    assert audit_verify().ok


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


# ------------------------------------------------------------------ laif audit verify (CLI)


@pytest.fixture
def auditor_token(world: World) -> str:
    _token, secret = services.api_token_create(actor=Actor.of(world.auditor), user=world.auditor,
                                               name="cli")
    return secret


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_cli_verify_intact_log(auditor_token: str) -> None:
    result = run_cli(["audit", "verify"], auditor_token)
    assert result.exit_code == 0, result.output
    count = AuditEntry.objects.count()
    assert f"OK: {count} entries, chain intact" in _flat(result.stdout)


def test_cli_verify_edited_entry(auditor_token: str) -> None:
    AuditEntry.objects.filter(seq=2).update(detail={"forged": True})
    result = run_cli(["audit", "verify"], auditor_token)
    assert result.exit_code == 1
    assert "TAMPERED" in result.stderr
    assert "entry #2: content does not match its hash (edited)" in _flat(result.stderr)


def test_cli_verify_deleted_last_entry(auditor_token: str) -> None:
    last = last_seq()
    AuditEntry.objects.filter(seq=last).delete()
    result = run_cli(["audit", "verify"], auditor_token)
    assert result.exit_code == 1
    assert (f"the log ends at entry #{last - 1} but the checkpoint records #{last} "
            "(newest entries deleted)") in _flat(result.stderr)


@pytest.mark.parametrize("role", ["member", "org_admin", "operator", "trainer"])
def test_cli_verify_is_for_auditors_only(world: World, role: str) -> None:
    user = world.user(role)
    assert user is not None
    _token, secret = services.api_token_create(actor=Actor.of(user), user=user, name="cli")
    result = run_cli(["audit", "verify"], secret)
    assert result.exit_code == 1
    assert "403" in result.stderr
    assert "Only auditors" in _flat(result.stderr)


def test_cli_verify_with_a_revoked_token(world: World, auditor_token: str) -> None:
    token = world.auditor.api_tokens.get()
    services.api_token_revoke(actor=Actor.of(world.auditor), user=world.auditor, token_id=token.pk)
    result = run_cli(["audit", "verify"], auditor_token)
    assert result.exit_code == 1
    assert "401" in result.stderr


# ------------------------------------------------------------------ manage.py audit_verify


def test_management_command_intact(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit_verify")
    assert f"OK: {AuditEntry.objects.count()} entries" in capsys.readouterr().out


def test_management_command_exits_1_on_tampering(world: World,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    last = last_seq()
    AuditEntry.objects.filter(seq=last).delete()
    AuditEntry.objects.filter(seq=2).update(action="test.nothing")
    with pytest.raises(CommandError) as info:
        call_command("audit_verify")
    assert info.value.returncode == 1
    assert "TAMPERED: 2 problem(s)" in str(info.value)
    err = capsys.readouterr().err
    assert "entry #2: content does not match its hash (edited)" in err
    assert "(newest entries deleted)" in err
