from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from laif.accounts.access import access_for
from laif.accounts.models import User
from laif.accounts.notices import unread_count


def laif(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    access = getattr(request, "laif_access", None)
    if access is None and user is not None:
        access = access_for(user)
        request.laif_access = access  # type: ignore[attr-defined]
    return {
        "access": access,
        "oidc_enabled": bool(settings.LAIF_OIDC_ISSUER),
        "oidc_name": settings.LAIF_OIDC_NAME,
        "laif_env": settings.LAIF_ENV,
        "unread_notices": (unread_count(user) if isinstance(user, User) and user.is_authenticated
                           else 0),
    }
