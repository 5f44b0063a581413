"""API tokens (stored as a hash only, expiring, revocable) and password-login throttling."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.test import Client
from django.utils import timezone

from laif.accounts import services
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError, NotFound
from laif.accounts.models import ApiToken, User
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


def make_token(user: User, days: int | None = None) -> tuple[ApiToken, str]:
    return services.api_token_create(actor=Actor.of(user), user=user, name="laptop",
                                     expires_days=days)


def whole_database() -> str:
    """Every row of every table, serialised: what a database dump would reveal."""
    return "".join(serializers.serialize("json", model._default_manager.all())
                   for model in apps.get_models())


# ------------------------------------------------------------------ tokens


def test_token_secret_is_never_stored(world: World) -> None:
    token, secret = make_token(world.member)
    assert secret.startswith(services.TOKEN_PREFIX)
    assert len(secret) > 40
    dump = whole_database()
    assert secret not in dump
    assert secret[len(services.TOKEN_PREFIX):] not in dump
    assert secret[12:] not in dump  # beyond the displayed prefix, nothing of it
    token.refresh_from_db()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]


def test_two_tokens_are_different(world: World) -> None:
    _a, secret_a = make_token(world.member)
    _b, secret_b = make_token(world.member)
    assert secret_a != secret_b


def test_token_authenticates_its_user(world: World) -> None:
    token, secret = make_token(world.member)
    assert token.last_used_at is None
    assert services.api_token_authenticate(secret=secret) == world.member
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("mangle", [
    lambda s: s[:-1], lambda s: s + "x", lambda s: s.upper(), lambda s: s[len("laif_"):],
    lambda s: s + "\x00", lambda s: s + "A" * 300, lambda s: "",
], ids=["truncated", "extended", "case", "no-prefix", "nul", "huge", "empty"])
def test_wrong_secrets_authenticate_nobody(world: World, mangle: Callable[[str], str]) -> None:
    _token, secret = make_token(world.member)
    assert services.api_token_authenticate(secret=mangle(secret)) is None


def test_token_expires(world: World) -> None:
    token, secret = make_token(world.member, days=1)
    assert timedelta(hours=23) < token.expires_at - timezone.now() <= timedelta(days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    assert services.api_token_authenticate(secret=secret) == world.member
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.api_token_authenticate(secret=secret) is None


def test_token_lifetime_is_bounded(world: World) -> None:
    token, _secret = make_token(world.member)
    expected = timedelta(days=settings.LAIF_TOKEN_TTL_DAYS)
    assert abs((token.expires_at - timezone.now()) - expected) < timedelta(minutes=1)
    with pytest.raises(DomainError, match="from 1 to"):
        make_token(world.member, days=settings.LAIF_TOKEN_TTL_DAYS + 1)
    with pytest.raises(DomainError, match="from 1 to"):
        make_token(world.member, days=-1)


def test_revoked_token_stops_working(world: World) -> None:
    token, secret = make_token(world.member)
    _other, other_secret = make_token(world.member)
    services.api_token_revoke(actor=Actor.of(world.member), user=world.member, token_id=token.pk)
    assert services.api_token_authenticate(secret=secret) is None
    assert services.api_token_authenticate(secret=other_secret) == world.member  # only that one


def test_nobody_revokes_someone_elses_token(world: World) -> None:
    token, secret = make_token(world.member)
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=Actor.of(world.operator), user=world.operator,
                                  token_id=token.pk)
    assert services.api_token_authenticate(secret=secret) == world.member


def test_deactivated_user_token_stops_working(world: World) -> None:
    _token, secret = make_token(world.member)
    world.member.is_active = False
    world.member.save()
    assert services.api_token_authenticate(secret=secret) is None


def test_token_over_the_api(world: World) -> None:
    token, secret = make_token(world.member)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/api/me").status_code == 200
    response = client.delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert client.get("/api/me").status_code == 401


def test_created_token_is_shown_once(world: World) -> None:
    client = Client()
    response = client.post("/api/auth/token",
                           {"email": "member@acme.lu", "password": PASSWORD, "name": "cli"},
                           content_type="application/json")
    assert response.status_code == 201
    secret = response.json()["token"]
    listing = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/tokens")
    assert listing.status_code == 200
    assert secret not in listing.content.decode()
    assert [t["prefix"] for t in listing.json()] == [secret[:12]]


# ------------------------------------------------------------------ login
# Throttling of password logins: tests/test_login_throttle.py.


def test_unknown_account_and_wrong_password_look_the_same(world: World) -> None:
    unknown = Client().post("/api/auth/token", {"email": "nobody@acme.lu", "password": "x" * 12},
                            content_type="application/json")
    wrong = Client().post("/api/auth/token", {"email": "member@acme.lu", "password": "x" * 12},
                          content_type="application/json")
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())
