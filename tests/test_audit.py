"""The audit log: every security-relevant action leaves an entry, and tampering is reported by
``laif audit verify`` over the API and by ``manage.py audit_verify`` on the host (the chain's own
checks: ``test_audit_chain.py``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from laif.accounts import selectors, services
from laif.accounts.access import access_for
from laif.accounts.audit import (
    Actor,
    audit_verify,
)
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.models import AuditEntry
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
