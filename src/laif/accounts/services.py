"""Writes of the accounts context. Keyword-only, each owns its transaction and records an audit
entry in that same transaction; e-mail goes out with ``transaction.on_commit``."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from laif.accounts import posix, sme, sshkeys
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied, Throttled
from laif.accounts.language import active_language
from laif.accounts.language import offered as language_offered
from laif.accounts.models import (
    ApiToken,
    ClusterIdentity,
    Invitation,
    LoginFailure,
    Membership,
    Organisation,
    OrgRole,
    Project,
    ProjectMembership,
    ProjectRole,
    SshKey,
    StaffRole,
    UidCounter,
    User,
)

TOKEN_PREFIX = "laif_"
RCS_RE = re.compile(r"^[A-Z]\d{1,7}$")


# --------------------------------------------------------------------------- organisations


@dataclass(frozen=True)
class OrganisationData:
    name: str
    country: str
    sector: str
    kind: str
    staff_headcount: int
    annual_turnover_eur: Decimal
    balance_sheet_eur: Decimal
    rcs_number: str = ""
    vat_number: str = ""


def _clean_organisation(data: OrganisationData) -> OrganisationData:
    name = data.name.strip()
    if not name:
        raise DomainError(_("The organisation needs a name."), field="name")
    country = data.country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError(_("Country must be a two-letter ISO code, e.g. LU."), field="country")
    rcs = data.rcs_number.strip().upper().replace(" ", "")
    if rcs and not RCS_RE.match(rcs):
        raise DomainError(
            _("RCS number must look like B123456 (a section letter and digits)."),
            field="rcs_number",
        )
    vat = data.vat_number.strip().upper().replace(" ", "").replace(".", "")
    if vat:
        if not vat[:2].isalpha():
            vat = country + vat
        try:
            vat = eu_vat.validate(vat)
        except StdnumError as exc:
            raise DomainError(
                _("VAT number %(vat)s is not valid: %(why)s") % {"vat": vat, "why": str(exc)},
                field="vat_number",
            ) from exc
    return OrganisationData(
        name=name,
        country=country,
        sector=data.sector,
        kind=data.kind,
        staff_headcount=data.staff_headcount,
        annual_turnover_eur=data.annual_turnover_eur,
        balance_sheet_eur=data.balance_sheet_eur,
        rcs_number=rcs,
        vat_number=vat,
    )


def _apply_organisation(org: Organisation, data: OrganisationData) -> None:
    for key, value in data.__dict__.items():
        setattr(org, key, value)
    org.sme_class = sme.sme_class(
        headcount=data.staff_headcount,
        turnover_eur=data.annual_turnover_eur,
        balance_sheet_eur=data.balance_sheet_eur,
    ).value


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc


def organisation_sign_up(
    *,
    organisation: OrganisationData,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    ip: str = "",
) -> tuple[Organisation, User]:
    """Register a new organisation and its first admin."""
    data = _clean_organisation(organisation)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("An account with this e-mail address already exists."), field="email")
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    _validate_password(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=first_name.strip(), last_name=last_name.strip(),
                language=active_language(),
            )
            org = Organisation()
            _apply_organisation(org, data)
            org.save()
            Membership.objects.create(user=user, organisation=org, role=OrgRole.ADMIN)
            audit_record(
                actor=Actor(user.pk, user.email, ip),
                action="organisation.signed_up",
                target=f"organisation:{org.pk}",
                organisation_id=org.pk,
                detail={"name": org.name, "sme_class": org.sme_class},
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This organisation (VAT number) or e-mail address is already registered.")
        ) from exc
    return org, user


def organisation_update(
    *, access: Access, actor: Actor, organisation_id: int, data: OrganisationData
) -> Organisation:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can change the organisation."))
    clean = _clean_organisation(data)
    try:
        with transaction.atomic():
            org = Organisation.objects.select_for_update().get(pk=organisation_id)
            before = org.sme_class
            _apply_organisation(org, clean)
            org.save()
            audit_record(
                actor=actor,
                action="organisation.updated",
                target=f"organisation:{org.pk}",
                organisation_id=org.pk,
                detail={"sme_class_before": before, "sme_class": org.sme_class},
            )
    except IntegrityError as exc:
        raise Conflict(_("Another organisation is registered with this VAT number."),
                       field="vat_number") from exc
    return org


# --------------------------------------------------------------------------- members, invitations


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
            token_hash=_token_hash(token),
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
        .filter(token_hash=_token_hash(token))
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
            member = user
        else:
            existing = User.objects.filter(email__iexact=invitation.email).first()
            if existing is not None:
                raise Conflict(_("An account exists for this address: log in, then accept."))
            candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
            _validate_password(password, candidate)
            member = User.objects.create_user(
                invitation.email, password, first_name=first_name.strip(),
                last_name=last_name.strip(), language=active_language(),
            )
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


# --------------------------------------------------------------------------- projects


def _project_code(org: Organisation, name: str) -> str:
    base = (slugify(name)[:20].strip("-") or "project").lower()
    if not base[0].isalpha():
        base = "p" + base
    code = base
    n = 2
    while Project.objects.filter(code=code).exists():
        code = f"{base[:26]}-{n}"
        n += 1
    return code


def project_create(
    *,
    access: Access,
    actor: Actor,
    organisation_id: int,
    name: str,
    description: str = "",
    lead_id: int | None = None,
) -> Project:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("Only an organisation admin can create projects."))
    name = name.strip()
    if not name:
        raise DomainError(_("The project needs a name."), field="name")
    lead_id = lead_id or actor.user_id
    if lead_id is None:
        raise DomainError(_("Name the project lead."), field="lead_id")
    if not Membership.objects.filter(organisation_id=organisation_id, user_id=lead_id).exists():
        raise DomainError(_("The project lead must be a member of the organisation."),
                          field="lead_id")
    with transaction.atomic():
        org = Organisation.objects.get(pk=organisation_id)
        project = Project.objects.create(
            organisation=org, name=name, description=description.strip(),
            code=_project_code(org, name),
        )
        ProjectMembership.objects.create(project=project, user_id=lead_id, role=ProjectRole.LEAD)
        cluster_identity_ensure(user_id=lead_id)
        audit_record(
            actor=actor,
            action="project.created",
            target=f"project:{project.pk}",
            organisation_id=org.pk,
            detail={"name": project.name, "code": project.code, "lead": lead_id},
        )
    return project


def project_member_add(
    *, access: Access, actor: Actor, project_id: int, user_id: int, role: str = ProjectRole.MEMBER
) -> ProjectMembership:
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    if not access.can_manage_project(project_id, project.organisation_id):
        raise PermissionDenied(_("Only the project lead or an organisation admin can add members."))
    if not Membership.objects.filter(organisation_id=project.organisation_id, user_id=user_id).exists():
        raise DomainError(_("Only members of the organisation can join its projects."),
                          field="user_id")
    with transaction.atomic():
        if role == ProjectRole.LEAD:
            ProjectMembership.objects.filter(project=project, role=ProjectRole.LEAD).update(
                role=ProjectRole.MEMBER
            )
        membership, created = ProjectMembership.objects.update_or_create(
            project=project, user_id=user_id, defaults={"role": role}
        )
        cluster_identity_ensure(user_id=user_id)
        audit_record(
            actor=actor,
            action="project.member_added" if created else "project.member_role_changed",
            target=f"project:{project.pk}",
            organisation_id=project.organisation_id,
            detail={"user": user_id, "role": role},
        )
    return membership


def project_member_remove(*, access: Access, actor: Actor, project_id: int, user_id: int) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    if not access.can_manage_project(project_id, project.organisation_id):
        raise PermissionDenied(_("Only the project lead or an organisation admin can remove members."))
    with transaction.atomic():
        membership = ProjectMembership.objects.filter(project=project, user_id=user_id).first()
        if membership is None:
            raise NotFound(_("This person is not a member of the project."))
        if membership.role == ProjectRole.LEAD:
            raise Conflict(_("Name another project lead before removing the current one."))
        membership.delete()
        audit_record(
            actor=actor,
            action="project.member_removed",
            target=f"project:{project.pk}",
            organisation_id=project.organisation_id,
            detail={"user": user_id},
        )


# --------------------------------------------------------------------------- cluster identity


def cluster_identity_ensure(*, user_id: int) -> ClusterIdentity:
    """The person's POSIX identity, allocated on first need. Uids come from a locked counter and
    are unique in the table, whose rows are never deleted: a uid is never handed out twice."""
    existing = ClusterIdentity.objects.filter(user_id=user_id).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        existing = ClusterIdentity.objects.filter(user_id=user_id).first()
        if existing is not None:
            return existing
        counter = UidCounter.objects.select_for_update().filter(pk=1).first()
        if counter is None:
            UidCounter.objects.get_or_create(pk=1, defaults={"next_uid": settings.LAIF_UID_MIN})
            counter = UidCounter.objects.select_for_update().get(pk=1)
        highest = ClusterIdentity.objects.order_by("-uid").values_list("uid", flat=True).first()
        uid = max(counter.next_uid, settings.LAIF_UID_MIN, (highest or 0) + 1)
        if uid > settings.LAIF_UID_MAX:
            raise DomainError(_("The uid range is exhausted; the operators must widen it."))
        base = posix.username_base(user.first_name, user.last_name, user.email)
        username = posix.choose_username(
            base, lambda name: ClusterIdentity.objects.filter(username__iexact=name).exists()
        )
        identity = ClusterIdentity.objects.create(user=user, username=username, uid=uid)
        counter.next_uid = uid + 1
        counter.save(update_fields=["next_uid"])
        audit_record(
            actor=Actor(None, "system"),
            action="identity.allocated",
            target=f"user:{user.pk}",
            detail={"username": username, "uid": uid},
        )
    return identity


# Why a key is refused, by ``SshKeyError.code``, in the user's language (the pure module's own
# messages are English).
SSH_KEY_MESSAGES: dict[str, Promise] = {
    "nul": gettext_lazy("The key contains a NUL character."),
    "too_long": gettext_lazy("The key is too long to be an SSH public key."),
    "private_key": gettext_lazy(
        "This is a PRIVATE key. Never share it: paste the public key "
        "(the .pub file, e.g. ~/.ssh/id_ed25519.pub) and keep the private key secret."
    ),
    "other_format": gettext_lazy(
        "This public key is in PEM or RFC 4716 format; paste the OpenSSH one-line form "
        "('ssh-ed25519 AAAA... me@host'; 'ssh-keygen -i -f key.pub' converts it)."
    ),
    "not_one_line": gettext_lazy("Paste exactly one public key, on one line."),
    "control_character": gettext_lazy("The key contains a control character."),
    "no_data": gettext_lazy(
        "Expected 'type base64-data [comment]', e.g. 'ssh-ed25519 AAAA... me@host'."
    ),
    "several_keys": gettext_lazy("Paste exactly one public key: this line holds more than one."),
    "dsa": gettext_lazy("DSA keys are obsolete and refused; use ssh-ed25519."),
    "type_not_accepted": gettext_lazy(
        "Key type '%(key_type)s' is not accepted; use one of: %(allowed)s."
    ),
    "base64": gettext_lazy("The key data is not valid base64."),
    "corrupt": gettext_lazy("The key data is corrupt or does not match its type."),
    "rsa_too_small": gettext_lazy(
        "RSA keys need at least %(min_bits)d bits; this one has %(bits)d. Prefer ssh-ed25519."
    ),
    "unsupported": gettext_lazy("Unsupported key type."),
}


def ssh_key_error_message(exc: sshkeys.SshKeyError) -> str:
    """The reason a key is refused, translated; the module's English text for an unknown code."""
    template = SSH_KEY_MESSAGES.get(exc.code)
    if template is None:
        return str(exc)
    text = str(template)
    return text % exc.params if exc.params else text


