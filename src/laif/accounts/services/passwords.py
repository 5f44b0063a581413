"""Passwords: changed by the person logged in, or reset through the link mailed to them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from laif.accounts import throttle
from laif.accounts.audit import Actor, audit_record
from laif.accounts.models import ApiToken, User
from laif.accounts.services._common import password_check
from laif.accounts.services.verification import email_mark_verified


def user_password_set(*, actor: Actor, user: User, password: str, reset: bool) -> int:
    """Set a new password; the person's other sessions end (Django ties a session to the
    password hash). A reset, whose link was mailed to the address, also revokes every API token,
    verifies the address and clears the login failures of the account. Returns the number of
    tokens revoked."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        password_check(password, locked)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        revoked = 0
        if reset:
            revoked = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(
                revoked_at=timezone.now())
            email_mark_verified(user=locked, method="password_reset", ip=actor.ip)
            throttle.forget_failures(locked.email)
        audit_record(actor=actor, action="password.reset" if reset else "password.changed",
                     target=f"user:{locked.pk}", detail={"tokens_revoked": revoked})
    user.password = locked.password
    user.email_verified_at = locked.email_verified_at
    return revoked
