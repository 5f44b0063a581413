"""Why an SSH key is refused, in the person's language: ``sshkeys`` (pure, English) names the
reason with a code, ``services.ssh_key_add`` turns the code into a translated message."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import translation

from laif.accounts import services, sshkeys
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.models import SshKey
from tests.factories import World
from tests.views_support import ClientFor, html

pytestmark = pytest.mark.django_db

PRIVATE = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\n"
           "-----END OPENSSH PRIVATE KEY-----\n")


def rsa_2048() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()


def raised_codes() -> set[str]:
    """Every ``code=`` given to ``SshKeyError`` in the pure module."""
    tree = ast.parse(Path(sshkeys.__file__).read_text())
    return {
        str(kw.value.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SshKeyError"
        for kw in node.keywords
        if kw.arg == "code" and isinstance(kw.value, ast.Constant)
    }


def test_every_refusal_has_a_code_and_a_translatable_message() -> None:
    tree = ast.parse(Path(sshkeys.__file__).read_text())
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SshKeyError"]
    assert len(calls) >= 14
    assert all(any(kw.arg == "code" for kw in call.keywords) for call in calls)
    assert raised_codes() == set(services.SSH_KEY_MESSAGES)


def add(world: World, public_key: str) -> DomainError:
    with pytest.raises(DomainError) as info:
        services.ssh_key_add(actor=Actor.of(world.member), user=world.member, title="",
                             public_key=public_key)
    assert info.value.field == "public_key"
    return info.value


def test_english_messages_are_the_modules_own(world: World) -> None:
    assert translation.get_language() == "en"
    for text in (PRIVATE, rsa_2048(), "ssh-foo AAAA", "ssh-dss AAAA", "ssh-ed25519 !!!"):
        with pytest.raises(sshkeys.SshKeyError) as own:
            sshkeys.parse_public_key(text)
        assert add(world, text).message == str(own.value)


def test_french_messages_with_their_values(world: World) -> None:
    with translation.override("fr"):
        assert add(world, PRIVATE).message.startswith("Ceci est une clé PRIVÉE.")
        message = add(world, rsa_2048()).message
        assert "3072" in message
        assert "2048" in message
        assert "RSA" in message
        assert "ssh-foo" in add(world, "ssh-foo AAAA").message
        assert "DSA" in add(world, "ssh-dss AAAA").message
    assert not SshKey.objects.exists()


def test_unknown_code_falls_back_to_the_english_message() -> None:
    error = sshkeys.SshKeyError("Something new.", code="not-mapped-yet")
    assert services.ssh_key_error_message(error) == "Something new."


def test_the_french_portal_shows_french_refusals(world: World, client_for: ClientFor) -> None:
    client = client_for(world.member)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/account/"})
    page = html(client.post("/account/ssh-keys/", {"title": "oops", "public_key": PRIVATE}))
    assert "Ceci est une clé PRIVÉE." in page
    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE" not in page  # still never echoed back
    page = html(client.post("/account/ssh-keys/", {"title": "old", "public_key": rsa_2048()}))
    assert "2048" in page
    assert "This is a PRIVATE key" not in page


def test_the_api_answers_in_the_requested_language(world: World, client_for: ClientFor) -> None:
    client = client_for(world.member)
    response = client.post("/api/me/ssh-keys", {"public_key": "ssh-dss AAAA"},
                           content_type="application/json", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert response.json()["field"] == "public_key"
    assert "DSA" in response.json()["detail"]
    assert "obsolete and refused" not in response.json()["detail"]
