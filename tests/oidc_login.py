"""The login through OpenID Connect as the tests drive it: the provider (started once per
session), the settings that point at it, and the steps of a login in the Django test client."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.messages import get_messages
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts.models import AuditEntry, User
from tests.oidc_support import Claims, MockProvider

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

REPO = Path(__file__).resolve().parent.parent
ERROR_URL = "/login/?sso=failed"


def configure_oidc(settings: SettingsWrapper, issuer: str) -> None:
    settings.LAIF_OIDC_ISSUER = issuer
    settings.SOCIAL_AUTH_OIDC_OIDC_ENDPOINT = issuer
    settings.SOCIAL_AUTH_OIDC_KEY = "laif-test"
    settings.SOCIAL_AUTH_OIDC_SECRET = "laif-test-secret"
    settings.LAIF_OIDC_NAME = "MyAccessID"


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
