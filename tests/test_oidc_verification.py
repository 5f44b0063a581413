"""OpenID Connect and e-mail verification (ADR 0016): an address the provider asserts as verified
counts as verified here; one it does not vouch for must be confirmed by the mailed link."""

from __future__ import annotations

import pytest
from django.test import Client

from laif.accounts.models import AuditEntry, User
from tests.oidc_login import person, sso_login
from tests.oidc_support import MockProvider

pytestmark = pytest.mark.django_db


def test_an_address_the_provider_asserts_is_verified(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    user = User.objects.get(email="ada@example.lu")
    assert user.email_verified_at is not None
    entry = AuditEntry.objects.get(action="user.email_verified")
    assert (entry.actor_ref, entry.detail["method"]) == (user.pk, "oidc")


def test_an_address_the_provider_does_not_vouch_for_is_not(idp: MockProvider) -> None:
    claims = person("grace@example.lu")
    del claims["email_verified"]
    client = Client()
    sso_login(client, idp, "sub-grace", claims)
    user = User.objects.get(email="grace@example.lu")
    assert user.email_verified_at is None
    assert "Confirm your e-mail address" in client.get("/").content.decode()

    sso_login(client, idp, "sub-grace", person("grace@example.lu"))  # now it does
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_new_address_from_the_provider_is_verified_only_if_asserted(
        idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-lin", person("lin@example.lu"))
    claims = person("lin.new@example.lu")
    del claims["email_verified"]
    sso_login(Client(), idp, "sub-lin", claims)
    user = User.objects.get(email="lin.new@example.lu")
    assert user.email_verified_at is None
