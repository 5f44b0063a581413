"""The account pages (cluster identity, SSH keys, API tokens) and the staff pages (audit log,
identity export)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from laif.accounts import services
from laif.accounts.models import (
    ApiToken,
    AuditEntry,
    SshKey,
)
from tests.factories import World
from tests.views_support import ClientFor, fast_hashers, html  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db


def ed25519_public_key(comment: str = "me@laptop") -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(line.split()[1])
    return f"{line} {comment}", "SHA256:" + base64.b64encode(
        hashlib.sha256(blob).digest()).decode().rstrip("=")


# ----------------------------------------------------------------------------- account, tokens


def test_account_shows_identity_or_a_note(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.project_lead).get("/account/"))
    identity = world.project_lead.cluster_identity
    assert identity.username in page
    assert str(identity.uid) in page
    page = html(client_for(world.member).get("/account/"))
    assert "it is allocated when you join a project" in page


def test_ssh_keys_add_refuse_private_key_delete(world: World, client_for: ClientFor) -> None:
    client = client_for(world.member)
    private = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\n"
               "-----END OPENSSH PRIVATE KEY-----\n")
    page = html(client.post("/account/ssh-keys/", {"title": "oops", "public_key": private}))
    assert "This is a PRIVATE key" in page
    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE" not in page  # never echoed back
    page = html(client.post("/account/ssh-keys/", {"title": "x", "public_key": "ssh-dss AAAA"}))
    assert "DSA keys are obsolete" in page
    public, fingerprint = ed25519_public_key()
    response = client.post("/account/ssh-keys/", {"title": "laptop", "public_key": public},
                           follow=True)
    page = html(response)
    assert fingerprint in page
    assert "ssh-ed25519" in page
    assert "256 bits" in page
    key = SshKey.objects.get(user=world.member)
    # Someone else cannot delete it: 404, and it stays.
    assert client_for(world.project_lead).post(
        f"/account/ssh-keys/{key.pk}/delete/").status_code == 404
    assert client.post(f"/account/ssh-keys/{key.pk}/delete/").status_code == 302
    assert not SshKey.objects.filter(pk=key.pk).exists()


def test_tokens_secret_shown_once_then_revoke(world: World, client_for: ClientFor) -> None:
    client = client_for(world.member)
    response = client.post("/account/tokens/", {"name": "my laptop", "expires_days": "30"})
    page = html(response)
    secret = re.search(r'value="(laif_[A-Za-z0-9_-]+)"', page)
    assert secret is not None
    assert response["Cache-Control"] == "no-store"
    assert services.api_token_authenticate(secret=secret.group(1)) == world.member
    page = html(client.get("/account/tokens/"))
    assert secret.group(1) not in page
    assert "my laptop" in page
    page = html(client.post("/account/tokens/", {"name": "long", "expires_days": "9999"}))
    assert "less than or equal to 730" in page
    token = ApiToken.objects.get(user=world.member)
    assert client_for(world.project_lead).post(
        f"/account/tokens/{token.pk}/revoke/").status_code == 404
    page = html(client.post(f"/account/tokens/{token.pk}/revoke/", follow=True))
    assert "Token my laptop revoked." in page
    assert "Revoked" in page
    assert services.api_token_authenticate(secret=secret.group(1)) is None


# ----------------------------------------------------------------------------- staff pages


def test_audit_log_paging_and_verification(world: World, client_for: ClientFor) -> None:
    client = client_for(world.auditor)
    page = html(client.get("/staff/audit/"))
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    assert f'<td class="num">{newest.seq}</td>' in page
    older = html(client.get(f"/staff/audit/?before_seq={newest.seq}"))
    assert f'<td class="num">{newest.seq}</td>' not in older  # not another column's 10
    assert f'<td class="num">{newest.seq - 1}</td>' in older
    assert "project.created" in html(client.get("/staff/audit/?action=project."))
    assert client.get("/staff/audit/?before_seq=abc").status_code == 200
    fragment = html(client.get("/staff/audit/verify/", HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<p class="notice notice-success verify-ok"')
    assert "OK: the chain of" in fragment
    AuditEntry.objects.filter(seq=2).update(action="tampered")
    fragment = html(client.get("/staff/audit/verify/", HTTP_HX_REQUEST="true"))
    assert "verify-problems" in fragment
    assert "problem" in fragment
    assert "<html" in html(client.get("/staff/audit/verify/"))  # plain GET: a whole page


def test_identity_export_page(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.operator).get("/staff/identities/"))
    identity = world.project_lead.cluster_identity
    assert identity.username in page
    assert str(identity.uid) in page
    assert 'href="/api/identities/export"' in page
    assert AuditEntry.objects.filter(action="identities.exported").exists()
    # The download link works with the browser session.
    response = client_for(world.auditor).get("/api/identities/export")
    assert response.status_code == 200
    assert any(r["username"] == identity.username for r in response.json())
