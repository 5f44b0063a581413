"""Members: invitations by e-mail and organisation roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import OrgRole
from laif.accounts.errors import Conflict, NotFound, PermissionDenied
from laif.accounts.language import active_language
from laif.accounts.models import Invitation, Membership, Organisation, StaffRole, User
from laif.accounts.services._common import password_check, token_hash
from laif.accounts.services.verification import email_mark_verified


def invitation_create(
    *, access: Access, actor: Actor, organisation_id: int, email: str, role: str
) -> Invitation:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can invite people."))
    email = email.strip().lower()
    if Membership.objects.filter(organisation_id=organisation_id, user__email__iexact=email).exists():
        raise Conflict(_("%(email)s is already a member.") % {"email": email}, field="email")
    if StaffRole.objects.filter(user__email__iexact=email).exists():
        raise Conflict(_("Factory staff cannot join a client organisation."), field="email")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # The organisation's row lock serialises its invitations: one open invitation per address.
        org = Organisation.objects.select_for_update().get(pk=organisation_id)
        if Invitation.objects.open().filter(organisation=org, email=email).exists():
            raise Conflict(
                _("An invitation to %(email)s is still open; revoke it first to send a new one.")
                % {"email": email},
                field="email",
            )
        invitation = Invitation.objects.create(
            organisation=org,
            email=email,
            role=role,
            token_hash=token_hash(token),
            invited_by_id=actor.user_id,
            expires_at=timezone.now() + timedelta(days=settings.LAIF_INVITATION_TTL_DAYS),
        )
        audit_record(
            actor=actor,
            action="invitation.created",
            target=f"invitation:{invitation.pk}",
            organisation_id=org.pk,
            detail={"email": email, "role": role},
        )
        link = f"{settings.LAIF_SITE_URL}/invitations/{token}/"
        subject = _("You are invited to %(org)s on the Luxembourg AI Factory") % {"org": org.name}
        body = _(
            "%(who)s invited you to join %(org)s on the Luxembourg AI Factory platform.\n\n"
            "Accept the invitation: %(link)s\n\nThe link expires in %(days)d days."
        ) % {"who": actor.label, "org": org.name, "link": link,
             "days": settings.LAIF_INVITATION_TTL_DAYS}
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        )
    invitation.plain_token = token  # type: ignore[attr-defined]  # shown once, never stored
    return invitation


def invitation_get_open(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.open().select_related("organisation")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation is unknown, already used or expired."))
    return invitation


def invitation_accept(
    *,
    token: str,
    user: User | None,
    password: str = "",
    first_name: str = "",
    last_name: str = "",
    ip: str = "",
) -> tuple[Membership, User]:
    """Accept an invitation as the logged-in user, or create the account if nobody is logged in."""
    with transaction.atomic():
        invitation = invitation_get_open(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise NotFound(_("This invitation is unknown, already used or expired."))
        if user is not None and user.is_authenticated:
            if user.email.lower() != invitation.email:
                raise PermissionDenied(
                    _("This invitation was sent to %(email)s; log in with that account.")
                    % {"email": invitation.email}
                )
            if StaffRole.objects.filter(user=user).exists():
                raise Conflict(_("Factory staff cannot join a client organisation."))
            if user.email_verified_at is None:
                # An unverified account may be someone else's squat of this address: only the
                # owner of the mailbox (confirmation link, or a password reset) may join with it.
                raise Conflict(_(
                    "Confirm your e-mail address first: open the link we mailed to %(email)s "
                    "(or ask for a new one), then accept the invitation."
                ) % {"email": user.email})
            member = user
        else:
            existing = User.objects.filter(email__iexact=invitation.email).first()
            if existing is not None:
                raise Conflict(_("An account exists for this address: log in, then accept."))
            candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
            password_check(password, candidate)
            # The invitation's link was mailed to this address: following it proves the mailbox.
            member = User.objects.create_user(
                invitation.email, password, first_name=first_name.strip(),
                last_name=last_name.strip(), language=active_language(),
            )
            email_mark_verified(user=member, method="invitation", ip=ip)
        membership, _created = Membership.objects.get_or_create(
            user=member, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = member
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=Actor(member.pk, member.email, ip),
            action="invitation.accepted",
            target=f"invitation:{invitation.pk}",
            organisation_id=invitation.organisation_id,
            detail={"role": membership.role},
        )
    return membership, member


def invitation_revoke(
    *, access: Access, actor: Actor, organisation_id: int, invitation_id: int
) -> Invitation:
    """Withdraw an invitation: its link stops working. Revoking a revoked one changes nothing."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can revoke invitations."))
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation_id, organisation_id=organisation_id)
            .first()
        )
        if invitation is None:
            raise NotFound(_("Invitation not found."))
        if invitation.accepted_at is not None:
            raise Conflict(
                _("%(email)s has already accepted this invitation.") % {"email": invitation.email}
            )
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="invitation.revoked",
                target=f"invitation:{invitation.pk}",
                organisation_id=organisation_id,
                detail={"email": invitation.email, "role": invitation.role},
            )
    return invitation


def membership_set_role(
    *, access: Access, actor: Actor, organisation_id: int, user_id: int, role: str
) -> Membership:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can change roles."))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(organisation_id=organisation_id, user_id=user_id)
            .first()
        )
        if membership is None:
            raise NotFound(_("This person is not a member of the organisation."))
        before = membership.role
        if before == OrgRole.ADMIN and role != OrgRole.ADMIN:
            admins = Membership.objects.select_for_update().filter(
                organisation_id=organisation_id, role=OrgRole.ADMIN
            )
            if admins.count() <= 1:
                raise Conflict(_("The organisation must keep at least one admin."))
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="membership.role_changed",
            target=f"user:{user_id}",
            organisation_id=organisation_id,
            detail={"from": before, "to": role},
        )
    return membership