def ssh_key_add(*, actor: Actor, user: User, title: str, public_key: str) -> SshKey:
    try:
        parsed = sshkeys.parse_public_key(public_key)
    except sshkeys.SshKeyError as exc:
        raise DomainError(ssh_key_error_message(exc), field="public_key") from exc
    title = (title.strip() or parsed.comment or parsed.key_type)[:100]
    if SshKey.objects.filter(fingerprint=parsed.fingerprint).exists():
        raise Conflict(
            _("This key (%(fp)s) is already registered. Each person needs a key of their own.")
            % {"fp": parsed.fingerprint},
            field="public_key",
        )
    try:
        with transaction.atomic():
            key = SshKey.objects.create(
                user=user, title=title, key_type=parsed.key_type, bits=parsed.bits,
                public_key=parsed.openssh, fingerprint=parsed.fingerprint,
            )
            audit_record(actor=actor, action="sshkey.added", target=f"sshkey:{key.pk}",
                         detail={"fingerprint": parsed.fingerprint, "type": parsed.key_type})
    except IntegrityError as exc:
        raise Conflict(_("This key is already registered."), field="public_key") from exc
    return key


def ssh_key_remove(*, actor: Actor, user: User, key_id: int) -> None:
    with transaction.atomic():
        key = SshKey.objects.filter(pk=key_id, user=user).first()
        if key is None:
            raise NotFound(_("SSH key not found."))
        fingerprint = key.fingerprint
        key.delete()
        audit_record(actor=actor, action="sshkey.removed", target=f"sshkey:{key_id}",
                     detail={"fingerprint": fingerprint})


