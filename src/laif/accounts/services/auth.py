"""API tokens, password-login audit, language preference, staff roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound
from laif.accounts.language import offered as language_offered
from laif.accounts.models import (
    ApiToken,
    Membership,
    StaffRole,
    User,
)
from laif.accounts.services._common import TOKEN_PREFIX, token_hash


def api_token_create(
    *, actor: Actor, user: User, name: str, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    days = expires_days or settings.LAIF_TOKEN_TTL_DAYS
    if not 1 <= days <= settings.LAIF_TOKEN_TTL_DAYS:
        raise DomainError(
            _("A token can live from 1 to %(max)d days.") % {"max": settings.LAIF_TOKEN_TTL_DAYS},
            field="expires_days",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=(name.strip() or "cli")[:100], prefix=secret[:12],
            token_hash=token_hash(secret),
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(actor=actor, action="token.created", target=f"token:{token.pk}",
                     detail={"name": token.name, "expires_at": token.expires_at.isoformat()})
    return token, secret


def api_token_revoke(*, actor: Actor, user: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if token is None:
            raise NotFound(_("Token not found."))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="token.revoked", target=f"token:{token.pk}")
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user behind a bearer token, or None (unknown, revoked, expired)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200 or "\x00" in secret:
        return None
    token = (
        ApiToken.objects.select_related("user").filter(token_hash=token_hash(secret)).first()
    )
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def login_record(*, email: str, ip: str, user: User | None) -> None:
    """Audit a password login attempt (throttling is django-axes', see ``throttle.py``)."""
    email = email.strip().lower()[:254]
    with transaction.atomic():
        if user is None:
            audit_record(actor=Actor(None, "anonymous", ip), action="login.failed",
                         target=f"email:{email}")
        else:
            audit_record(actor=Actor(user.pk, user.email, ip), action="login.succeeded",
                         target=f"user:{user.pk}")


def user_set_language(*, actor: Actor, user: User, language: str) -> User:
    """Remember the person's language (restored at each login)."""
    if language_offered(language) is None:
        raise DomainError(_("This language is not offered."), field="language")
    if user.language == language:
        return user
    with transaction.atomic():
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit_record(actor=actor, action="user.language_changed", target=f"user:{user.pk}",
                     detail={"from": before, "to": language})
    return user


def staff_role_grant(*, actor: Actor, user: User, role: str) -> StaffRole:
    if Membership.objects.filter(user=user).exists():
        raise Conflict(_("A member of a client organisation cannot hold a factory staff role."))
    with transaction.atomic():
        staff_role, created = StaffRole.objects.get_or_create(user=user, role=role)
        if created:
            audit_record(actor=actor, action="staff.role_granted", target=f"user:{user.pk}",
                         detail={"role": role})
    return staff_role
