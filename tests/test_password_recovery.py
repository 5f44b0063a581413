"""Password change (logged in) and reset (by the link mailed to the address), ADR 0016."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client

from laif.accounts import services
from laif.accounts.audit import Actor
from laif.accounts.models import AuditEntry, User
from tests.factories import PASSWORD, World
from tests.mail_support import link_path

pytestmark = pytest.mark.django_db

NEW = "Lantern-Harbour-Quiet-77"


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def without_csrf(page: str) -> str:
    """The page as a person reads it (the CSRF token differs at every answer)."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def ask_reset(email: str, client: Client | None = None) -> Any:
    return (client or Client()).post("/password-reset/", {"email": email}, follow=True)


def reset_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    return link_path(message.body, "/password-reset/")


def set_new_password(link: str, password: str = NEW, client: Client | None = None) -> Any:
    client = client or Client()
    form_page = client.get(link, follow=True)  # Django moves the token into the session
    assert form_page.status_code == 200
    return client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": password, "new_password2": password}, follow=True)


def api_login(email: str, password: str) -> int:
    return Client().post("/api/auth/token", {"email": email, "password": password},
                         content_type="application/json").status_code


# ------------------------------------------------------------------ asking for a link


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(world: World) -> None:
    known = ask_reset(world.member.email)
    unknown = ask_reset("nobody@acme.lu")
    assert known.redirect_chain == unknown.redirect_chain == [("/password-reset/sent/", 302)]
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(text(known)) == without_csrf(text(unknown))
    assert "If an account uses this address, we have mailed it a link" in text(known)
    assert [m.to for m in mail.outbox] == [[world.member.email]]  # only the real account


def test_the_mail_is_in_the_persons_language_and_links_to_the_site(world: World) -> None:
    world.member.language = "fr"
    world.member.save(update_fields=["language"])
    ask_reset("MEMBER@acme.lu")  # any case
    (message,) = mail.outbox
    assert message.subject == "Réinitialisez votre mot de passe sur la Luxembourg AI Factory"
    assert "Choisissez un nouveau mot de passe ici" in message.body
    assert f"{settings.LAIF_SITE_URL}/password-reset/" in message.body
    assert "60 minutes" in message.body


def test_an_account_without_a_password_gets_no_link(world: World) -> None:
    world.member.set_unusable_password()  # an account that logs in through the SSO provider
    world.member.save(update_fields=["password"])
    answer = ask_reset(world.member.email)
    assert "If an account uses this address, we have mailed it a link" in text(answer)
    assert mail.outbox == []


# ------------------------------------------------------------------ following the link


def test_the_link_sets_a_new_password_once(world: World) -> None:
    ask_reset(world.member.email)
    link = reset_link(world.member.email)
    done = set_new_password(link)
    assert done.redirect_chain[-1][0] == "/login/"
    assert "Your password is changed." in text(done)
    assert api_login(world.member.email, PASSWORD) == 401
    assert api_login(world.member.email, NEW) == 201
    again = Client().get(link, follow=True)
    assert "This link does not work" in text(again)


def test_the_link_expires(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.PASSWORD_RESET_TIMEOUT == settings.LAIF_PASSWORD_RESET_MINUTES * 60
    ask_reset(world.member.email)
    link = reset_link(world.member.email)
    later = datetime.now() + timedelta(minutes=settings.LAIF_PASSWORD_RESET_MINUTES, seconds=5)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    page = Client().get(link, follow=True)
    assert "This link does not work" in text(page)
    assert 'name="new_password1"' not in text(page)


def test_a_reset_logs_out_every_session_and_revokes_every_token(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    _token, secret = services.api_token_create(actor=Actor.of(world.member), user=world.member,
                                               name="laptop")
    elsewhere = client_for(world.member)
    assert elsewhere.get("/account/").status_code == 200
    ask_reset(world.member.email)
    link = reset_link(world.member.email)
    form = Client().get(link, follow=True)
    assert "revokes all its API tokens" in text(form)  # the page says so before
    done = set_new_password(link)
    assert "its API tokens were revoked" in text(done)
    assert services.api_token_authenticate(secret=secret) is None
    assert elsewhere.get("/account/")["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(action="password.reset")
    assert (entry.actor_ref, entry.detail) == (world.member.pk, {"tokens_revoked": 1})


def test_a_reset_proves_the_address_and_clears_the_lockout(world: World) -> None:
    User.objects.filter(pk=world.member.pk).update(email_verified_at=None)
    for _ in range(settings.LAIF_LOGIN_MAX_FAILURES):
        api_login(world.member.email, "wrong")
    assert api_login(world.member.email, PASSWORD) == 429
    ask_reset(world.member.email)
    set_new_password(reset_link(world.member.email))
    world.member.refresh_from_db()
    assert world.member.email_verified_at is not None
    assert api_login(world.member.email, NEW) == 201


def test_a_weak_new_password_is_refused_with_the_reason(world: World) -> None:
    ask_reset(world.member.email)
    page = set_new_password(reset_link(world.member.email), password="password")
    assert "This password is too short" in text(page)
    assert api_login(world.member.email, PASSWORD) == 201


# ------------------------------------------------------------------ changing it, logged in


def test_change_needs_the_current_password(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    client = client_for(world.member)
    page = client.post("/account/password/", {
        "old_password": "not-it", "new_password1": NEW, "new_password2": NEW})
    assert "Your old password was entered incorrectly" in text(page)
    assert api_login(world.member.email, PASSWORD) == 201


def test_change_keeps_this_session_ends_the_others_and_keeps_the_tokens(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    _token, secret = services.api_token_create(actor=Actor.of(world.member), user=world.member,
                                               name="laptop")
    client, other = client_for(world.member), client_for(world.member)
    page = client.get("/account/password/")
    assert "Your API tokens keep working" in text(page)
    done = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain[-1][0] == "/account/"
    assert "Your password is changed." in text(done)
    assert client.get("/account/").status_code == 200
    assert other.get("/account/")["Location"].startswith("/login/")
    assert services.api_token_authenticate(secret=secret) == world.member
    assert api_login(world.member.email, NEW) == 201
    entry = AuditEntry.objects.get(action="password.changed")
    assert (entry.actor_ref, entry.detail) == (world.member.pk, {"tokens_revoked": 0})


def test_an_sso_account_is_told_it_has_no_password(
        world: World, client_for: Callable[[User | None], Client], settings: Any) -> None:
    settings.LAIF_OIDC_NAME = "MyAccessID"
    world.member.set_unusable_password()
    world.member.save(update_fields=["password"])
    page = text(client_for(world.member).get("/account/password/"))
    assert "Your account logs in with MyAccessID: it has no password here." in page
    assert 'name="old_password"' not in page


def test_the_pages_are_linked(world: World, client_for: Callable[[User | None], Client]) -> None:
    assert 'href="/password-reset/"' in text(Client().get("/login/"))
    assert 'href="/account/password/"' in text(client_for(world.member).get("/account/"))