# --------------------------------------------------------------------------- tokens and login


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
            token_hash=_token_hash(secret),
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
        ApiToken.objects.select_related("user").filter(token_hash=_token_hash(secret)).first()
    )
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def login_check_throttle(*, email: str, ip: str) -> None:
    """Refuse a login attempt while the account or the address has too many recent failures."""
    since = timezone.now() - timedelta(minutes=settings.LAIF_LOGIN_LOCKOUT_MINUTES)
    limit = settings.LAIF_LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(at__gte=since)
    by_account = recent.filter(email=email.strip().lower()).count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    if by_account >= limit or by_ip >= limit * 4:
        raise Throttled(
            _("Too many failed logins. Try again in %(min)d minutes.")
            % {"min": settings.LAIF_LOGIN_LOCKOUT_MINUTES}
        )


def login_record(*, email: str, ip: str, user: User | None) -> None:
    """Audit a login attempt; a failure also counts towards throttling."""
    email = email.strip().lower()[:254]
    with transaction.atomic():
        if user is None:
            LoginFailure.objects.create(email=email, ip=ip, at=timezone.now())
            audit_record(actor=Actor(None, "anonymous", ip), action="login.failed",
                         target=f"email:{email}")
        else:
            LoginFailure.objects.filter(email=email).delete()
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
