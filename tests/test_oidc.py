"""Login through OpenID Connect, end to end against oidc-provider-mock on 127.0.0.1.

Each login goes: Django test client POSTs /sso/login/oidc/ -> the provider's authorize page (httpx,
as the person's browser) -> back to /sso/complete/oidc/ with code and state -> social-auth calls
the provider's token, JWKS and UserInfo endpoints itself.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from social_django.models import UserSocialAuth

from laif.accounts.models import AuditEntry, User
from tests.oidc_support import Claims, MockProvider, free_port

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
ERROR_URL = "/login/?sso=failed"


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="session")
def mock_provider() -> Iterator[MockProvider]:
    provider = MockProvider().start()
    yield provider
    provider.stop()


def _configure(settings: SettingsWrapper, issuer: str) -> None:
    settings.LAIF_OIDC_ISSUER = issuer
    settings.SOCIAL_AUTH_OIDC_OIDC_ENDPOINT = issuer
    settings.SOCIAL_AUTH_OIDC_KEY = "laif-test"
    settings.SOCIAL_AUTH_OIDC_SECRET = "laif-test-secret"
    settings.LAIF_OIDC_NAME = "MyAccessID"


@pytest.fixture
def idp(settings: SettingsWrapper, mock_provider: MockProvider) -> Iterator[MockProvider]:
    _configure(settings, mock_provider.issuer)
    mock_provider.reset()
    yield mock_provider
    mock_provider.reset()


def person(email: str, given: str = "Ada", family: str = "Lovelace", **extra: Any) -> Claims:
    return {"email": email, "email_verified": True, "given_name": given, "family_name": family,
            **extra}


def begin(client: Client) -> str:
    """Press "Log in with MyAccessID"; returns the provider URL the browser is sent to."""
    response = client.post("/sso/login/oidc/")
    assert response.status_code == 302, response.content
    return str(response["Location"])


def sso_login(
    client: Client, idp: MockProvider, sub: str, claims: Claims | None = None
) -> Response:
    if claims is not None:
        idp.set_user(sub, claims)
    path, query = idp.authorize(begin(client), sub)
    assert path == "/sso/complete/oidc/"
    return client.get(path, query)


def logged_in_user(client: Client) -> User | None:
    """Who the next request is made as (through the session cookie)."""
    user = client.get("/").wsgi_request.user
    return user if isinstance(user, User) else None


def session_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None


def messages_after(client: Client, response: Response) -> list[str]:
    """Follow a redirect to the login page and return the messages it shows."""
    page = client.get(response["Location"])
    assert page.status_code == 200
    shown = [str(m) for m in get_messages(page.wsgi_request)]
    text = html.unescape(page.content.decode())
    for message in shown:
        assert message in text  # the person sees it on the page
    return shown


def assert_refused(client: Client, response: Response) -> list[str]:
    assert response.status_code == 302, response.content
    assert response["Location"] == ERROR_URL
    assert session_user_id(client) is None
    return messages_after(client, response)


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


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


# --------------------------------------------------------------------------- (d) token checks


def _wrong_audience(claims: Claims) -> None:
    claims["aud"] = ["someone-else"]


def _wrong_issuer(claims: Claims) -> None:
    claims["iss"] = "https://evil.example"


def _expired(claims: Claims) -> None:
    now = int(time.time())
    claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)


def _other_nonce(claims: Claims) -> None:
    claims["nonce"] = "n" * 64


def _no_nonce(claims: Claims) -> None:
    del claims["nonce"]


@pytest.mark.parametrize(
    ("tamper", "foreign_key", "code"),
    [
        pytest.param(_wrong_audience, False, "invalid_claim", id="wrong-audience"),
        pytest.param(_wrong_issuer, False, "invalid_claim", id="wrong-issuer"),
        pytest.param(_expired, False, "response_expired", id="expired"),
        pytest.param(_other_nonce, False, "nonce_mismatch", id="other-nonce"),
        pytest.param(_no_nonce, False, "nonce_mismatch", id="no-nonce"),
        pytest.param(None, True, "invalid_signature", id="bad-signature"),
    ],
)
def test_bad_id_token_is_refused(
    idp: MockProvider, tamper: Any, foreign_key: bool, code: str
) -> None:
    idp.tamper = tamper
    idp.sign_with_foreign_key = foreign_key
    client = Client()

    response = sso_login(client, idp, "sub-ada", person("ada@example.lu"))

    shown = assert_refused(client, response)
    assert any("could not be verified" in m for m in shown), shown
    assert not User.objects.exists()
    [failed] = audit("login.failed")
    assert failed.detail["method"] == "oidc"
    assert failed.detail["code"] == code
    assert failed.detail["stage"] == "token_validation"


def test_untampered_token_passes_through_the_rewriter(idp: MockProvider) -> None:
    """The tamper hook itself does not break a good token (so the refusals above are real)."""
    idp.tamper = lambda claims: None
    client = Client()
    sso_login(client, idp, "sub-ada", person("ada@example.lu"))
    assert session_user_id(client) is not None


def test_tampered_state_is_refused(idp: MockProvider) -> None:
    client = Client()
    idp.set_user("sub-ada", person("ada@example.lu"))
    path, query = idp.authorize(begin(client), "sub-ada")
    query["state"] = query["state"][:-2] + "xx"
    response = client.get(path, query)
    assert_refused(client, response)
    assert not User.objects.exists()
    assert audit("login.failed")[0].detail["method"] == "oidc"


def test_callback_from_another_browser_is_refused(idp: MockProvider) -> None:
    idp.set_user("sub-ada", person("ada@example.lu"))
    path, query = idp.authorize(begin(Client()), "sub-ada")
    attacker = Client()
    response = attacker.get(path, query)
    assert_refused(attacker, response)
    assert not User.objects.exists()


def test_replayed_callback_is_refused(idp: MockProvider) -> None:
    client = Client()
    idp.set_user("sub-ada", person("ada@example.lu"))
    path, query = idp.authorize(begin(client), "sub-ada")
    assert client.get(path, query)["Location"] == "/"
    client.logout()
    response = client.get(path, query)
    assert_refused(client, response)


def test_denied_at_the_provider(idp: MockProvider) -> None:
    client = Client()
    path, query = idp.deny(begin(client))
    response = client.get(path, query)
    shown = assert_refused(client, response)
    assert any("cancelled" in m for m in shown), shown


# --------------------------------------------------------------------------- (e) provider down


def test_provider_down_at_start(settings: SettingsWrapper) -> None:
    _configure(settings, f"http://127.0.0.1:{free_port()}")
    client = Client()
    response = client.post("/sso/login/oidc/")
    shown = assert_refused(client, response)
    assert any("cannot be reached" in m for m in shown), shown
    [failed] = audit("login.failed")
    assert failed.detail["method"] == "oidc"


def test_provider_down_at_callback(settings: SettingsWrapper) -> None:
    provider = MockProvider().start()
    try:
        _configure(settings, provider.issuer)
        client = Client()
        provider.set_user("sub-ada", person("ada@example.lu"))
        path, query = provider.authorize(begin(client), "sub-ada")
    finally:
        provider.stop()
    response = client.get(path, query)
    shown = assert_refused(client, response)
    assert any("cannot be reached" in m for m in shown), shown
    assert not User.objects.exists()


# --------------------------------------------------------------------------- (f) switched off


def test_login_page_offers_sso_only_when_configured(
    settings: SettingsWrapper, mock_provider: MockProvider
) -> None:
    settings.LAIF_OIDC_ISSUER = ""
    page = Client().get("/login/").content.decode()
    assert "/sso/login/oidc/" not in page

    _configure(settings, mock_provider.issuer)
    page = Client().get("/login/").content.decode()
    assert 'action="/sso/login/oidc/"' in page
    assert "Log in with MyAccessID" in page


def test_sso_urls_answer_404_when_not_configured(settings: SettingsWrapper) -> None:
    settings.LAIF_OIDC_ISSUER = ""
    settings.SOCIAL_AUTH_OIDC_OIDC_ENDPOINT = ""
    client = Client()
    assert client.post("/sso/login/oidc/").status_code == 404
    assert client.get("/sso/complete/oidc/", {"code": "x", "state": "y"}).status_code == 404


def test_only_begin_and_complete_of_the_oidc_backend_are_served(idp: MockProvider) -> None:
    client = Client()
    assert client.get("/sso/login/oidc/").status_code == 405  # a form POST only
    assert client.post("/sso/login/google-oauth2/").status_code == 404
    assert client.post("/sso/disconnect/oidc/").status_code == 404
    assert client.get("/sso/idp-launch/oidc/").status_code == 404


# --------------------------------------------------------------------------- (g) settings


def _manage_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("LAIF_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    environ.update(LAIF_ENV="test", LAIF_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=120, check=False,
    )


def test_settings_issuer_needs_client_id_and_secret(tmp_path: Path) -> None:
    result = _manage_check(tmp_path, LAIF_OIDC_ISSUER="https://login.example.eu/realms/laif")
    assert result.returncode == 2, result.stderr
    assert "LAIF_OIDC_CLIENT_ID: needed because LAIF_OIDC_ISSUER is set" in result.stderr
    assert "LAIF_OIDC_CLIENT_SECRET: needed because" in result.stderr


def test_settings_issuer_must_be_https(tmp_path: Path) -> None:
    result = _manage_check(tmp_path, LAIF_OIDC_ISSUER="http://login.example.eu",
                           LAIF_OIDC_CLIENT_ID="laif", LAIF_OIDC_CLIENT_SECRET="s")
    assert result.returncode == 2, result.stderr
    assert "LAIF_OIDC_ISSUER: must be an https:// URL" in result.stderr


def test_settings_complete_oidc_configuration_starts(tmp_path: Path) -> None:
    secret = tmp_path / "oidc-secret"
    secret.write_text("s3cret\n")
    result = _manage_check(tmp_path, LAIF_OIDC_ISSUER="https://login.example.eu/realms/laif/",
                           LAIF_OIDC_CLIENT_ID="laif", LAIF_OIDC_CLIENT_SECRET_FILE=str(secret))
    assert result.returncode == 0, result.stderr
