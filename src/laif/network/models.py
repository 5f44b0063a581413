"""Referrals between the EuroHPC AI Factories.

- ``Referral``: a request sent to another factory of the network (``outgoing``: a request of
  ours at the single point of entry needs a capability the local factory lacks; it stays linked
  to that request) or received from one (``incoming``: the requester's organisation, contact and
  need; linked to the local request it became once converted). The factory is a key of the
  catalogue (``catalogue/factories.json``), the capabilities keys of its vocabulary; the status
  follows ``lifecycle``.
- ``ReferralEvent``: its history, append-only: created, each change of status, notes, the
  conversion, who and when.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from laif.network import lifecycle


class Direction(models.TextChoices):
    OUTGOING = lifecycle.OUTGOING, pgettext_lazy("referral", "Outgoing")
    INCOMING = lifecycle.INCOMING, pgettext_lazy("referral", "Incoming")


class ReferralStatus(models.TextChoices):
    DRAFT = lifecycle.DRAFT, pgettext_lazy("referral", "Draft")
    SENT = lifecycle.SENT, pgettext_lazy("referral", "Sent")
    RECEIVED = lifecycle.RECEIVED, pgettext_lazy("referral", "Received")
    ACCEPTED = lifecycle.ACCEPTED, pgettext_lazy("referral", "Accepted")
    DECLINED = lifecycle.DECLINED, pgettext_lazy("referral", "Declined")
    CONVERTED = lifecycle.CONVERTED, _("Became a local request")
    COMPLETED = lifecycle.COMPLETED, pgettext_lazy("referral", "Completed")


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("referral", "Created")
    STATUS = "status", pgettext_lazy("referral", "Status changed")
    NOTE = "note", pgettext_lazy("referral", "Note")
    CONVERTED = "converted", _("Became a local request")


class Referral(models.Model):
    direction = models.CharField(max_length=8, choices=Direction.choices)
    factory = models.CharField(max_length=64)  # a key of catalogue/factories.json
    capabilities = models.JSONField(default=list)  # keys of the catalogue's capabilities
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    # outgoing: the request referred (required); incoming: the local request it became
    intake = models.ForeignKey("entry.Intake", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    # incoming: who the other factory refers to us, and what they need
    organisation_name = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    need = models.TextField(max_length=2500, blank=True)
    # incoming: the answers of the single point of entry, for the local request
    sector = models.CharField(max_length=32, blank=True)
    data_kinds = models.JSONField(default=list, blank=True)
    budget = models.CharField(max_length=32, blank=True)
    timeline = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, blank=True)
    reference = models.CharField(max_length=100, blank=True)  # the other factory's reference
    notes = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=~Q(direction=lifecycle.OUTGOING) | Q(intake__isnull=False),
                name="referral_outgoing_has_intake"),
            models.CheckConstraint(
                condition=~Q(status=lifecycle.CONVERTED) | Q(intake__isnull=False),
                name="referral_converted_has_intake"),
            # a request is referred to a factory once at a time (again once declined or done)
            models.UniqueConstraint(
                fields=["intake", "factory"],
                condition=Q(direction=lifecycle.OUTGOING)
                & ~Q(status__in=[lifecycle.DECLINED, lifecycle.COMPLETED]),
                name="referral_one_open_per_factory"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["direction", "status"], name="referral_queue"),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.direction}, {self.factory}, {self.status})"


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    text = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on referral {self.referral_id}"

    def to_label(self) -> str:
        """For a change of status: the new status, in the page's language."""
        return str(ReferralStatus(self.to_status).label) \
            if self.to_status in ReferralStatus.values else self.to_status
