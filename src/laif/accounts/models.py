"""Organisations, people, roles, projects, cluster identities, tokens and the audit log.

Models hold data and constraints only; rules live in ``services.py`` (writes), ``selectors.py``
(reads) and pure modules (``sme``, ``sshkeys``, ``posix``, ``audit_chain``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laif.accounts.choices import (
    OrganisationKind,
    OrgRole,
    ProjectRole,
    Sector,
    SmeClassChoice,
    SmeDeclarationState,
    SmeHolderKind,
    SmeRelation,
    SmeStakeDirection,
    StaffRoleName,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in with e-mail; belongs to organisations through memberships."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    # When the person proved they receive mail at ``email`` (a signed link, an invitation link,
    # a password reset, or an OpenID Connect provider that asserts it); None: not yet. An
    # unverified account cannot register an organisation nor accept an invitation.
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    email_verification_sent_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, default="LU")
    rcs_number = models.CharField(_("RCS number"), max_length=20, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.TextField(_("postal address"), blank=True, default="")
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    # the figures are optional (asked at sign-up only if the person wants the class worked out
    # now: funding decisions use the verified SME declaration); none given: no class ("")
    staff_headcount = models.PositiveIntegerField(_("staff headcount"), null=True, blank=True)
    annual_turnover_eur = models.DecimalField(
        _("annual turnover (EUR)"), max_digits=15, decimal_places=2, null=True, blank=True
    )
    balance_sheet_eur = models.DecimalField(
        _("balance sheet total (EUR)"), max_digits=15, decimal_places=2, null=True, blank=True
    )
    sme_class = models.CharField(_("EU SME class"), max_length=10, choices=SmeClassChoice.choices,
                                 blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["country", "vat_number"],
                condition=~models.Q(vat_number=""),
                name="organisation_vat_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SmeDeclaration(models.Model):
    """An organisation's figures and ownership for one accounting year (Recommendation
    2003/361/EC, Annex I), declared by an organisation admin and verified by a factory operator.
    What the verification found (the year's class, the status after the two-year rule, the
    totals with the partner and linked enterprises, the reasons) is kept with it: a decision that
    used it (a cashback claim) points here. Rejected ones stay as a record."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="sme_declarations")
    year = models.PositiveSmallIntegerField(_("accounting year"))
    estimated = models.BooleanField(_("bona fide estimates (no approved accounts yet)"),
                                    default=False)
    ownership_changed = models.BooleanField(_("ownership changed during the year"),
                                            default=False)
    staff_awu = models.DecimalField(_("staff headcount (annual work units)"), max_digits=9,
                                    decimal_places=2)
    turnover_eur = models.DecimalField(_("annual turnover (EUR)"), max_digits=15,
                                       decimal_places=2)
    balance_sheet_eur = models.DecimalField(_("balance sheet total (EUR)"), max_digits=15,
                                            decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=SmeDeclarationState.choices,
                             default=SmeDeclarationState.SUBMITTED)
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=1000, blank=True)
    year_class = models.CharField(max_length=10, choices=SmeClassChoice.choices, blank=True)
    sme_class = models.CharField(_("SME status"), max_length=10, choices=SmeClassChoice.choices,
                                 blank=True)
    total_staff_awu = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    total_turnover_eur = models.DecimalField(max_digits=17, decimal_places=2, null=True,
                                             blank=True)
    total_balance_sheet_eur = models.DecimalField(max_digits=17, decimal_places=2, null=True,
                                                  blank=True)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-year", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=~models.Q(state=SmeDeclarationState.REJECTED),
                name="sme_declaration_one_per_year",
            ),
            models.CheckConstraint(condition=models.Q(year__gte=1990, year__lte=2100),
                                   name="sme_declaration_year_bounded"),
        ]

    def __str__(self) -> str:
        return f"SME declaration {self.year} of organisation {self.organisation_id}"


