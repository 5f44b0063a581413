"""Who may see the operations surfaces: staff networks (``LAIF_STAFF_NETWORKS``, the client's
address read through ``LAIF_TRUSTED_PROXIES``), staff logins, and the metrics token."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from laif.accounts.access import access_for
from laif.accounts.forwarded import in_networks
from laif.accounts.requestinfo import client_ip


def from_staff_network(request: HttpRequest) -> bool:
    return in_networks(client_ip(request), settings.LAIF_STAFF_NETWORKS)


def is_staff_login(request: HttpRequest) -> bool:
    """A logged-in member of the factory's staff (a staff role, or Django's staff flag)."""
    user = getattr(request, "user", None)
    if not isinstance(user, get_user_model()) or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.is_superuser or access_for(user).is_staff


def is_staff_request(request: HttpRequest) -> bool:
    return from_staff_network(request) or is_staff_login(request)


def metrics_allowed(request: HttpRequest) -> bool:
    """From a staff network, or with ``Authorization: Bearer <LAIF_METRICS_TOKEN>``."""
    token: str = settings.LAIF_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(),
                                   token.encode())
    return from_staff_network(request)
