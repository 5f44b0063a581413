"""Login through an external OpenID Connect provider (EuroHPC MyAccessID, a site Keycloak...).

Configuration only (``LAIF_OIDC_*``); social-auth does discovery, PKCE, signature, issuer, audience,
expiry and nonce checks. Users are matched on (provider, ``sub``), never on e-mail.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from social_core.backends.open_id_connect import OpenIdConnectAuth
from social_core.exceptions import AuthForbidden

from laif.accounts.models import User


class LaifOIDCBackend(OpenIdConnectAuth):  # type: ignore[misc]
    name = "oidc"

    def setting(self, name: str, default: Any = None) -> Any:
        if name == "OIDC_ENDPOINT":
            return settings.LAIF_OIDC_ISSUER or default
        return super().setting(name, default)


def create_user(
    strategy: Any, details: dict[str, Any], backend: Any, user: User | None = None,
    *args: Any, **kwargs: Any,
) -> dict[str, Any] | None:
    """Create a local account for a first OIDC login. An e-mail already used by another account is
    refused rather than merged: linking must be done by the account's owner, logged in."""
    if user is not None:
        return {"is_new": False}
    email = (details.get("email") or "").strip().lower()
    if not email:
        raise AuthForbidden(backend, "the identity provider sent no e-mail address")
    if User.objects.filter(email__iexact=email).exists():
        raise AuthForbidden(backend, "an account with this e-mail address already exists")
    new_user = User.objects.create_user(
        email, None, first_name=details.get("first_name", "")[:150],
        last_name=details.get("last_name", "")[:150],
    )
    return {"is_new": True, "user": new_user}