class SmeStake(models.Model):
    """A holding between the declaring enterprise and another one, with that one's figures
    (consolidated with its own linked enterprises)."""

    declaration = models.ForeignKey(SmeDeclaration, on_delete=models.CASCADE,
                                    related_name="stakes")
    name = models.CharField(_("enterprise or investor"), max_length=200)
    direction = models.CharField(_("direction"), max_length=10,
                                 choices=SmeStakeDirection.choices)
    holder_kind = models.CharField(_("kind"), max_length=30, choices=SmeHolderKind.choices)
    capital_percent = models.DecimalField(_("share of capital (%)"), max_digits=5,
                                          decimal_places=2)
    votes_percent = models.DecimalField(_("share of voting rights (%)"), max_digits=5,
                                        decimal_places=2)
    control = models.BooleanField(_("control (board majority or dominant influence)"),
                                  default=False)
    staff_awu = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    turnover_eur = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    balance_sheet_eur = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    invested_eur = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    relation = models.CharField(max_length=10, choices=SmeRelation.choices, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(capital_percent__gte=0, capital_percent__lte=100,
                                   votes_percent__gte=0, votes_percent__lte=100),
                name="sme_stake_percent_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.direction}) in declaration {self.declaration_id}"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=OrgRole.choices, default=OrgRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class StaffRole(models.Model):
    """A factory staff role; staff belong to no client organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=10, choices=StaffRoleName.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["user", "role"], name="staffrole_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Project(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=32, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["organisation_id", "name"]

    def __str__(self) -> str:
        return self.name


class ProjectMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="project_memberships")
    role = models.CharField(max_length=10, choices=ProjectRole.choices, default=ProjectRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["project", "user"], name="projectmembership_unique"),
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(role="lead"), name="project_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in project {self.project_id} ({self.role})"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        """Invitations that can still be accepted: neither accepted, revoked nor expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=OrgRole.choices, default=OrgRole.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organisation_id}"


class ApiToken(models.Model):
    """A bearer token for the CLI: only its SHA-256 is stored; shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"


class PendingOrganisation(models.Model):
    """An organisation registered at sign-up, created only once its admin's e-mail address is
    verified (so nobody registers a company under a colleague's address)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE,
                                related_name="pending_organisation")
    data = models.JSONField()  # the cleaned OrganisationData, amounts as strings
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pending organisation {self.data.get('name', '')!r} of {self.user_id}"


_IDENTITY_NEVER_DELETED = (
    "Cluster identities are never deleted, so that a uid is never handed out twice; "
    "deactivate the person instead."
)


class ClusterIdentityQuerySet(models.QuerySet["ClusterIdentity"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(_IDENTITY_NEVER_DELETED, set(self[:20]))


class ClusterIdentity(models.Model):
    """A person's POSIX identity on the cluster. Never deleted: a uid is never handed out twice."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="cluster_identity")
    username = models.CharField(max_length=32, unique=True)
    uid = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    objects = ClusterIdentityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "cluster identities"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(Lower("username"), name="clusteridentity_username_ci")
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.uid})"

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(_IDENTITY_NEVER_DELETED, {self})


class UidCounter(models.Model):
    """One row: the next uid to hand out. Locked with SELECT ... FOR UPDATE while allocating."""

    next_uid = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"next uid {self.next_uid}"


class SshKey(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ssh_keys")
    title = models.CharField(max_length=100)
    key_type = models.CharField(max_length=40)
    bits = models.PositiveIntegerField()
    public_key = models.TextField()
    fingerprint = models.CharField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at"]

    def __str__(self) -> str:
        return f"{self.title} {self.fingerprint}"


class AuditEntry(models.Model):
    """Append-only, hash-chained record of a security-relevant action."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_ref = models.BigIntegerField(null=True, db_index=True)  # user id; no FK: hashed as is
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=64, db_index=True)
    organisation_id_ref = models.BigIntegerField(null=True, db_index=True)
    target = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditCheckpoint(models.Model):
    """The chain head (seq, hash) sealed with an HMAC whose key lives outside the database, with
    where keyed entries begin and the newest head written to the anchor file (ADR 0012)."""

    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    keyed_from = models.PositiveBigIntegerField(default=1)
    anchored_seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class AuditAlert(models.Model):
    """The last alert raised because the audit log failed its integrity check (one row): a flood
    of refused writes raises one alert an hour, not one per write."""

    raised_at = models.DateTimeField()
    reason = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"audit alert at {self.raised_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """An in-app notice to one person (a request to review, a decision, an allocation ending),
    written in their language when it is created; ``read_at`` is set when they mark it read."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice to user {self.recipient_id}"
