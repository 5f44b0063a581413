"""Login through OpenID Connect refused for a bad token (audience, issuer, expiry, nonce), with the
provider down or switched off, and the settings checked at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts.models import User
from tests.oidc_login import (
    REPO,
    assert_refused,
    audit,
    begin,
    configure_oidc,
    person,
    session_user_id,
    sso_login,
)
from tests.oidc_support import Claims, MockProvider, free_port

pytestmark = pytest.mark.django_db


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
    configure_oidc(settings, f"http://127.0.0.1:{free_port()}")
    client = Client()
    response = client.post("/sso/login/oidc/")
    shown = assert_refused(client, response)
    assert any("cannot be reached" in m for m in shown), shown
    [failed] = audit("login.failed")
    assert failed.detail["method"] == "oidc"


def test_provider_down_at_callback(settings: SettingsWrapper) -> None:
    provider = MockProvider().start()
    try:
        configure_oidc(settings, provider.issuer)
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

    configure_oidc(settings, mock_provider.issuer)
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
    begin = client.get("/sso/login/oidc/")  # a form POST only: a GET starts nothing
    assert (begin.status_code, begin["Location"]) == (302, "/")
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
