"""What a user of the REST API notices about tokens, login throttling, SSH keys, the identity
export and the audit log, each through HTTP as a client would call it."""


from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from laif.accounts.models import (
    ApiToken,
    AuditEntry,
    ClusterIdentity,
    User,
)
from tests.api_support import JSON, Api, ssh_public_key, token_for
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------ tokens


def test_token_login_gives_a_working_token(world: World) -> None:
    response = Client().post("/api/auth/token", {
        "email": "MEMBER@acme.lu", "password": PASSWORD, "name": "laptop", "expires_days": 30,
    }, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["token"].startswith("laif_")
    assert data["prefix"] == data["token"][:12]
    assert data["name"] == "laptop"
    lifetime = datetime.fromisoformat(data["expires_at"]) - timezone.now()
    assert timedelta(days=29) < lifetime <= timedelta(days=30)
    api = Api(data["token"])
    assert api.get("/api/me").json()["user"]["email"] == "member@acme.lu"
    listed = api.get("/api/tokens").json()
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None
    stored = ApiToken.objects.get(pk=data["id"])
    assert data["token"] not in stored.token_hash  # only the hash is stored


def test_token_login_with_a_wrong_password_is_401(world: World) -> None:
    response = Client().post("/api/auth/token", {"email": world.member.email,
                                                 "password": "wrong-password-1"},
                             content_type=JSON)
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong e-mail address or password."


def test_token_lifetime_is_capped(world: World) -> None:
    response = Client().post("/api/auth/token", {"email": world.member.email,
                                                 "password": PASSWORD, "expires_days": 365},
                             content_type=JSON)
    assert response.status_code == 400
    assert response.json()["field"] == "expires_days"


def test_expired_token_is_401(world: World) -> None:
    token = token_for(world.member)
    api = Api(token)
    assert api.get("/api/me").status_code == 200
    ApiToken.objects.filter(user=world.member).update(expires_at=timezone.now())
    response = api.get("/api/me")
    assert response.status_code == 401
    assert "Authentication required" in response.json()["detail"]


def test_revoked_token_is_401(world: World) -> None:
    keep, revoke = Api(token_for(world.member)), Api(token_for(world.member))
    token_id = revoke.get("/api/tokens").json()[0]["id"]
    response = keep.delete(f"/api/tokens/{token_id}")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert revoke.get("/api/me").status_code == 401
    assert keep.get("/api/me").status_code == 200


def test_deactivated_user_token_is_401(world: World) -> None:
    api = Api(token_for(world.member))
    User.objects.filter(pk=world.member.pk).update(is_active=False)
    assert api.get("/api/me").status_code == 401


def test_tokens_of_others_are_invisible(world: World) -> None:
    mine = Api(token_for(world.member))
    theirs = Api(token_for(world.org_admin))
    their_id = theirs.get("/api/tokens").json()[0]["id"]
    assert mine.delete(f"/api/tokens/{their_id}").status_code == 404
    assert [t["id"] for t in mine.get("/api/tokens").json()] != [their_id]
    assert theirs.get("/api/me").status_code == 200


# ------------------------------------------------------------------------------------ throttling


def _login(email: str, password: str, ip: str = "192.0.2.10") -> int:
    response = Client(REMOTE_ADDR=ip).post("/api/auth/token",
                                           {"email": email, "password": password},
                                           content_type=JSON)
    return int(response.status_code)


def test_login_is_throttled_after_repeated_failures(world: World, settings: Settings) -> None:
    settings.LAIF_LOGIN_MAX_FAILURES = 3
    email = world.member.email
    # The third failure reaches the limit and already says so (ADR 0016).
    assert [_login(email, "nope-nope-nope") for _ in range(3)] == [401, 401, 429]
    response = Client(REMOTE_ADDR="192.0.2.10").post(
        "/api/auth/token", {"email": email.upper(), "password": PASSWORD}, content_type=JSON)
    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]
    assert _login(email, PASSWORD, ip="198.51.100.7") == 201  # per (account, address)
    assert _login(world.org_admin.email, PASSWORD) == 201  # other accounts are unaffected
    assert AuditEntry.objects.filter(action="login.failed").count() == 3


def test_one_address_failing_on_many_accounts_locks_none_of_the_others(
        world: World, settings: Settings) -> None:
    settings.LAIF_LOGIN_MAX_FAILURES = 2
    results = [_login(f"guess{i}@acme.lu", "nope-nope-nope") for i in range(8)]
    assert results == [401] * 8
    assert _login(world.member.email, PASSWORD) == 201


def test_success_clears_the_failures(world: World, settings: Settings) -> None:
    settings.LAIF_LOGIN_MAX_FAILURES = 3
    email = world.member.email
    assert [_login(email, "nope-nope-nope") for _ in range(2)] == [401, 401]
    assert _login(email, PASSWORD) == 201
    assert [_login(email, "nope-nope-nope") for _ in range(2)] == [401, 401]
    assert _login(email, PASSWORD) == 201


