"""Requests to the factory through its single point of entry.

- ``Intake``: a need described by anyone, logged in or not (goal, sector, data held, budget,
  timeline, language), routed by the catalogue's rules (``classification``: the rules that
  matched, with the version of the catalogue and each rule's reason, kept as they were when it
  was routed). A request from someone not logged in stays ``unverified``, outside the staff
  inbox, until its follow link (sent to the address given) is opened. In the inbox it has an
  owner, a status (new, triaged, in progress, closed), a response time target (``respond_by``)
  and, once staff turn it into one, an outcome: a GPU request or a referral to a service.
- ``IntakeEvent``: what happened to a request: comments (internal or to the requester), the
  requester's replies, status changes, assignments, the outcome.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IntakeStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for the e-mail address to be confirmed")
    NEW = "new", pgettext_lazy("request status", "New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    NONE = "", _("None yet")
    GPU_REQUEST = "gpu_request", _("GPU request")
    REFERRAL = "referral", _("Referral")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Address confirmed")
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply from the requester")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    OUTCOME = "outcome", _("Outcome")


class Intake(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="intakes")
    email = models.EmailField()
    contact_name = models.CharField(max_length=200)
    organisation_name = models.CharField(max_length=200, blank=True)
    goal = models.CharField(max_length=32)
    sector = models.CharField(max_length=32)
    data_kinds = models.JSONField(default=list)
    budget = models.CharField(max_length=32)
    timeline = models.CharField(max_length=32)
    language = models.CharField(max_length=8)
    description = models.TextField(max_length=3000)
    rules_version = models.PositiveIntegerField()
    classification = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=IntakeStatus.choices,
                              default=IntakeStatus.UNVERIFIED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_intakes")
    verified_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    referral_service = models.CharField(max_length=32, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["status", "respond_by"], name="intake_inbox"),
            models.Index(fields=["email", "created_at"], name="intake_email_recent"),
            models.Index(fields=["client_ip", "created_at"], name="intake_ip_recent"),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} ({self.email})"


class IntakeEvent(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    public = models.BooleanField(default=True)
    text = models.TextField(max_length=5000, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on request {self.intake_id}"

    def status_label(self) -> str:
        """For a status change: the new status, in the page's language."""
        to = str(self.detail.get("to", ""))
        return str(IntakeStatus(to).label) if to in IntakeStatus.values else to
