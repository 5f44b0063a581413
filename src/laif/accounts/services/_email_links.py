"""The e-mail verification link: signed, expiring, bound to the account and its address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laif.accounts.errors import DomainError, PermissionDenied
from laif.accounts.models import User
from laif.accounts.notices import mail_on_commit

SALT = "laif.accounts.email-verification"


def _address_digest(email: str) -> str:
    return salted_hmac(SALT, email.strip().lower()).hexdigest()[:20]


def verification_token(user: User) -> str:
    """A link token for the user's current address (a changed address voids it)."""
    return signing.dumps({"u": user.pk, "e": _address_digest(user.email)}, salt=SALT)


def verification_check(token: str, user: User) -> None:
    """Refuse a token that is forged, expired, or for another account or address."""
    try:
        payload = signing.loads(token, salt=SALT,
                                max_age=settings.LAIF_EMAIL_VERIFICATION_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise DomainError(_("This confirmation link has expired: ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("This confirmation link is not valid: ask for a new one.")) from exc
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        raise PermissionDenied(_(
            "This confirmation link was sent for another account: log in with the account of "
            "the address it was sent to."
        ))
    if payload.get("e") != _address_digest(user.email):
        raise DomainError(_(
            "This confirmation link was sent to an address this account no longer uses: ask "
            "for a new one."
        ))


def verification_link(user: User) -> str:
    path = reverse("verify_email", kwargs={"token": verification_token(user)})
    return settings.LAIF_SITE_URL + path


def schedule_verification_mail(user: User, organisation_name: str = "") -> None:
    """The confirmation mail, in the person's language, sent after the commit."""
    link = verification_link(user)
    days = settings.LAIF_EMAIL_VERIFICATION_DAYS

    def subject() -> str:
        return _("Confirm your e-mail address for the Luxembourg AI Factory")

    def body() -> str:
        if organisation_name:
            what = _("Confirm your e-mail address %(email)s and the registration of %(org)s on "
                     "the Luxembourg AI Factory platform:") % {
                         "email": user.email, "org": organisation_name}
        else:
            what = _("Confirm your e-mail address %(email)s on the Luxembourg AI Factory "
                     "platform:") % {"email": user.email}
        expiry = ngettext(
            "The link expires in %(days)d day. Open it in a browser where you are logged in "
            "to the platform (it asks you to log in otherwise).",
            "The link expires in %(days)d days. Open it in a browser where you are logged in "
            "to the platform (it asks you to log in otherwise).",
            days,
        ) % {"days": days}
        return "\n\n".join([
            _("Hello %(name)s,") % {"name": user.get_full_name() or user.email},
            f"{what}\n{link}",
            expiry,
            _("If you did not sign up, ignore this mail: nothing is registered without this "
              "confirmation."),
        ]) + "\n"

    mail_on_commit([user], subject, body)
