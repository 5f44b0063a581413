"""Cluster identities (POSIX username and uid, never reused) and SSH keys."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laif.accounts import posix, sshkeys
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound
from laif.accounts.models import (
    ClusterIdentity,
    SshKey,
    UidCounter,
    User,
)


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
