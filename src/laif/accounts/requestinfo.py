"""Who is asking: access and audit actor of an HTTP request (shared by API and views)."""

from __future__ import annotations

from django.http import HttpRequest

from laif.accounts.access import Access, access_for
from laif.accounts.audit import Actor
from laif.accounts.models import User


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


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
