"""Who is asking: access and audit actor of an HTTP request (shared by API and views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from laif.accounts.access import Access, access_for
from laif.accounts.audit import Actor
from laif.accounts.forwarded import client_address
from laif.accounts.models import User


def client_ip(request: HttpRequest | None) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a proxy listed in
    ``LAIF_TRUSTED_PROXIES`` the address that proxy saw (``forwarded.py``); "" if unknown."""
    if request is None:
        return ""
    return client_address(
        str(request.META.get("REMOTE_ADDR", "")),
        str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
        settings.LAIF_TRUSTED_PROXIES,
    )[:45]


def current_user(request: HttpRequest) -> User | None:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def access_of(request: HttpRequest, *, refresh: bool = False) -> Access:
    """The requester's roles, loaded once per request (``refresh`` after a change of roles)."""
    access = None if refresh else getattr(request, "laif_access", None)
    if access is None:
        access = access_for(current_user(request))
        request.laif_access = access  # type: ignore[attr-defined]
    return access


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of(current_user(request), client_ip(request))
