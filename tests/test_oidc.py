"""Login through OpenID Connect, end to end against oidc-provider-mock on 127.0.0.1.

Each login goes: Django test client POSTs /sso/login/oidc/ -> the provider's authorize page (httpx,
as the person's browser) -> back to /sso/complete/oidc/ with code and state -> social-auth calls
the provider's token, JWKS and UserInfo endpoints itself.
"""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from social_django.models import UserSocialAuth

from laif.accounts import services
from laif.accounts.audit import SYSTEM
from laif.accounts.models import User
from tests.oidc_login import (
    ERROR_URL,
    assert_refused,
    audit,
    logged_in_user,
    messages_after,
    person,
    session_user_id,
    sso_login,
)
from tests.oidc_support import Claims, MockProvider

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- (a) first login


def test_first_login_creates_account_logs_in_and_audits(idp: MockProvider) -> None:
    client = Client()
    response = sso_login(client, idp, "sub-ada",
                         person("Ada.Lovelace@Example.LU", "Ada", "Lovelace"))

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="ada.lovelace@example.lu")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert not user.has_usable_password()
    assert session_user_id(client) == str(user.pk)
    assert client.get("/").status_code == 200
    assert logged_in_user(client) == user

    social = UserSocialAuth.objects.get(user=user)
    assert (social.provider, social.uid) == ("oidc", "sub-ada")
    assert social.extra_data["iss"] == idp.issuer

    [created] = audit("user.created")
    assert created.detail["method"] == "oidc"
    [succeeded] = audit("login.succeeded")
    assert succeeded.target == f"user:{user.pk}"
    assert succeeded.actor_ref == user.pk
    assert succeeded.detail["method"] == "oidc"
    assert succeeded.detail["new_account"] is True
    assert not audit("login.failed")


def test_names_default_to_the_full_name_claim(idp: MockProvider) -> None:
    claims: Claims = {"email": "grace@example.lu", "email_verified": True, "name": "Grace Hopper"}
    sso_login(Client(), idp, "sub-grace", claims)
    user = User.objects.get(email="grace@example.lu")
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [("/projects/", "/projects/"), ("https://evil.example/", "/"), ("//evil.example/", "/")],
)
def test_next_is_followed_only_within_the_site(
    idp: MockProvider, next_url: str, landing: str
) -> None:
    client = Client()
    idp.set_user("sub-ada", person("ada@example.lu"))
    start = client.post("/sso/login/oidc/", {"next": next_url})
    path, query = idp.authorize(str(start["Location"]), "sub-ada")
    assert client.get(path, query)["Location"] == landing


# --------------------------------------------------------------------------- (b) matched on sub


