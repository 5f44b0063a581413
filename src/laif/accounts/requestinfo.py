"""Who is asking: access and audit actor of an HTTP request (shared by API and views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from laif.accounts.access import Access, access_and_unread
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
    """The requester's roles, loaded once per request (``refresh`` after a change of roles),
    together with their unread notices (``unread_notices_of``) in the same query."""
    access = None if refresh else getattr(request, "laif_access", None)
    if access is None:
        access, unread = access_and_unread(current_user(request))
        request.laif_access = access  # type: ignore[attr-defined]
        request.laif_unread = unread  # type: ignore[attr-defined]
    return access


def unread_notices_of(request: HttpRequest) -> int:
    """The requester's unread notices (the header's bell), read with their roles."""
    unread = getattr(request, "laif_unread", None)
    if unread is None:
        access_of(request, refresh=True)
        unread = request.laif_unread  # type: ignore[attr-defined]
    return int(unread)


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of(current_user(request), client_ip(request))
