"""E-mail verification: a new account's address counts only once the person proves they receive
mail there (ADR 0016). Proofs: the signed link of the confirmation mail (``email_verify``), the
link of an invitation mailed to that address, a password reset (its link is mailed too), or an
OpenID Connect provider that asserts ``email_verified``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, Throttled
from laif.accounts.models import Organisation, PendingOrganisation, User
from laif.accounts.services._email_links import schedule_verification_mail, verification_check
from laif.accounts.services.organisations import organisation_data_restored, organisation_register

RESEND_INTERVAL = timedelta(minutes=1)


def email_mark_verified(*, user: User, method: str, ip: str = "") -> bool:
    """Record that the person receives mail at their address (inside the caller's transaction);
    False if it was already known."""
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = timezone.now()
    User.objects.filter(pk=user.pk).update(email_verified_at=user.email_verified_at)
    audit_record(actor=Actor(user.pk, user.email, ip), action="user.email_verified",
                 target=f"user:{user.pk}", detail={"method": method, "email": user.email})
    return True


@dataclass(frozen=True)
class Verified:
    newly: bool  # the address was not verified before this link
    organisation: Organisation | None  # registered now, from the sign-up
    problem: str = ""  # why the sign-up's organisation could not be registered


def email_verify(*, user: User, token: str, ip: str = "") -> Verified:
    """Follow the confirmation link, logged in as the account it was sent for: the address is
    verified and the organisation entered at sign-up is registered. Following it again changes
    nothing."""
    verification_check(token, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        newly = email_mark_verified(user=locked, method="link", ip=ip)
        user.email_verified_at = locked.email_verified_at
        pending = PendingOrganisation.objects.select_for_update().filter(user=locked).first()
        organisation, problem = None, ""
        if pending is not None:
            data = organisation_data_restored(pending.data)
            try:
                organisation = organisation_register(admin=locked, data=data, ip=ip)
            except DomainError as exc:
                problem = _("%(org)s could not be registered: %(why)s Please contact the factory.") % {
                    "org": data.name, "why": exc.message}
            pending.delete()
    return Verified(newly=newly, organisation=organisation, problem=problem)


def email_verification_send(*, user: User, ip: str = "") -> None:
    """Mail the confirmation link again (at most once a minute)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        pending = PendingOrganisation.objects.filter(user=locked).first()
        if locked.email_verified_at is not None and pending is None:
            raise Conflict(_("Your e-mail address is already confirmed."))
        now = timezone.now()
        sent = locked.email_verification_sent_at
        if sent is not None and now - sent < RESEND_INTERVAL:
            raise Throttled(_(
                "A confirmation link was sent less than a minute ago. Check your mailbox (and "
                "its spam folder), or try again in a minute."
            ))
        locked.email_verification_sent_at = now
        locked.save(update_fields=["email_verification_sent_at"])
        audit_record(actor=Actor(locked.pk, locked.email, ip),
                     action="user.email_verification_sent", target=f"user:{locked.pk}")
        schedule_verification_mail(locked, pending.data.get("name", "") if pending else "")