def test_failed_login_with_a_very_long_email_is_a_clean_401(world: World) -> None:
    email = "a" * 240 + "@example.lu"
    assert _login(email, "nope-nope-nope") == 401


# ------------------------------------------------------------------------------------ SSH keys


def _fingerprint(public_key: str) -> str:
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def test_ssh_keys_add_list_delete(world: World, api_as: Callable[[User | None], Api]) -> None:
    api = api_as(world.member)
    key = ssh_public_key("marie@laptop")
    response = api.post("/api/me/ssh-keys", {"public_key": f"  {key}\n"})
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["fingerprint"] == _fingerprint(key)
    assert (added["key_type"], added["bits"], added["title"]) == ("ssh-ed25519", 256,
                                                                  "marie@laptop")
    assert [k["fingerprint"] for k in api.get("/api/me/ssh-keys").json()] == [_fingerprint(key)]

    response = api_as(world.project_lead).post("/api/me/ssh-keys", {"public_key": key})
    assert response.status_code == 409
    assert _fingerprint(key) in response.json()["detail"]

    assert api_as(world.project_lead).delete(f"/api/me/ssh-keys/{added['id']}").status_code == 404
    assert api.delete(f"/api/me/ssh-keys/{added['id']}").status_code == 204
    assert api.get("/api/me/ssh-keys").json() == []
    assert api.delete(f"/api/me/ssh-keys/{added['id']}").status_code == 404


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"
         "-----END OPENSSH PRIVATE KEY-----", "PRIVATE key"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP8=", "DSA"),
        ("ssh-ed25519 not!base64", "base64"),
        ("ssh-ed25519", "Expected"),
    ],
)
def test_bad_ssh_keys_are_400_with_a_reason(
    world: World, api_as: Callable[[User | None], Api], text: str, words: str
) -> None:
    response = api_as(world.member).post("/api/me/ssh-keys", {"public_key": text})
    assert response.status_code == 400
    assert response.json()["field"] == "public_key"
    assert words in response.json()["detail"]


# ------------------------------------------------------------------------------------ export


def test_identity_export_for_operators(world: World, api_as: Callable[[User | None], Api]) -> None:
    key = ssh_public_key("luc@workstation")
    assert api_as(world.project_lead).post("/api/me/ssh-keys",
                                           {"public_key": key}).status_code == 201
    response = api_as(world.operator).get("/api/identities/export")
    assert response.status_code == 200
    records = {r["email"]: r for r in response.json()}
    assert set(records) == {"lead@acme.lu", world.other_member.email}  # project members only
    lead = records["lead@acme.lu"]
    identity = ClusterIdentity.objects.get(user=world.project_lead)
    assert lead == {
        "username": identity.username, "uid": identity.uid, "gid": identity.uid,
        "full_name": "Luc Lead", "email": "lead@acme.lu", "active": True,
        "projects": [world.project.code], "ssh_keys": [key],
    }
    uids = [r["uid"] for r in response.json()]
    assert len(set(uids)) == len(uids)
    assert AuditEntry.objects.filter(action="identities.exported",
                                     actor_label=world.operator.email).exists()
    assert api_as(world.org_admin).get("/api/identities/export").status_code == 403


def test_identity_export_marks_deactivated_people(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    User.objects.filter(pk=world.project_lead.pk).update(is_active=False)
    records = {r["email"]: r for r in api_as(world.auditor).get("/api/identities/export").json()}
    assert records["lead@acme.lu"]["active"] is False


# ------------------------------------------------------------------------------------ audit


def test_audit_log_pages_newest_first(world: World, api_as: Callable[[User | None], Api]) -> None:
    auditor = api_as(world.auditor)
    newest = auditor.get("/api/audit", limit=3).json()
    assert len(newest) == 3
    seqs = [e["seq"] for e in newest]
    assert seqs == sorted(seqs, reverse=True)
    older = auditor.get("/api/audit", limit=3, before_seq=seqs[-1]).json()
    assert older[0]["seq"] == seqs[-1] - 1
    signed_up = auditor.get("/api/audit", action="organisation.").json()
    assert {e["action"] for e in signed_up} == {"organisation.signed_up"}
    assert auditor.get("/api/audit/verify").json()["ok"] is True


@pytest.mark.parametrize(("limit", "status", "count"), [
    ("0", 200, 1), (str(10**30), 200, None), ("9" * 5000, 422, None), ("x", 422, None),
])
def test_audit_limit_is_clamped_or_refused(
    world: World, api_as: Callable[[User | None], Api], limit: str, status: int,
    count: int | None,
) -> None:
    response = api_as(world.auditor).get("/api/audit", limit=limit)
    assert response.status_code == status
    if count is not None:
        assert len(response.json()) == count
