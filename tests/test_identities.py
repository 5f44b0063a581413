"""Cluster identities (POSIX username and uid): allocated when a person joins a project, unique,
never reused, never deleted; exported for the site's provisioning with ``laif identities export``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import override_settings

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import SYSTEM, Actor, audit_record, audit_verify
from laif.accounts.errors import DomainError
from laif.accounts.models import AuditEntry, ClusterIdentity, ProjectMembership, UidCounter, User
from laif.accounts.posix import USERNAME_RE
from tests.cli_support import run_cli
from tests.concurrency import in_threads, needs_postgres
from tests.factories import World, add_member, sign_up

pytestmark = pytest.mark.django_db


def join(world: World, user: User, project_id: int | None = None) -> ClusterIdentity:
    services.project_member_add(access=access_for(world.org_admin),
                                actor=Actor.of(world.org_admin),
                                project_id=project_id or world.project.pk, user_id=user.pk)
    return ClusterIdentity.objects.get(user=user)


def all_uids() -> list[int]:
    return list(ClusterIdentity.objects.order_by("uid").values_list("uid", flat=True))


def public_key(comment: str) -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f"{key} {comment}"


# ------------------------------------------------------------------ allocation


def test_identity_is_allocated_when_joining_a_project(world: World) -> None:
    person = add_member(world.org, first_name="Élise", last_name="Schütz")
    assert not ClusterIdentity.objects.filter(user=person).exists()  # a member alone has none
    identity = join(world, person)
    assert identity.username == "eschutz"
    assert USERNAME_RE.match(identity.username)
    assert identity.uid >= settings.LAIF_UID_MIN
    assert identity.disabled_at is None


def test_project_lead_gets_an_identity_on_creation(world: World) -> None:
    assert ClusterIdentity.objects.filter(user=world.project_lead).exists()
    assert not ClusterIdentity.objects.filter(user=world.member).exists()


def test_identity_is_allocated_once(world: World) -> None:
    person = add_member(world.org, first_name="Paul", last_name="Weber")
    first = join(world, person)
    second_project = services.project_create(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, name="Second project", lead_id=person.pk)
    again = services.cluster_identity_ensure(user_id=person.pk)
    assert (again.pk, again.uid, again.username) == (first.pk, first.uid, first.username)
    assert ProjectMembership.objects.filter(user=person).count() == 2
    assert second_project.memberships.get(user=person).role == "lead"
    assert ClusterIdentity.objects.filter(user=person).count() == 1
    assert AuditEntry.objects.filter(action="identity.allocated",
                                     target=f"user:{person.pk}").count() == 1


def test_username_collisions_get_a_suffix(world: World) -> None:
    names = [join(world, add_member(world.org, first_name="Marie", last_name="Dupont")).username
             for _ in range(3)]
    # the same name in another organisation competes for the same cluster namespace
    other_org, other_admin = sign_up("Initech")
    other = add_member(other_org, first_name="MARIE", last_name="dupont")
    project = services.project_create(access=access_for(other_admin), actor=Actor.of(other_admin),
                                      organisation_id=other_org.pk, name="P", lead_id=other.pk)
    assert project.pk
    names.append(ClusterIdentity.objects.get(user=other).username)
    assert names == ["mdupont", "mdupont2", "mdupont3", "mdupont4"]


def test_username_is_unique_ignoring_case(world: World) -> None:
    identity = join(world, add_member(world.org, first_name="Anna", last_name="Klein"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ClusterIdentity.objects.create(user=world.member, username=identity.username.upper(),
                                       uid=identity.uid + 1000)


def test_uids_are_unique_and_increasing(world: World) -> None:
    before = all_uids()
    people = [add_member(world.org, first_name="P", last_name=f"Person{i}") for i in range(5)]
    uids = [join(world, person).uid for person in people]
    assert uids == sorted(uids)
    assert len(set(uids)) == 5
    assert uids[0] == max(before) + 1
    assert uids == list(range(uids[0], uids[0] + 5))
    assert all(uid >= settings.LAIF_UID_MIN for uid in all_uids())


def test_uid_range_starts_at_laif_uid_min(db: None) -> None:
    org, admin = sign_up("First org")
    services.project_create(access=access_for(admin), actor=Actor.of(admin),
                            organisation_id=org.pk, name="First")
    assert all_uids() == [settings.LAIF_UID_MIN]


def test_exhausted_uid_range_is_refused_and_nothing_is_written(world: World) -> None:
    person = add_member(world.org, first_name="Late", last_name="Comer")
    before_entries = AuditEntry.objects.count()
    with override_settings(LAIF_UID_MAX=max(all_uids())), \
            pytest.raises(DomainError, match="uid range is exhausted"):
        join(world, person)
    assert not ClusterIdentity.objects.filter(user=person).exists()
    assert not ProjectMembership.objects.filter(user=person).exists()  # rolled back as a whole
    assert AuditEntry.objects.count() == before_entries
    assert audit_verify().ok


# ------------------------------------------------------------------ never reused, never deleted


def test_deactivated_user_keeps_the_identity_and_its_uid(world: World) -> None:
    person = add_member(world.org, first_name="Olga", last_name="Alt")
    identity = join(world, person)
    person.is_active = False
    person.save()
    assert ClusterIdentity.objects.get(user=person).uid == identity.uid
    newcomer = join(world, add_member(world.org, first_name="Nico", last_name="Neu"))
    assert newcomer.uid > identity.uid


def test_deleting_a_user_with_an_identity_is_refused(world: World) -> None:
    identity = ClusterIdentity.objects.get(user=world.project_lead)
    with pytest.raises(ProtectedError):
        world.project_lead.delete()
    assert User.objects.filter(pk=world.project_lead.pk).exists()
    assert ClusterIdentity.objects.get(pk=identity.pk).uid == identity.uid


def test_identity_rows_cannot_be_deleted(world: World) -> None:
    identity = ClusterIdentity.objects.get(user=world.project_lead)
    with pytest.raises(ProtectedError, match="never deleted"):
        identity.delete()
    with pytest.raises(ProtectedError, match="never deleted"):
        ClusterIdentity.objects.filter(pk=identity.pk).delete()
    assert ClusterIdentity.objects.filter(pk=identity.pk).exists()


def test_removing_project_membership_and_keys_keeps_the_identity(world: World) -> None:
    person = add_member(world.org, first_name="Rita", last_name="Raus")
    identity = join(world, person)
    key = services.ssh_key_add(actor=Actor.of(person), user=person, title="",
                               public_key=public_key("rita@laptop"))
    services.ssh_key_remove(actor=Actor.of(person), user=person, key_id=key.pk)
    services.project_member_remove(access=access_for(world.org_admin),
                                   actor=Actor.of(world.org_admin), project_id=world.project.pk,
                                   user_id=person.pk)
    assert ClusterIdentity.objects.get(user=person).uid == identity.uid


@pytest.mark.parametrize("tamper", ["delete", "reset"])
def test_uid_is_never_reused_even_if_the_counter_is_lost(world: World, tamper: str) -> None:
    """The counter row is only a hint: the next uid is above every uid ever handed out."""
    first = join(world, add_member(world.org, first_name="Ana", last_name="One"))
    if tamper == "delete":
        UidCounter.objects.all().delete()
    else:
        UidCounter.objects.update(next_uid=settings.LAIF_UID_MIN)
    second = join(world, add_member(world.org, first_name="Ben", last_name="Two"))
    assert second.uid == first.uid + 1
    assert second.uid > max(u for u in all_uids() if u != second.uid)
    assert UidCounter.objects.get().next_uid == second.uid + 1


def test_counter_moved_forward_by_an_operator_is_honoured(world: World) -> None:
    UidCounter.objects.update(next_uid=settings.LAIF_UID_MIN + 5000)
    identity = join(world, add_member(world.org, first_name="Cy", last_name="Skip"))
    assert identity.uid == settings.LAIF_UID_MIN + 5000


# ------------------------------------------------------------------ concurrency (PostgreSQL)




@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counter_exists", [True, False])
def test_concurrent_allocations_get_distinct_uids(counter_exists: bool) -> None:
    org, _ = sign_up("Concurrent")
    people = [add_member(org, first_name="Sam", last_name="Same") for _ in range(8)]
    if not counter_exists:
        UidCounter.objects.all().delete()
    assert not ClusterIdentity.objects.exists()

    identities = in_threads(len(people),
                             lambda i: services.cluster_identity_ensure(user_id=people[i].pk))

    uids = sorted(identity.uid for identity in identities)
    assert uids == list(range(settings.LAIF_UID_MIN, settings.LAIF_UID_MIN + len(people)))
    usernames = {identity.username for identity in identities}
    assert usernames == {"ssame"} | {f"ssame{n}" for n in range(2, len(people) + 1)}
    assert UidCounter.objects.get().next_uid == uids[-1] + 1
    assert all_uids() == uids
    result = audit_verify()
    assert result.ok, result.problems
    assert AuditEntry.objects.filter(action="identity.allocated").count() == len(people)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_for_the_same_person_gives_one_identity() -> None:
    org, _ = sign_up("Same person")
    person = add_member(org, first_name="Solo", last_name="Twice")
    identities = in_threads(4, lambda i: services.cluster_identity_ensure(user_id=person.pk))
    assert len({(i.pk, i.uid) for i in identities}) == 1
    assert ClusterIdentity.objects.filter(user=person).count() == 1


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("log_exists", [True, False])
def test_concurrent_audit_records_keep_one_valid_chain(log_exists: bool) -> None:
    if log_exists:
        audit_record(actor=SYSTEM, action="test.before")
    before = AuditEntry.objects.count()
    in_threads(8, lambda i: audit_record(actor=SYSTEM, action="test.concurrent",
                                          detail={"thread": i}))
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 9))
    assert sorted(AuditEntry.objects.filter(action="test.concurrent")
                  .values_list("detail__thread", flat=True)) == list(range(8))
    result = audit_verify()
    assert result.ok, result.problems
    assert result.entries == before + 8


# ------------------------------------------------------------------ laif identities export (CLI)


@pytest.fixture
def exported_world(world: World) -> World:
    """The world with SSH keys on the project lead and a deactivated identity holder."""
    services.ssh_key_add(actor=Actor.of(world.project_lead), user=world.project_lead,
                         title="laptop", public_key=public_key("luc@laptop"))
    services.ssh_key_add(actor=Actor.of(world.project_lead), user=world.project_lead,
                         title="desktop", public_key=public_key("luc@desktop"))
    gone = add_member(world.org, first_name="Gustav", last_name="Gone")
    join(world, gone)
    gone.is_active = False
    gone.save()
    return world


def _token(user: User) -> str:
    return services.api_token_create(actor=Actor.of(user), user=user, name="cli")[1]


def test_cli_export_json(exported_world: World) -> None:
    world = exported_world
    result = run_cli(["identities", "export", "--format", "json"], _token(world.operator))
    assert result.exit_code == 0, result.output
    records = {r["username"]: r for r in json.loads(result.stdout)}
    lead = ClusterIdentity.objects.get(user=world.project_lead)
    record = records[lead.username]
    assert (record["uid"], record["gid"], record["email"], record["active"]) == (
        lead.uid, lead.uid, "lead@acme.lu", True)
    assert [k.split()[-1] for k in record["ssh_keys"]] == ["luc@laptop", "luc@desktop"]
    assert record["projects"] == [world.project.code]
    assert records["ggone"]["active"] is False
    assert set(records) == set(ClusterIdentity.objects.values_list("username", flat=True))
    assert AuditEntry.objects.filter(action="identities.exported",
                                     actor_ref=world.operator.pk).count() == 1


def test_cli_export_csv(exported_world: World) -> None:
    world = exported_world
    result = run_cli(["identities", "export", "--format", "csv"], _token(world.auditor))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    lead = ClusterIdentity.objects.get(user=world.project_lead)
    [row] = [r for r in rows if r["username"] == lead.username]
    assert int(row["uid"]) == lead.uid
    keys = row["ssh_keys"].split("\n")
    assert len(keys) == 2
    assert all(k.startswith("ssh-ed25519 AAAA") for k in keys)
    assert len(rows) == ClusterIdentity.objects.count()


def test_cli_export_passwd(exported_world: World) -> None:
    world = exported_world
    result = run_cli(["identities", "export", "--format", "passwd"], _token(world.operator))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == ClusterIdentity.objects.count()
    entries = {line.split(":")[0]: line.split(":") for line in lines}
    lead = ClusterIdentity.objects.get(user=world.project_lead)
    assert entries[lead.username] == [lead.username, "x", str(lead.uid), str(lead.uid),
                                      "Luc Lead", f"/home/{lead.username}", "/bin/bash"]
    assert entries["ggone"][6] == "/usr/sbin/nologin"


def test_cli_export_to_a_file(exported_world: World, tmp_path: Any) -> None:
    out = tmp_path / "passwd"
    result = run_cli(["identities", "export", "--format", "passwd", "-o", str(out)],
                     _token(exported_world.operator))
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == ClusterIdentity.objects.count()
    assert f"identities written to {out}" in " ".join(result.stderr.split())


def test_passwd_export_cannot_be_injected_through_a_name(world: World) -> None:
    """A name is free text; in a passwd file a newline or colon in it would forge accounts
    (here a second uid-0 account)."""
    evil = add_member(world.org, first_name="Eve\nevil:x:0:0:root:/root:/bin/bash\n",
                      last_name="Mal:lory\x1b[2J")
    join(world, evil)
    result = run_cli(["identities", "export", "--format", "passwd"], _token(world.operator))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == ClusterIdentity.objects.count()
    assert all(len(line.split(":")) == 7 for line in lines)
    assert not [line for line in lines if line.split(":")[2] == "0"]
    assert "\x1b" not in result.stdout
    json_result = run_cli(["identities", "export"], _token(world.operator))
    [record] = [r for r in json.loads(json_result.stdout) if r["email"] == evil.email]
    assert "\n" not in record["full_name"]
    assert "\x1b" not in record["full_name"]


@pytest.mark.parametrize("role", ["member", "org_admin", "project_lead", "reviewer", "trainer"])
def test_cli_export_is_refused_to_others(world: World, role: str) -> None:
    user = world.user(role)
    assert user is not None
    result = run_cli(["identities", "export", "--format", "json"], _token(user))
    assert result.exit_code == 1
    assert "403" in result.stderr
    assert "Only operators and auditors" in " ".join(result.stderr.split())
    assert result.stdout == ""
    assert not AuditEntry.objects.filter(action="identities.exported").exists()


def test_cli_export_rejects_an_unknown_format(world: World) -> None:
    result = run_cli(["identities", "export", "--format", "xml"], _token(world.operator))
    assert result.exit_code == 2
    assert "json, csv or passwd" in result.stderr