def test_second_login_same_sub_same_account_email_and_names_follow(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@old.example"))
    user = User.objects.get(email="ada@old.example")

    client = Client()
    response = sso_login(client, idp, "sub-ada", person("ada@new.example", family="King"))

    assert response["Location"] == "/"
    assert session_user_id(client) == str(user.pk)
    user.refresh_from_db()
    assert (user.email, user.last_name) == ("ada@new.example", "King")
    assert User.objects.count() == 1
    assert UserSocialAuth.objects.count() == 1
    logins = audit("login.succeeded")
    assert [e.actor_ref for e in logins] == [user.pk, user.pk]
    assert logins[1].detail["new_account"] is False


def test_login_restores_the_saved_language(idp: MockProvider, settings: SettingsWrapper) -> None:
    """A first login made in French keeps French on the new account; a later login from an
    English browser restores it with the language cookie, as the password login does."""
    first = Client()
    first.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    sso_login(first, idp, "sub-ada", person("ada@example.lu"))
    user = User.objects.get(email="ada@example.lu")
    assert user.language == "fr"
    first.post("/logout/")

    browser = Client()
    response = sso_login(browser, idp, "sub-ada")
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in browser.get("/").content.decode()

    User.objects.filter(pk=user.pk).update(language="en")
    response = sso_login(first, idp, "sub-ada")  # the French browser, logged out
    assert first.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_refused_login_sets_no_language(idp: MockProvider, settings: SettingsWrapper) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    User.objects.filter(email="ada@example.lu").update(is_active=False, language="fr")
    response = sso_login(Client(), idp, "sub-ada")
    assert response["Location"] == ERROR_URL
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_new_email_used_by_another_account_is_not_taken(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    User.objects.create_user("boss@example.lu", "a long enough password 1")

    client = Client()
    response = sso_login(client, idp, "sub-ada", person("boss@example.lu"))

    ada = User.objects.get(email="ada@example.lu")  # kept her e-mail: no 500, no swap
    assert response["Location"] == "/"
    assert session_user_id(client) == str(ada.pk)
    shown = messages_after(client, response)
    assert any("another account here uses it" in m for m in shown), shown


# --------------------------------------------------------------------------- (c) no takeover


def test_other_sub_with_email_of_password_account_is_refused(idp: MockProvider) -> None:
    owner = User.objects.create_user("ada@example.lu", "correct horse battery staple")
    client = Client()

    response = sso_login(client, idp, "sub-intruder", person("ADA@example.lu", "Eve", "Mallory"))

    shown = assert_refused(client, response)
    assert any("already exists" in m and "not linked" in m for m in shown), shown
    assert not UserSocialAuth.objects.exists()
    owner.refresh_from_db()
    assert (owner.first_name, owner.email) == ("", "ada@example.lu")
    assert owner.check_password("correct horse battery staple")
    [failed] = audit("login.failed")
    assert failed.detail["method"] == "oidc"
    assert failed.detail["reason"] == "email_in_use"
    assert failed.target == "email:ada@example.lu"
    assert not audit("login.succeeded")


def test_other_sub_with_email_of_sso_account_is_refused(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    client = Client()
    response = sso_login(client, idp, "sub-other", person("ada@example.lu"))
    assert_refused(client, response)
    assert UserSocialAuth.objects.count() == 1


def test_unverified_email_is_refused(idp: MockProvider) -> None:
    client = Client()
    response = sso_login(client, idp, "sub-x", person("x@example.lu", email_verified=False))
    shown = assert_refused(client, response)
    assert any("verified e-mail" in m for m in shown), shown
    assert not User.objects.exists()


def test_owner_links_sso_while_logged_in_with_password(idp: MockProvider) -> None:
    owner = User.objects.create_user("ada@example.lu", "correct horse battery staple")
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    response = sso_login(client, idp, "sub-ada", person("ada@example.lu"))
    assert response["Location"] == "/"
    assert UserSocialAuth.objects.get(uid="sub-ada").user == owner
    assert audit("login.succeeded")[-1].detail["linked"] is True

    later = Client()
    sso_login(later, idp, "sub-ada")
    assert session_user_id(later) == str(owner.pk)


def test_disabled_account_is_refused(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    User.objects.filter(email="ada@example.lu").update(is_active=False)
    client = Client()
    response = sso_login(client, idp, "sub-ada")
    shown = assert_refused(client, response)
    assert any("disabled" in m for m in shown), shown


def test_identity_of_another_issuer_is_refused(idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))
    social = UserSocialAuth.objects.get(uid="sub-ada")
    social.extra_data["iss"] = "https://previous-idp.example"
    social.save()
    client = Client()
    response = sso_login(client, idp, "sub-ada")
    assert_refused(client, response)
    assert audit("login.failed")[0].detail["reason"] == "issuer_changed"


def test_a_reviewer_lands_on_the_review_queue_also_through_single_sign_on(
        idp: MockProvider) -> None:
    sso_login(Client(), idp, "sub-rev", person("rev@ai-factory.lu"))
    reviewer = User.objects.get(email="rev@ai-factory.lu")
    services.staff_role_grant(actor=SYSTEM, user=reviewer, role="reviewer")
    response = sso_login(Client(), idp, "sub-rev", person("rev@ai-factory.lu"))
    assert response["Location"] == "/compute/review/"
    # someone without a staff role still lands on the home page
    assert sso_login(Client(), idp, "sub-ada", person("ada@example.lu"))["Location"] == "/"
